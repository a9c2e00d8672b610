"""The approvals inbox as a read model: submitted time the viewer approves, grouped by person and week,
each group with the person's whole week in context, the filters' choices, and the ids a bulk approval
takes. The screen (`margin.web.views.approvals`) only parses the request and renders these.

Who may decide what is the actions' business (`timesheets.actions.time_entries_approve/reject`); this
module only gathers. A page costs a fixed number of queries whatever the number of waiting entries: the
person-weeks are one grouped query, their week totals another, and only the page's groups are read in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core.periods import week_days, week_start
from margin.projects.models import Project
from margin.projects.queries import projects_visible
from margin.resourcing.capacity import capacity_by_day
from margin.timesheets.models import EntryStatus, TimeEntry
from margin.timesheets.queries import approvals_pending


@dataclass(frozen=True)
class InboxFilter:
    """Which waiting time to show: of a project, of a person, of a week (its Monday), over capacity only."""

    project_id: int | None = None
    person_id: int | None = None
    week: date | None = None
    over: bool = False

    @property
    def active(self) -> bool:
        return bool(self.project_id or self.person_id or self.week or self.over)


def inbox_entries(viewer: Viewer, filters: InboxFilter) -> QuerySet[TimeEntry]:
    """The waiting entries the filters let through (the over-capacity filter aside: it is per group)."""
    entries = approvals_pending(viewer)
    if filters.project_id:
        entries = entries.filter(project_id=filters.project_id)
    if filters.person_id:
        entries = entries.filter(person_id=filters.person_id)
    if filters.week:
        entries = entries.filter(work_date__range=(filters.week, filters.week + timedelta(days=6)))
    return entries


@dataclass
class ContextCell:
    minutes: int = 0  # shown: everything logged in the cell
    counted: int = 0  # totalled: rejected time does not count
    status: str = ""
    decidable: bool = False


_STATE_ORDER = [EntryStatus.REJECTED, EntryStatus.DRAFT, EntryStatus.SUBMITTED, EntryStatus.APPROVED]


@dataclass
class ContextRow:
    """One row of the person's week in context: a project and task, or the projects the viewer cannot see."""

    label: str
    sublabel: str
    cells: list[ContextCell]
    hidden: bool = False

    @property
    def total(self) -> int:
        return sum(c.counted for c in self.cells)

    def add(self, day: int, minutes: int, status: str, decidable: bool) -> None:
        cell = self.cells[day]
        cell.minutes += minutes
        cell.counted += 0 if status == EntryStatus.REJECTED else minutes
        cell.decidable = cell.decidable or decidable
        if not cell.status or _STATE_ORDER.index(EntryStatus(status)) < _STATE_ORDER.index(EntryStatus(cell.status)):
            cell.status = status


@dataclass
class Group:
    """One person's waiting entries of one week (as far as the filters let them through)."""

    person_id: int
    person_name: str
    capacity: int
    monday: date
    count: int
    minutes: int
    billable_minutes: int
    week_minutes: int = 0  # everything the person logged that week (not rejected), all projects
    entries: list[TimeEntry] = field(default_factory=list)
    selectable: int = 0  # entries the viewer may tick
    own_ids: set[int] = field(default_factory=set)  # shown, never decided by the viewer
    context: list[ContextRow] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.person_id}-{self.monday:%Y%m%d}"

    @property
    def total_minutes(self) -> int:
        return self.minutes

    @property
    def over_capacity(self) -> bool:
        return self.week_minutes > self.capacity

    @property
    def days(self) -> list[date]:
        return week_days(self.monday)

    @property
    def day_totals(self) -> list[int]:
        return [sum(r.cells[i].counted for r in self.context) for i in range(7)]

    @property
    def context_total(self) -> int:
        return sum(r.total for r in self.context)


def own_person_id(viewer: Viewer) -> int | None:
    """The person whose time in the inbox the viewer sees but never ticks (their own); None for an
    administrator, whose own time another administrator decides and who may tick everything shown."""
    return None if viewer.is_admin else viewer.person_id


def _person_weeks(groups: Iterable[Group]) -> Q:
    """Entries of the given person-weeks (an OR of one range per group)."""
    conditions = [Q(person_id=g.person_id, work_date__range=(g.monday, g.monday + timedelta(days=6))) for g in groups]
    return reduce(or_, conditions) if conditions else Q(pk__in=[])


