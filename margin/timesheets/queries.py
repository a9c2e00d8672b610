"""Reads of time: one person's week, what waits for approval, and access to single entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from margin.accounts.queries import Viewer
from margin.core.errors import NotFound
from margin.core.periods import week_days
from margin.projects.models import ProjectMember, Task
from margin.projects.queries import projects_visible
from margin.timesheets.models import EntryStatus, TimeEntry


def time_entries_visible(viewer: Viewer) -> QuerySet[TimeEntry]:
    """Your own entries, and every entry of the projects you can see as a manager or finance.

    Each comes with its billing row (reverse one-to-one), so "is it billed?" costs no query."""
    scope = Q(organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids)
    if not viewer.sees_all_projects:
        own = Q(person_id=viewer.person_id) if viewer.person_id else Q(pk__in=[])
        managed = Q(project__manager_id=viewer.person_id) if viewer.person_id else Q(pk__in=[])
        scope &= own | managed
    return TimeEntry.objects.filter(scope).select_related("billing")


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

    @property
    def editable(self) -> bool:
        return self.status in ("", EntryStatus.DRAFT, EntryStatus.REJECTED)


@dataclass
class WeekRow:
    project_id: int
    project_code: str
    project_name: str
    task_id: int | None
    task_name: str
    cells: list[WeekCell]

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

    def row_for(project_id: int, code: str, name: str, task_id: int | None, task_name: str) -> WeekRow:
        key = (project_id, task_id)
        if key not in rows:
            rows[key] = WeekRow(project_id, code, name, task_id, task_name, [WeekCell(d) for d in days])
        return rows[key]

    for entry in entries:
        row = row_for(
            entry.project_id,
            entry.project.code,
            entry.project.name,
            entry.task_id,
            entry.task.name if entry.task else "—",
        )
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
            row_for(task.project_id, task.project.code, task.project.name, task.pk, task.name)
    return Week(monday=monday, days=days, rows=sorted(rows.values(), key=lambda r: (r.project_code, r.task_name)))


def tasks_open_to(person_id: int) -> QuerySet[Task]:
    """Leaf tasks of open projects the person belongs to: what they may log time against."""
    member = ProjectMember.objects.filter(project_id=OuterRef("project_id"), person_id=person_id)
    return (
        Task.objects.filter(Exists(member), closed=False, children__isnull=True)
        .exclude(project__status="closed")
        .select_related("project")
        .order_by("project__code", "position", "id")
    )


def approvals_pending(viewer: Viewer) -> QuerySet[TimeEntry]:
    """Submitted entries of the projects this viewer approves (all of them for an administrator)."""
    projects = projects_visible(viewer)
    if not viewer.is_admin:
        projects = projects.filter(manager_id=viewer.person_id)
    return (
        TimeEntry.objects.filter(project__in=projects, status=EntryStatus.SUBMITTED)
        .select_related("project", "task", "person", "billing")
        .order_by("person__name", "work_date", "id")
    )


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
