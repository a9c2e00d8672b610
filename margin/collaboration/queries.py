"""Reads of comments and attachments, always through the target's own access function.

A thread is reached by its target (`target_get`: the task, project, invoice, risk… as the viewer may see it,
through that app's access function, so another organisation's or an invisible object answers 404) and a
comment or attachment by id only after its target was reached that way. `who_can_see` asks the same access
functions on behalf of other people (the mentioned, the followers), so nobody hears of what they cannot open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse

from margin.accounts.models import Company, Membership, Person
from margin.accounts.queries import Viewer
from margin.billing.queries import invoice_get
from margin.collaboration.models import Attachment, Comment, TargetType
from margin.core.errors import Invalid, NotFound
from margin.projects.models import Project
from margin.projects.queries import project_get, task_get
from margin.risks.queries import change_request_get, issue_get, risk_get


@dataclass(frozen=True)
class Target:
    """An object a thread hangs on, as one viewer reached it."""

    type: str
    id: int
    organisation_id: int
    project: Project | None
    label: str
    url: str
    obj: Any

    @property
    def key(self) -> str:
        return f"{self.type}:{self.id}"

    @property
    def project_id(self) -> int | None:
        return self.project.pk if self.project is not None else None


Resolver = Callable[[Viewer, int], Target]


def _project(viewer: Viewer, pk: int) -> Target:
    project = project_get(viewer, pk)
    return Target(
        "project", pk, project.organisation_id, project, f"{project.code} {project.name}",
        reverse("web:project", args=[pk]), project,
    )  # fmt: skip


def _task(viewer: Viewer, pk: int) -> Target:
    task = task_get(viewer, pk)
    return Target(
        "task", pk, task.project.organisation_id, task.project, task.name, reverse("web:task", args=[pk]), task
    )


def _invoice(viewer: Viewer, pk: int) -> Target:
    invoice = invoice_get(viewer, pk)
    label = f"invoice {invoice.number}" if invoice.number else f"draft invoice {pk}"
    return Target(
        "invoice", pk, invoice.organisation_id, invoice.project, label, reverse("web:invoice", args=[pk]), invoice
    )


def _page(name: str, pk: int, project: Project) -> str:
    """The object's own page (under its project's RAID tab), or the project's while the object has none."""
    try:
        return reverse(f"web:{name}", args=[project.pk, pk])
    except NoReverseMatch:
        return reverse("web:project", args=[project.pk])


def _raid(kind: str, get: Callable[[Viewer, int], Any]) -> Resolver:
    def resolve(viewer: Viewer, pk: int) -> Target:
        obj = get(viewer, pk)
        project = obj.project
        return Target(kind, pk, obj.organisation_id, project, str(obj), _page(kind, pk, project), obj)

    return resolve


RESOLVERS: dict[str, Resolver] = {
    "project": _project,
    "task": _task,
    "risk": _raid("risk", risk_get),
    "issue": _raid("issue", issue_get),
    "change_request": _raid("change_request", change_request_get),
    "invoice": _invoice,
}


def target_types() -> list[str]:
    """The kinds of object that have threads here."""
    return [t for t in TargetType.values if t in RESOLVERS]


def parse_target(text: str) -> tuple[str, int]:
    """`task:12` → ("task", 12); Invalid (field "target") otherwise."""
    kind, _, raw = (text or "").partition(":")
    if kind not in RESOLVERS or not raw.isdigit() or len(raw) > 18:
        raise Invalid(f"Name the target as type:id, the type one of {', '.join(target_types())}.", field="target")
    return kind, int(raw)


def target_get(viewer: Viewer, target_type: str, target_id: int) -> Target:
    """The target as `viewer` may see it; NotFound when it does not exist for them."""
    resolver = RESOLVERS.get(target_type)
    if resolver is None:
        raise NotFound("No such object.")
    return resolver(viewer, target_id)


# --- other people: who may see a target ------------------------------------------------------------


