"""Who is asking, and what they may see. Every read in Margin starts from a `Viewer`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils import timezone

from margin.accounts.models import (
    AccessRole,
    ApiToken,
    Company,
    Invitation,
    Membership,
    Organisation,
    Person,
    Role,
    TwoFactorDevice,
)
from margin.core.errors import Conflict, Invalid, NotFound


def margin_number(name: str) -> int:
    """An integer knob of settings.MARGIN (config/settings.py reads each from the environment)."""
    value: Any = settings.MARGIN[name]
    return int(value)


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
    # Their organisation requires a second factor and they have not set one up (screens send them to).
    second_factor_due: bool = False

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
        second_factor_due=membership.organisation.require_two_factor and not two_factor_confirmed(user.pk),
    )


def companies_visible(viewer: Viewer) -> QuerySet[Company]:
    return Company.objects.filter(organisation_id=viewer.organisation_id, id__in=viewer.company_ids).order_by("name")


def company_get(viewer: Viewer, company_id: int) -> Company:
    company = companies_visible(viewer).filter(id=company_id).first()
    if company is None:
        raise NotFound("No such company.")
    return company


def company_locked_through(company_id: int) -> date | None:
    """The company's lock date (ADR 0028): nothing of it dated on or before it may change; None when
    nothing is closed. Every dated app reads it here; only `closing.actions` writes it."""
    through: date | None = Company.objects.values_list("locked_through", flat=True).get(pk=company_id)
    return through


def companies_locked_through(company_ids: set[int] | frozenset[int]) -> dict[int, date]:
    """Lock dates of several companies in one query (companies with nothing closed are absent)."""
    rows = Company.objects.filter(id__in=list(company_ids), locked_through__isnull=False)
    return {company_id: through for company_id, through in rows.values_list("id", "locked_through") if through}


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
    """The user's tokens that still work (neither revoked nor expired), newest first."""
    return ApiToken.objects.filter(user_id=user_id, revoked_at__isnull=True, expires_at__gt=timezone.now()).order_by(
        "-created_at"
    )


# --- users (issue 9) ----------------------------------------------------------------------------------------


def organisation_of(viewer: Viewer) -> Organisation:
    return Organisation.objects.get(pk=viewer.organisation_id)


def memberships_visible(viewer: Viewer) -> QuerySet[Membership]:
    """The users of the viewer's organisation whose access lies within the viewer's companies: an
    administrator restricted to some companies neither sees nor manages users with wider access."""
    memberships = Membership.objects.filter(organisation_id=viewer.organisation_id)
    every = set(Company.objects.filter(organisation_id=viewer.organisation_id).values_list("id", flat=True))
    outside = every - viewer.company_ids
    if outside:
        memberships = memberships.exclude(companies=None).exclude(companies__in=outside)
    return memberships.select_related("user").order_by("user__username")


def membership_get(viewer: Viewer, user_id: int) -> Membership:
    membership = memberships_visible(viewer).filter(user_id=user_id).first()
    if membership is None:
        raise NotFound("No such user.")
    return membership


def invitation_find(secret: str, *, for_update: bool = False) -> Invitation:
    """The invitation of a set-password link, if it can still be used; else a refusal saying why."""
    key_hash = hashlib.sha256(secret.encode()).hexdigest()
    invitations = Invitation.objects.select_related("user", "organisation")
    if for_update:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(key_hash=key_hash).first() if len(secret) <= 100 else None
    if invitation is None:
        raise NotFound("This invitation link is not valid. Check that you copied all of it.")
    if not invitation.user.is_active:
        raise Conflict("This account is deactivated; ask your administrator.", code="deactivated")
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was used already: sign in with your password.", code="used")
    if invitation.voided_at is not None:
        raise Conflict("This invitation was replaced by a newer one; use the latest e-mail.", code="replaced")
    if invitation.expires_at <= timezone.now():
        raise Invalid("This invitation has expired; ask your administrator to send it again.", code="expired")
    return invitation


def invitations_pending(user_ids: list[int]) -> dict[int, Invitation]:
    """The latest usable-or-expired invitation of each user who has not accepted one yet."""
    latest: dict[int, Invitation] = {}
    for invitation in Invitation.objects.filter(
        user_id__in=user_ids, accepted_at__isnull=True, voided_at__isnull=True
    ).order_by("created_at"):
        latest[invitation.user_id] = invitation
    return latest


def users_for_sso(email: str) -> list[User]:
    """The accounts single sign-on may sign in for an e-mail: users of an organisation with that e-mail
    (any letter case), active or not (the caller refuses the deactivated with a message)."""
    if not email:
        return []
    return list(User.objects.filter(email__iexact=email, memberships__isnull=False).distinct()[:2])


def two_factor_confirmed(user_id: int) -> bool:
    return TwoFactorDevice.objects.filter(user_id=user_id, confirmed_at__isnull=False).exists()


def two_factor_users(user_ids: list[int]) -> set[int]:
    return set(
        TwoFactorDevice.objects.filter(user_id__in=user_ids, confirmed_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )


def second_factor_due(user_id: int) -> bool:
    """True when the user's organisation requires two-factor authentication and they have not set it up."""
    return Membership.objects.filter(
        user_id=user_id, organisation__require_two_factor=True
    ).exists() and not two_factor_confirmed(user_id)


@dataclass(frozen=True)
class UserRow:
    """A user as Settings → Users and GET /users show them."""

    membership: Membership
    company_ids: list[int]
    two_factor: bool
    # invited (link out), expired (link out of date), active, deactivated
    status: str
    invitation: Invitation | None

    @property
    def user_id(self) -> int:
        return self.membership.user_id


def user_rows(viewer: Viewer, user_id: int | None = None) -> list[UserRow]:
    """The users the viewer may manage (`memberships_visible`), with their companies, second factor and
    invitation, in four queries whatever their number."""
    memberships = list(memberships_visible(viewer).prefetch_related("companies"))
    if user_id is not None:
        memberships = [m for m in memberships if m.user_id == user_id]
    ids = [m.user_id for m in memberships]
    two_factor = two_factor_users(ids)
    pending = invitations_pending(ids)
    now = timezone.now()
    rows = []
    for membership in memberships:
        user = membership.user
        invitation = pending.get(user.pk)
        if not user.is_active:
            status = "deactivated"
        elif not user.has_usable_password() and user.last_login is None:
            # Never signed in and no password: invited while a link works; else their link expired or was voided.
            status = "invited" if invitation is not None and invitation.expires_at > now else "expired"
        else:
            status = "active"
        rows.append(
            UserRow(
                membership=membership,
                company_ids=sorted(c.pk for c in membership.companies.all()),
                two_factor=user.pk in two_factor,
                status=status,
                invitation=invitation,
            )
        )
    return rows
