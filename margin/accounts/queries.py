"""Who is asking, and what they may see. Every read in Margin starts from a `Viewer`."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Q, QuerySet

from margin.accounts.models import AccessRole, ApiToken, Company, Membership, Person, Role
from margin.core.errors import NotFound


@dataclass(frozen=True)
class Viewer:
    """A signed-in user inside one organisation, with the companies they may see."""

    user_id: int
    organisation_id: int
    role: str
    company_ids: frozenset[int]
    person_id: int | None
    # May log, change and submit time for other people of their companies (Membership.can_log_for_others).
    can_log_for_others: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == AccessRole.ADMIN

    @property
    def is_finance(self) -> bool:
        return self.role in (AccessRole.ADMIN, AccessRole.FINANCE)

    @property
    def sees_all_projects(self) -> bool:
        """Admins and finance see every project of their companies; others only their own."""
        return self.is_finance


def viewer_for(user: AbstractBaseUser | AnonymousUser) -> Viewer:
    """The viewer for a user (their first organisation). NotFound if they belong to none."""
    if not user.is_authenticated:
        raise NotFound("Sign in first.")
    membership = Membership.objects.filter(user_id=user.pk).select_related("organisation").order_by("id").first()
    if membership is None:
        raise NotFound("This user belongs to no organisation.")
    chosen = set(membership.companies.values_list("id", flat=True))
    if not chosen:
        chosen = set(Company.objects.filter(organisation_id=membership.organisation_id).values_list("id", flat=True))
    person_id = (
        Person.objects.filter(user_id=user.pk, organisation_id=membership.organisation_id)
        .values_list("id", flat=True)
        .first()
    )
    return Viewer(
        user_id=user.pk,
        organisation_id=membership.organisation_id,
        role=membership.role,
        company_ids=frozenset(chosen),
        person_id=person_id,
        can_log_for_others=membership.can_log_for_others,
    )


def companies_visible(viewer: Viewer) -> QuerySet[Company]:
    return Company.objects.filter(organisation_id=viewer.organisation_id, id__in=viewer.company_ids).order_by("name")


def company_get(viewer: Viewer, company_id: int) -> Company:
    company = companies_visible(viewer).filter(id=company_id).first()
    if company is None:
        raise NotFound("No such company.")
    return company


def people_visible(viewer: Viewer) -> QuerySet[Person]:
    return Person.objects.filter(
        organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids
    ).select_related("role", "company")


def person_get(viewer: Viewer, person_id: int) -> Person:
    person = people_visible(viewer).filter(id=person_id).first()
    if person is None:
        raise NotFound("No such person.")
    return person


def people_search(
    viewer: Viewer,
    text: str = "",
    *,
    company_id: int | None = None,
    role_id: int | None = None,
    active: bool | None = None,
) -> QuerySet[Person]:
    """People of the viewer's companies whose name or e-mail contains every word of `text`."""
    people = people_visible(viewer)
    for word in text.split():
        people = people.filter(Q(name__icontains=word) | Q(email__icontains=word))
    if company_id is not None:
        people = people.filter(company_id=company_id)
    if role_id is not None:
        people = people.filter(role_id=role_id)
    if active is not None:
        people = people.filter(active=active)
    return people


def roles_visible(viewer: Viewer) -> QuerySet[Role]:
    return Role.objects.filter(organisation_id=viewer.organisation_id)


def role_get(viewer: Viewer, role_id: int) -> Role:
    role = roles_visible(viewer).filter(id=role_id).first()
    if role is None:
        raise NotFound("No such role.")
    return role


def member_users(viewer: Viewer) -> QuerySet[User]:
    """The users of the viewer's organisation (those with a membership), by username."""
    return User.objects.filter(memberships__organisation_id=viewer.organisation_id, is_active=True).order_by("username")


def member_user_get(viewer: Viewer, user_id: int) -> User:
    user = member_users(viewer).filter(id=user_id).first()
    if user is None:
        raise NotFound("No such user.")
    return user


def api_tokens_of(user_id: int) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=user_id, revoked_at__isnull=True).order_by("-created_at")