def inbox_groups(viewer: Viewer, filters: InboxFilter) -> list[Group]:
    """Every waiting person-week that passes the filters, with its week total (two queries)."""
    rows = (
        inbox_entries(viewer, filters)
        .order_by()
        .annotate(monday=TruncWeek("work_date"))
        .values("person_id", "person__name", "monday")
        .annotate(n=Count("id"), waiting=Sum("minutes"), waiting_billable=Sum("minutes", filter=Q(billable=True)))
        .order_by("monday", "person__name", "person_id")
    )
    groups = [
        Group(
            person_id=r["person_id"],
            person_name=r["person__name"],
            capacity=0,  # below: the one rule, for every person-week at once
            monday=_as_date(r["monday"]),
            count=r["n"],
            minutes=int(r["waiting"] or 0),
            billable_minutes=int(r["waiting_billable"] or 0),
        )
        for r in rows
    ]
    if not groups:
        return groups
    first, last = min(g.monday for g in groups), max(g.monday for g in groups) + timedelta(days=6)
    totals = (
        TimeEntry.objects.filter(person_id__in={g.person_id for g in groups}, work_date__range=(first, last))
        .exclude(status=EntryStatus.REJECTED)
        .annotate(monday=TruncWeek("work_date"))
        .values("person_id", "monday")
        .annotate(total=Sum("minutes"))
        .order_by()
    )
    by_key = {(t["person_id"], _as_date(t["monday"])): int(t["total"] or 0) for t in totals}
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    capacity = capacity_by_day({g.person_id for g in groups}, days)
    for g in groups:
        g.week_minutes = by_key.get((g.person_id, g.monday), 0)
        offset = (g.monday - first).days
        g.capacity = sum(capacity.get(g.person_id, [])[offset : offset + 7])
    if filters.over:
        groups = [g for g in groups if g.over_capacity]
    return groups


def _as_date(value: date) -> date:
    """TruncWeek gives a date (a datetime on some backends): the day."""
    return value.date() if isinstance(value, datetime) else value


def inbox_fill(viewer: Viewer, filters: InboxFilter, groups: Sequence[Group]) -> None:
    """Load the entries and the week in context of the groups shown (four queries for any page)."""
    if not groups:
        return
    where = _person_weeks(groups)
    by_key = {(g.person_id, g.monday): g for g in groups}
    own = own_person_id(viewer)
    entries = (
        inbox_entries(viewer, filters)
        .filter(where)
        .order_by("person__name", "person_id", "work_date", "project__code", "id")
    )
    for entry in entries:
        group = by_key[(entry.person_id, week_start(entry.work_date))]
        group.entries.append(entry)
        if own is not None and entry.person_id == own:
            group.own_ids.add(entry.pk)  # an administrator's own time: another administrator decides it
        else:
            group.selectable += 1
    pending = list(approvals_pending(viewer).filter(where).values_list("id", "project_id"))
    decidable = {pk for pk, _ in pending}
    week_entries = list(
        TimeEntry.objects.filter(where)
        .order_by("project__code", "task__position", "task_id", "work_date", "id")
        .values_list(
            "id",
            "person_id",
            "work_date",
            "project_id",
            "project__code",
            "project__name",
            "task__name",
            "minutes",
            "status",
        )
    )
    # Projects named in the grid: those the viewer can see, and those they approve (a delegate's).
    seen = set(projects_visible(viewer).filter(id__in={r[3] for r in week_entries}).values_list("id", flat=True))
    seen |= {project_id for _, project_id in pending}
    rows: dict[tuple[int, date], dict[tuple[int, str] | None, ContextRow]] = {}
    for pk, person_id, work_date, project_id, code, name, task_name, minutes, status in week_entries:
        monday = week_start(work_date)
        grid = rows.setdefault((person_id, monday), {})
        if project_id in seen:
            key: tuple[int, str] | None = (project_id, task_name or "")
            row = grid.get(key)
            if row is None:
                row = grid[key] = ContextRow(code, f"{name} · {task_name or '—'}", [ContextCell() for _ in range(7)])
        else:
            key = None
            row = grid.get(key)
            if row is None:
                row = grid[key] = ContextRow(
                    "Other projects", "not visible to you", [ContextCell() for _ in range(7)], hidden=True
                )
        mine = pk in decidable and (own is None or person_id != own)
        row.add((work_date - monday).days, minutes, status, mine)
    for (person_id, monday), grid in rows.items():
        shown = by_key.get((person_id, monday))
        if shown is not None:
            shown.context = sorted(grid.values(), key=lambda r: (r.hidden, r.label, r.sublabel))


@dataclass
class Choice:
    value: str
    label: str


def inbox_choices(viewer: Viewer) -> dict[str, list[Choice]]:
    """What the filters offer: the projects, people and weeks that have time waiting (three queries)."""
    pending = approvals_pending(viewer).order_by()
    projects = (
        Project.objects.filter(id__in=pending.values("project_id")).order_by("code").values_list("id", "code", "name")
    )
    people = Person.objects.filter(id__in=pending.values("person_id")).order_by("name").values_list("id", "name")
    weeks = sorted(
        {
            _as_date(m)
            for m in pending.annotate(monday=TruncWeek("work_date")).values_list("monday", flat=True).distinct()
        }
    )
    return {
        "projects": [Choice(str(i), f"{code} {name}") for i, code, name in projects],
        "people": [Choice(str(i), name) for i, name in people],
        "weeks": [Choice(m.isoformat(), f"Week of {m:%a %-d %b %Y}") for m in reversed(weeks)],
    }


def inbox_entry_ids(viewer: Viewer, filters: InboxFilter, *, limit: int) -> list[int]:
    """Every entry the filters match that this viewer may decide (the over-capacity filter included)."""
    groups = inbox_groups(viewer, filters)
    if not groups:
        return []
    keys = {(g.person_id, g.monday) for g in groups}
    rows = inbox_entries(viewer, filters).order_by().values_list("id", "person_id", "work_date")
    own = own_person_id(viewer)
    return [
        pk
        for pk, person_id, work_date in rows
        if (person_id, week_start(work_date)) in keys and (own is None or person_id != own)
    ][:limit]
