"""Reads of time: one person's week and its capacity, whose week a viewer may open, what waits for
approval, and access to single entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from margin.accounts.models import Person
from margin.accounts.queries import Viewer, companies_locked_through, person_get
from margin.core.errors import Forbidden, NotFound
from margin.core.periods import week_days
from margin.projects.models import Project, ProjectMember, Task
from margin.resourcing.capacity import capacity_by_day
from margin.timesheets.models import ApprovalDelegate, EntryStatus, TimeEntry, Timer


def time_entries_visible(viewer: Viewer) -> QuerySet[TimeEntry]:
    """Your own entries, every entry of the projects you manage or approve as a delegate, and all of
    your companies' entries for finance and for those who may log time for others.

    Each comes with its billing row (reverse one-to-one), so "is it billed?" costs no query."""
    scope = Q(organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids)
    if not (viewer.sees_all_projects or viewer.can_log_for_others):
        own = Q(person_id=viewer.person_id) if viewer.person_id else Q(pk__in=[])
        managed = Q(project__in=projects_approved_by(viewer)) if viewer.person_id else Q(pk__in=[])
        scope &= own | managed
    return TimeEntry.objects.filter(scope).select_related("billing")


def may_log_for(viewer: Viewer, person: Person) -> bool:
    """Logging, changing, submitting and seeing someone else's time: administrators, and members given the
    permission (Membership.can_log_for_others) for the people of their companies."""
    if person.pk == viewer.person_id:
        return True
    if person.organisation_id != viewer.organisation_id or person.company_id not in viewer.company_ids:
        return False
    return viewer.is_admin or viewer.can_log_for_others


def week_subject_get(viewer: Viewer, person_id: int | None) -> Person | None:
    """Whose week the viewer opens: their own (``person_id`` None or theirs; None when they have no person
    record), or someone they may log time for. NotFound for a person they cannot see, Forbidden without
    the permission. The week grid and the API's week share this rule."""
    if person_id is None or person_id == viewer.person_id:
        return None if viewer.person_id is None else Person.objects.get(pk=viewer.person_id)
    person = person_get(viewer, person_id)
    if not may_log_for(viewer, person):
        raise Forbidden(
            "You may not see or log someone else's week: that needs an administrator or the permission "
            "to log time for others."
        )
    return person