def viewers_in(organisation_id: int, user_ids: Iterable[int]) -> dict[int, Viewer]:
    """The viewer each user would be inside `organisation_id` (users without a membership there: absent)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    memberships = list(
        Membership.objects.filter(organisation_id=organisation_id, user_id__in=ids, user__is_active=True)
        .prefetch_related("companies")
        .order_by("user_id")
    )
    every = frozenset(Company.objects.filter(organisation_id=organisation_id).values_list("id", flat=True))
    people = dict(
        Person.objects.filter(organisation_id=organisation_id, user_id__in=ids)
        .order_by("-id")
        .values_list("user_id", "id")
    )
    found: dict[int, Viewer] = {}
    for membership in memberships:
        chosen = frozenset(c.pk for c in membership.companies.all()) or every
        found[membership.user_id] = Viewer(
            user_id=membership.user_id,
            organisation_id=organisation_id,
            role=membership.role,
            company_ids=chosen,
            person_id=people.get(membership.user_id),
        )
    return found


def who_can_see(target: Target, user_ids: Iterable[int]) -> set[int]:
    """Those of `user_ids` who could open `target` themselves (its own access function, for each of them)."""
    seeing: set[int] = set()
    for user_id, viewer in viewers_in(target.organisation_id, user_ids).items():
        try:
            target_get(viewer, target.type, target.id)
        except NotFound:
            continue
        seeing.add(user_id)
    return seeing


def users_by_handle(organisation_id: int, handles: Iterable[str]) -> dict[str, User]:
    """The organisation's active users named by these handles (user name, case-insensitive)."""
    wanted = {h.lower() for h in handles}
    if not wanted:
        return {}
    query = Q()
    for handle in wanted:
        query |= Q(username__iexact=handle)
    users = User.objects.filter(query, memberships__organisation_id=organisation_id, is_active=True)
    return {u.username.lower(): u for u in users}


def display_name(user: User | None) -> str:
    """The name the firm knows a user by (their person's name: "Maya Patel", not the sign-in name "maya")."""
    if user is None:
        return "Someone"
    try:
        return str(user.person.name)
    except ObjectDoesNotExist:
        return user.get_full_name() or user.username


def mention_candidates(viewer: Viewer, target: Target, text: str = "", limit: int = 10) -> list[User]:
    """People to offer after "@": the target project's team and the organisation's administrators and finance,
    whose name starts with `text`, who may see the target. Nobody else is offered."""
    users = User.objects.filter(memberships__organisation_id=target.organisation_id, is_active=True)
    team = Q(memberships__role__in=["admin", "finance"])
    if target.project is not None:
        person_users = Person.objects.filter(
            Q(project_memberships__project=target.project) | Q(pk=target.project.manager_id), user__isnull=False
        ).values("user_id")
        team |= Q(pk__in=person_users)
    users = users.filter(team).exclude(pk=viewer.user_id)
    for word in text.split():
        users = users.filter(
            Q(username__istartswith=word)
            | Q(first_name__istartswith=word)
            | Q(last_name__istartswith=word)
            | Q(person__name__icontains=word)
        )
    candidates = list(
        users.distinct().select_related("person").order_by("first_name", "last_name", "username")[: limit * 3]
    )
    seeing = who_can_see(target, [u.pk for u in candidates])
    return [u for u in candidates if u.pk in seeing][:limit]


# --- threads ----------------------------------------------------------------------------------------


def comments_of(target: Target) -> QuerySet[Comment]:
    """The target's thread, oldest first (deleted comments included: they show as "comment deleted")."""
    return (
        Comment.objects.filter(organisation_id=target.organisation_id, target_type=target.type, target_id=target.id)
        .select_related("author__person")
        .prefetch_related("mentions")
        .order_by("created_at", "id")
    )


def attachments_of(target: Target) -> QuerySet[Attachment]:
    return (
        Attachment.objects.filter(
            organisation_id=target.organisation_id,
            target_type=target.type,
            target_id=target.id,
            deleted_at__isnull=True,
        )
        .select_related("uploaded_by__person")
        .order_by("created_at", "id")
    )


def comment_get(viewer: Viewer, comment_id: int) -> tuple[Comment, Target]:
    """A comment and its target, both as `viewer` may see them; NotFound otherwise."""
    comment = (
        Comment.objects.filter(pk=comment_id, organisation_id=viewer.organisation_id)
        .select_related("author__person")
        .first()
    )
    if comment is None:
        raise NotFound("No such comment.")
    try:
        target = target_get(viewer, comment.target_type, comment.target_id)
    except NotFound:
        raise NotFound("No such comment.") from None
    return comment, target


def attachment_get(viewer: Viewer, attachment_id: int) -> tuple[Attachment, Target]:
    attachment = Attachment.objects.filter(
        pk=attachment_id, organisation_id=viewer.organisation_id, deleted_at__isnull=True
    ).first()
    if attachment is None:
        raise NotFound("No such attachment.")
    try:
        target = target_get(viewer, attachment.target_type, attachment.target_id)
    except NotFound:
        raise NotFound("No such attachment.") from None
    return attachment, target
