"""Reads of time off: who may see, request and decide it, and the days off a screen marks.

- A person sees and requests their own time off; an administrator, and a member who may log time for others
  (``Membership.can_log_for_others``), do so for the people of their companies; a line manager sees their
  reports' (:func:`time_off_visible`). Another organisation's or a hidden company's time off answers 404.
- The approver is the person's line manager (``Person.manager``, through their login); without one (or a manager
  without a login) an administrator. An administrator may always decide. Nobody but an administrator decides
  time off they requested themselves (:func:`can_decide`).
- :func:`time_off_days` gives, per person and day, what the week grid and the plan mark (approved and waiting).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, Min, Q, QuerySet

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core.errors import NotFound
from margin.projects.models import Project, ProjectMember, Task
from margin.projects.planning import to_local
from margin.resourcing.models import TimeOff, TimeOffKind, TimeOffStatus

OPEN_STATUSES = (TimeOffStatus.REQUESTED, TimeOffStatus.APPROVED)  # time off that still stands (or may)


def _in_companies(viewer: Viewer) -> Q:
    return Q(person__organisation_id=viewer.organisation_id, person__company_id__in=viewer.company_ids)


def may_request_for(viewer: Viewer, person: Person) -> bool:
    """Requesting (and cancelling) someone's time off: themselves, an administrator or a member who may log
    time for others, for the people of their companies."""
    if person.organisation_id != viewer.organisation_id:
        return False
    if person.pk == viewer.person_id:
        return True
    return person.company_id in viewer.company_ids and (viewer.is_admin or viewer.can_log_for_others)


def time_off_visible(viewer: Viewer) -> QuerySet[TimeOff]:
    """Time off the viewer may see: their own, their reports', and everyone's of their companies for an
    administrator or a member who logs time for others."""
    scope = Q(pk__in=[])
    if viewer.person_id is not None:
        scope |= Q(person_id=viewer.person_id) | Q(person__manager_id=viewer.person_id)
    if viewer.is_admin or viewer.can_log_for_others:
        scope |= Q(person__company_id__in=viewer.company_ids)
    return (
        TimeOff.objects.filter(organisation_id=viewer.organisation_id)
        .filter(_in_companies(viewer) | Q(person_id=viewer.person_id))
        .filter(scope)
        .select_related("person", "person__manager", "requested_by", "decided_by")
    )


def time_off_get(viewer: Viewer, time_off_id: int) -> TimeOff:
    found = time_off_visible(viewer).filter(pk=time_off_id).first()
    if found is None:
        raise NotFound("No such time off.")
    return found


def time_off_mine(viewer: Viewer) -> QuerySet[TimeOff]:
    return time_off_visible(viewer).filter(person_id=viewer.person_id or 0)


def approver_user_id(person: Person) -> int | None:
    """The login of whoever approves this person's time off: their line manager's (None: an administrator)."""
    manager = person.manager
    return manager.user_id if manager is not None and manager.user_id is not None else None


def can_decide(viewer: Viewer, time_off: TimeOff) -> bool:
    """Approving or rejecting: the person's line manager, else an administrator; an administrator always; never
    someone who requested it themselves unless they are an administrator."""
    if time_off.organisation_id != viewer.organisation_id:
        return False
    if viewer.is_admin:
        return time_off.person.company_id in viewer.company_ids
    if time_off.requested_by_id == viewer.user_id or time_off.person_id == viewer.person_id:
        return False
    return approver_user_id(time_off.person) == viewer.user_id


def time_off_to_approve(viewer: Viewer) -> QuerySet[TimeOff]:
    """Requests waiting for the viewer's decision: their reports'; for an administrator, also those of people
    without a line manager who could decide (and any other they may decide)."""
    waiting = time_off_visible(viewer).filter(status=TimeOffStatus.REQUESTED).order_by("first_day", "id")
    if viewer.is_admin:
        return waiting
    return waiting.filter(person__manager__user_id=viewer.user_id).exclude(requested_by_id=viewer.user_id)


def time_off_filtered(
    viewer: Viewer, *, person_id: int | None = None, status: str | None = None, mine: bool = False
) -> QuerySet[TimeOff]:
    rows = time_off_visible(viewer)
    if mine:
        rows = rows.filter(person_id=viewer.person_id or 0)
    if person_id is not None:
        rows = rows.filter(person_id=person_id)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-first_day", "-id")


@dataclass(frozen=True, slots=True)
class DayOff:
    """A person away on a day: the kind, None for the whole day else the minutes off, approved or waiting."""

    kind: str
    label: str
    minutes: int | None
    approved: bool

    @property
    def text(self) -> str:
        """What a day header says: "Vacation", "½ day off" (4 h or less), "2:00 off", and "(requested)"."""
        if self.minutes is None:
            text = self.label
        elif self.minutes <= 4 * 60:
            text = "½ day off" if self.minutes == 4 * 60 else f"{self.minutes // 60}:{self.minutes % 60:02d} off"
        else:
            text = f"{self.minutes // 60}:{self.minutes % 60:02d} off"
        return text if self.approved else f"{text} (requested)"


def time_off_days(person_ids: Iterable[int], first: date, last: date) -> dict[int, dict[date, DayOff]]:
    """Approved and waiting time off per person and day in ``first``–``last`` (one query). Where an approved and
    a waiting one fall on the same day, the approved one is shown."""
    out: dict[int, dict[date, DayOff]] = {}
    rows = (
        TimeOff.objects.filter(
            person_id__in=set(person_ids), status__in=OPEN_STATUSES, first_day__lte=last, last_day__gte=first
        )
        .order_by("first_day", "id")
        .values_list("person_id", "kind", "first_day", "last_day", "minutes_per_day", "status")
    )
    labels = dict(TimeOffKind.choices)
    for person_id, kind, first_day, last_day, minutes, status in rows:
        approved = status == TimeOffStatus.APPROVED
        day = max(first_day, first)
        while day <= min(last_day, last):
            shown = out.setdefault(person_id, {}).get(day)
            if shown is None or (approved and not shown.approved):
                out[person_id][day] = DayOff(kind, str(labels.get(kind, kind)), minutes, approved)
            day += timedelta(days=1)
    return out


def time_off_of_team(person_ids: Iterable[int], first: date, last: date) -> QuerySet[TimeOff]:
    """Approved time off of these people overlapping ``first``–``last`` (the plan's "Team time off")."""
    return (
        TimeOff.objects.filter(
            person_id__in=set(person_ids), status=TimeOffStatus.APPROVED, first_day__lte=last, last_day__gte=first
        )
        .select_related("person")
        .order_by("first_day", "person__name", "id")
    )


def project_team_time_off(project: Project) -> list[TimeOff]:
    """Approved time off of the project's team (its members and the people assigned to its tasks) inside the
    project's window: from its start (else its first task's) to its end (else its last task's finish). Three
    queries; nothing when the project has no dates yet."""
    window = Task.objects.filter(project=project).aggregate(first=Min("start"), last=Max("finish"))
    first_at, last_at = to_local(window["first"]), to_local(window["last"])
    first = project.start_date or (first_at.date() if first_at else None)
    last = project.end_date or (last_at.date() if last_at else None)
    if first is None or last is None or last < first:
        return []
    people = set(ProjectMember.objects.filter(project=project).values_list("person_id", flat=True))
    people |= {
        pk
        for pk in Task.objects.filter(project=project).values_list("assignments__person_id", flat=True)
        if pk is not None
    }
    return list(time_off_of_team(people, first, last))