def time_entries_filtered(
    entries: QuerySet[TimeEntry],
    *,
    project_id: int | None = None,
    person_id: int | None = None,
    status: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[TimeEntry]:
    """The list and export filters: each one given narrows ``entries``."""
    if project_id:
        entries = entries.filter(project_id=project_id)
    if person_id:
        entries = entries.filter(person_id=person_id)
    if status:
        entries = entries.filter(status=status)
    if date_from:
        entries = entries.filter(work_date__gte=date_from)
    if date_to:
        entries = entries.filter(work_date__lte=date_to)
    return entries


def time_entry_get(viewer: Viewer, entry_id: int) -> TimeEntry:
    entry = time_entries_visible(viewer).select_related("project", "task", "person").filter(id=entry_id).first()
    if entry is None:
        raise NotFound("No such time entry.")
    return entry


def day_minutes(person_id: int, work_date: date, *, exclude_ids: list[int] | None = None) -> int:
    """Minutes a person has logged on a day, rejected entries not counted."""
    entries = TimeEntry.objects.filter(person_id=person_id, work_date=work_date).exclude(status=EntryStatus.REJECTED)
    if exclude_ids:
        entries = entries.exclude(id__in=exclude_ids)
    return int(entries.aggregate(total=Sum("minutes"))["total"] or 0)


@dataclass
class WeekCell:
    work_date: date
    minutes: int = 0
    status: str = ""
    entry_ids: list[int] = field(default_factory=list)
    note: str = ""
    rejection_reason: str = ""
    closed: bool = False  # on or before the lock date of the row's company: nothing may change

    @property
    def editable(self) -> bool:
        return not self.closed and self.status in ("", EntryStatus.DRAFT, EntryStatus.REJECTED)


@dataclass
class WeekRow:
    project_id: int
    project_code: str
    project_name: str
    task_id: int | None
    task_name: str
    cells: list[WeekCell]
    company_id: int = 0
    notes_required: bool = False

    @property
    def total(self) -> int:
        return sum(c.minutes for c in self.cells)


@dataclass
class Week:
    monday: date
    days: list[date]
    rows: list[WeekRow]

    @property
    def day_totals(self) -> list[int]:
        return [sum(r.cells[i].minutes for r in self.rows) for i in range(7)]

    @property
    def total(self) -> int:
        return sum(self.day_totals)

    @property
    def has_drafts(self) -> bool:
        return any(c.status in (EntryStatus.DRAFT, EntryStatus.REJECTED) for r in self.rows for c in r.cells)


# A cell shows the least advanced state of its entries: one draft makes the cell editable.
_STATE_ORDER = [EntryStatus.REJECTED, EntryStatus.DRAFT, EntryStatus.SUBMITTED, EntryStatus.APPROVED]


def week_of(person_id: int, monday: date, *, extra_task_ids: list[int] | None = None) -> Week:
    """A person's week as a grid of (project, task) rows × 7 days, in one query for the entries."""
    days = week_days(monday)
    entries = (
        TimeEntry.objects.filter(person_id=person_id, work_date__range=(monday, monday + timedelta(days=6)))
        .select_related("project", "task")
        .order_by("project__code", "task__position", "task_id", "work_date", "id")
    )
    rows: dict[tuple[int, int | None], WeekRow] = {}

    def row_for(project: Project, task_id: int | None, task_name: str) -> WeekRow:
        key = (project.pk, task_id)
        if key not in rows:
            rows[key] = WeekRow(
                project.pk,
                project.code,
                project.name,
                task_id,
                task_name,
                [WeekCell(d) for d in days],
                company_id=project.company_id,
                notes_required=project.notes_required,
            )
        return rows[key]

    for entry in entries:
        row = row_for(entry.project, entry.task_id, entry.task.name if entry.task else "—")
        cell = row.cells[(entry.work_date - monday).days]
        cell.minutes += entry.minutes
        cell.entry_ids.append(entry.pk)
        cell.note = cell.note or entry.note
        cell.rejection_reason = cell.rejection_reason or entry.rejection_reason
        if not cell.status or _STATE_ORDER.index(EntryStatus(entry.status)) < _STATE_ORDER.index(
            EntryStatus(cell.status)
        ):
            cell.status = entry.status
    if extra_task_ids:
        for task in Task.objects.filter(id__in=extra_task_ids).select_related("project"):
            row_for(task.project, task.pk, task.name)
    _close_locked_cells(list(rows.values()))
    return Week(monday=monday, days=days, rows=sorted(rows.values(), key=lambda r: (r.project_code, r.task_name)))


def capacity_of(person_id: int, days: list[date]) -> tuple[int, list[int]]:
    """A person's capacity over ``days`` (a week's seven days) and each day's, in minutes: the one rule of
    :func:`margin.resourcing.capacity.capacity_by_day` (employment, own calendar else the shared calendar's
    working days, approved time off). The week grid and the home's "hours this week" use it."""
    per_day = capacity_by_day([person_id], days).get(person_id, [0] * len(days))
    return sum(per_day), per_day


def _close_locked_cells(rows: list[WeekRow]) -> None:
    """Mark the cells on or before the lock date of their row's company (the grid greys them out)."""
    locks = companies_locked_through({row.company_id for row in rows})
    for row in rows:
        through = locks.get(row.company_id)
        if through is not None:
            for cell in row.cells:
                cell.closed = cell.work_date <= through


def tasks_open_to(person_id: int) -> QuerySet[Task]:
    """Leaf tasks of open projects the person belongs to: what they may log time against."""
    member = ProjectMember.objects.filter(project_id=OuterRef("project_id"), person_id=person_id)
    return (
        Task.objects.filter(Exists(member), closed=False, children__isnull=True)
        .exclude(project__status="closed")
        .exclude(project__is_template=True)
        .select_related("project")
        .order_by("project__code", "position", "id")
    )


def delegations_in_force(person_id: int, day: date) -> QuerySet[ApprovalDelegate]:
    """The delegations a person holds on a day (no dates: always)."""
    return ApprovalDelegate.objects.filter(delegate_id=person_id).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def projects_approved_by(viewer: Viewer, *, day: date | None = None) -> QuerySet[Project]:
    """The projects whose time this viewer approves today: all of an administrator's companies; for
    anyone else, the projects they manage and those a delegation in force gives them (for one project,
    or for every project of a manager)."""
    scope = Project.objects.filter(organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids)
    if viewer.is_admin:
        return scope
    if viewer.person_id is None:
        return scope.none()
    delegations = delegations_in_force(viewer.person_id, day or timezone.localdate())
    return scope.filter(
        Q(manager_id=viewer.person_id)
        | Q(id__in=delegations.filter(project__isnull=False).values("project_id"))
        | Q(manager_id__in=delegations.filter(manager__isnull=False).values("manager_id"))
    )


def approves(viewer: Viewer, project: Project) -> bool:
    return projects_approved_by(viewer).filter(pk=project.pk).exists()


def approvals_pending(viewer: Viewer) -> QuerySet[TimeEntry]:
    """Submitted entries waiting for this viewer: of the projects they approve, never their own time."""
    entries = TimeEntry.objects.filter(project__in=projects_approved_by(viewer), status=EntryStatus.SUBMITTED)
    if viewer.person_id is not None:
        entries = entries.exclude(person_id=viewer.person_id)
    return entries.select_related("project", "task", "person", "billing").order_by("person__name", "work_date", "id")


def approval_delegates_visible(viewer: Viewer) -> QuerySet[ApprovalDelegate]:
    """Delegations of the viewer's organisation: all for an administrator; otherwise the ones they
    gave (as manager, or on a project they manage) or hold."""
    rows = ApprovalDelegate.objects.filter(organisation_id=viewer.organisation_id).select_related(
        "project", "manager", "delegate"
    )
    if viewer.is_admin:
        return rows.filter(Q(project__isnull=True) | Q(project__company_id__in=viewer.company_ids))
    if viewer.person_id is None:
        return rows.none()
    me = viewer.person_id
    return rows.filter(Q(manager_id=me) | Q(project__manager_id=me) | Q(delegate_id=me))


def approval_delegate_get(viewer: Viewer, delegate_id: int) -> ApprovalDelegate:
    row = approval_delegates_visible(viewer).filter(id=delegate_id).first()
    if row is None:
        raise NotFound("No such delegation.")
    return row


def minutes_by_task(project_id: int) -> dict[int | None, int]:
    """Logged (not rejected) minutes of one project per task, in one grouped query (None: no task)."""
    rows = (
        TimeEntry.objects.filter(project_id=project_id)
        .exclude(status=EntryStatus.REJECTED)
        .values("task_id")
        .annotate(total=Sum("minutes"))
        .order_by()
    )
    return {r["task_id"]: int(r["total"] or 0) for r in rows}


def timer_current(viewer: Viewer) -> Timer | None:
    """The viewer's running timer, if any (with its project and task)."""
    if viewer.person_id is None:
        return None
    return Timer.objects.filter(person_id=viewer.person_id).select_related("project", "task").first()
