"""Reads for planning: database rows → the scheduling engine's network, and back.

Queries level: nothing here writes. ``margin.projects.actions`` runs the engine on :func:`network_of` and stores
the schedule; the Gantt API reads :func:`gantt_of`.

Time zone: the engine works in naive local time. A project's local time is, for now, the site's
``settings.TIME_ZONE`` (every project of an installation shares it); stored datetimes are aware (UTC in the
database) and converted with :func:`to_local` / :func:`to_aware` at this boundary only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from margin.projects.models import (
    Baseline,
    BaselineTask,
    CalendarException,
    Dependency,
    Project,
    Scheduling,
    Task,
    WorkCalendar,
)
from margin.scheduling import network as net
from margin.scheduling.baselines import Baseline as EngineBaseline
from margin.scheduling.baselines import BaselineTask as EngineBaselineTask
from margin.scheduling.baselines import Variance, variance
from margin.scheduling.calendars import DAY_INTERVALS, Calendar, CalendarError, CalendarSpec, Intervals
from margin.scheduling.cpm import Schedule, schedule

DEFAULT_CALENDAR_NAME = "Standard"
# The organisation default: Monday to Friday, 09:00–13:00 and 14:00–18:00.
DEFAULT_WEEK: dict[str, list[list[int]]] = {str(d): [list(i) for i in DAY_INTERVALS] for d in range(5)} | {
    "5": [],
    "6": [],
}


def project_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def to_local(value: datetime | None) -> datetime | None:
    """An aware datetime → the engine's naive local time (minute precision)."""
    if value is None:
        return None
    if timezone.is_naive(value):
        return value.replace(second=0, microsecond=0)
    return value.astimezone(project_zone()).replace(tzinfo=None, second=0, microsecond=0)


def to_aware(value: datetime) -> datetime:
    return value.replace(tzinfo=project_zone())


def finish_day(finish: datetime | None) -> date | None:
    """The local day a task finishes on; a finish at midnight is the end of the day before (work that ends at
    24:00 on a round-the-clock calendar finishes that day, not the next)."""
    local = to_local(finish)
    if local is None:
        return None
    if local.hour == 0 and local.minute == 0:
        return (local - timedelta(minutes=1)).date()
    return local.date()


def deadline_missed(finish: datetime | None, deadline: date | None) -> bool:
    """MS Project's deadline flag: the task finishes (local day) after its deadline. It never moves the plan."""
    if deadline is None:
        return False
    day = finish_day(finish)
    return day is not None and day > deadline


def due_day(*, deadline: date | None, finish: datetime | None, planned_finish: date | None) -> date | None:
    """When a task is due, for board cards and calendar feeds: its deadline when it has one, else the day it is
    scheduled to finish (else its planned finish)."""
    return deadline or finish_day(finish) or planned_finish


def _intervals(raw: object) -> Intervals:
    if not isinstance(raw, list | tuple):
        return ()
    return tuple((int(a), int(b)) for a, b in raw)


def calendar_row_of(project: Project) -> WorkCalendar | None:
    """The project's calendar: its own, else its company's, else the organisation default (None: not created yet)."""
    if project.calendar_id is not None:
        own = WorkCalendar.objects.filter(pk=project.calendar_id).first()
        if own is not None:
            return own
    rows = WorkCalendar.objects.filter(organisation_id=project.organisation_id, person__isnull=True)
    return (
        rows.filter(company_id=project.company_id).order_by("id").first()
        or rows.filter(company__isnull=True).order_by("id").first()
    )


def _spec(row: WorkCalendar, seen: frozenset[int] = frozenset()) -> CalendarSpec:
    parent = _spec(row.parent, seen | {row.pk}) if row.parent is not None and row.parent_id not in seen else None
    exceptions: dict[date, Intervals] = {
        e.date: _intervals(e.intervals) for e in CalendarException.objects.filter(calendar=row)
    }
    week = {int(day): _intervals(intervals) for day, intervals in (row.week or {}).items()} or None
    return CalendarSpec(
        id=f"cal{row.pk}",
        name=row.name,
        parent=parent,
        week=week,
        country=row.country or None,
        subdivision=row.subdivision or None,
        exceptions=exceptions,
    )


def calendar_of(project: Project) -> Calendar:
    row = calendar_row_of(project)
    if row is None:
        spec = CalendarSpec(
            id="standard",
            name=DEFAULT_CALENDAR_NAME,
            week={int(d): _intervals(i) for d, i in DEFAULT_WEEK.items()},
        )
        return Calendar(spec)
    return Calendar(_spec(row))


def project_start_of(project: Project) -> date:
    """Where the plan starts: the project's start date, else the day it was created."""
    if project.start_date is not None:
        return project.start_date
    return timezone.localtime(project.created_at, project_zone()).date()


def person_calendars(organisation_id: int, person_ids: Iterable[int | None]) -> dict[int, Calendar]:
    """The own calendars of these people (person id → compiled calendar); people without one are left out."""
    wanted = {pk for pk in person_ids if pk is not None}
    if not wanted:
        return {}
    rows = WorkCalendar.objects.filter(organisation_id=organisation_id, person_id__in=wanted).select_related("parent")
    return {row.person_id: Calendar(_spec(row)) for row in rows if row.person_id is not None}


@dataclass(frozen=True, slots=True)
class TaskPerson:
    """A person working on a task: one of its person assignments."""

    id: int
    name: str
    units: int


def task_people(task_ids: Iterable[int]) -> dict[int, list[TaskPerson]]:
    """Who works on each task: its person assignments (ADR 0011), the lead first (most units, then name). One
    query; tasks nobody works on are left out. The Tasks table, the task page, the board, the calendar feed, the
    API, costing and the task's calendar all read people through here."""
    wanted = list(task_ids)
    out: dict[int, list[TaskPerson]] = {}
    if not wanted:
        return out
    # Assignments belong to resourcing, above this app: read through the task's relation (ADR 0032).
    rows = (
        Task.objects.filter(id__in=wanted)
        .order_by("id", "-assignments__units", "assignments__person__name", "assignments__person_id")
        .values_list("id", "assignments__person_id", "assignments__person__name", "assignments__units")
    )
    for task_id, person_id, name, units in rows:
        if person_id is not None:
            out.setdefault(task_id, []).append(TaskPerson(person_id, name, units))
    return out


def lead_person(people: dict[int, list[TaskPerson]], task_id: int) -> int | None:
    found = people.get(task_id)
    return found[0].id if found else None


def calendar_of_task(task: Task) -> Calendar:
    """The calendar a (leaf) task is scheduled on: its lead person's own calendar, else the project's."""
    lead = lead_person(task_people([task.pk]), task.pk)
    if lead is not None:
        own = person_calendars(task.project.organisation_id, [lead]).get(lead)
        if own is not None:
            return own
    return calendar_of(task.project)


def _engine_task(task: Task, parents: set[int], cost: int = 0, calendar: str | None = None) -> net.Task:
    manual = task.scheduling == Scheduling.MANUAL and task.pk not in parents
    summary = task.pk in parents
    return net.Task(
        id=task.pk,
        name=task.name,
        calendar=None if summary else calendar,
        duration=task.duration_minutes,
        parent=task.parent_id,
        manual=manual,
        manual_start=to_local(task.start) if manual else None,
        constraint=net.ConstraintType.ASAP if summary else net.ConstraintType(task.constraint),
        constraint_date=None if summary else to_local(task.constraint_date),
        actual_start=to_local(task.actual_start),
        actual_finish=to_local(task.actual_finish),
        percent_complete=task.percent_complete,
        work=task.estimate_minutes,
        cost=cost,
    )


def engine_link(dep: Dependency) -> net.Link:
    return net.Link(
        pred=dep.predecessor_id,
        succ=dep.successor_id,
        kind=net.LinkKind(dep.kind),
        lag=0 if dep.lag_percent is not None else dep.lag_minutes,
        lag_percent=dep.lag_percent,
    )


@dataclass(frozen=True)
class Plan:
    project: Project
    tasks: list[Task]
    network: net.Network

    def schedule(self) -> Schedule:
        return schedule(self.network, project_start_of(self.project))


def network_of(
    project: Project,
    *,
    tasks: list[Task] | None = None,
    calendar: Calendar | None = None,
    task_costs: Mapping[int, int] | None = None,
) -> Plan:
    """The project's network as stored (``tasks``: already loaded rows, e.g. locked or just changed).

    ``task_costs``: each task's planned cost in minor units (``margin.rates.costing.planned_task_costs``; the
    projects layer cannot value work itself). Without it every task costs 0."""
    costs = task_costs or {}
    rows = tasks if tasks is not None else list(Task.objects.filter(project=project).order_by("position", "id"))
    parents = {t.parent_id for t in rows if t.parent_id is not None}
    links = [engine_link(d) for d in Dependency.objects.filter(project=project).order_by("id")]
    # A task done by someone with a calendar of their own (a 4-day week, their country's holidays) is
    # scheduled on that calendar, as MS Project schedules a task on its resource's calendar.
    leaves = [t.pk for t in rows if t.pk not in parents]
    people = task_people(leaves)
    lead = {pk: lead_person(people, pk) for pk in leaves}
    own = person_calendars(project.organisation_id, lead.values())

    def calendar_id(task: Task) -> str | None:
        person = lead.get(task.pk)
        return own[person].id if person in own else None

    network = net.Network(
        tasks=[_engine_task(t, parents, costs.get(t.pk, 0), calendar_id(t)) for t in rows],
        links=links,
        calendar=calendar or calendar_of(project),
        calendars={c.id: c for c in own.values()},
    )
    return Plan(project, rows, network)


def wbs_order(tasks: list[Task]) -> list[tuple[Task, str, int]]:
    """Tasks in outline order (depth first, siblings by position), each with its WBS code and depth."""
    children: dict[int | None, list[Task]] = {}
    for task in tasks:
        children.setdefault(task.parent_id, []).append(task)
    for kids in children.values():
        kids.sort(key=lambda t: (t.position, t.pk))
    out: list[tuple[Task, str, int]] = []
    stack: list[tuple[Task, str, int]] = [
        (t, str(n), 0) for n, t in reversed(list(enumerate(children.get(None, []), 1)))
    ]
    while stack:
        task, code, depth = stack.pop()
        out.append((task, code, depth))
        kids = children.get(task.pk, [])
        stack.extend((k, f"{code}.{n}", depth + 1) for n, k in reversed(list(enumerate(kids, 1))))
    return out


# --- baselines ---------------------------------------------------------------------------------


def baseline_of(project: Project, index: int) -> Baseline | None:
    return Baseline.objects.filter(project=project, index=index).first()


def engine_baseline(baseline: Baseline, calendar_id: str) -> EngineBaseline:
    tasks: dict[net.TaskId, EngineBaselineTask] = {}
    for row in BaselineTask.objects.filter(baseline=baseline).select_related("task"):
        start, finish = to_local(row.start), to_local(row.finish)
        assert start is not None and finish is not None
        tasks[row.task_id] = EngineBaselineTask(
            row.task_id,
            start,
            finish,
            row.duration_minutes,
            row.work_minutes,
            row.cost_minor,
            calendar_id,
            row.task.parent_id,
            row.summary,
        )
    start, finish = to_local(baseline.start), to_local(baseline.finish)
    assert start is not None and finish is not None
    return EngineBaseline(
        index=baseline.index,
        name=baseline.name,
        tasks=tasks,
        start=start,
        finish=finish,
        duration=baseline.duration_minutes,
        work=baseline.work_minutes,
        cost=baseline.cost_minor,
        saved_at=baseline.saved_at,
    )


def baseline_variance(project: Project, baseline: Baseline, task_costs: Mapping[int, int] | None = None) -> Variance:
    """The current plan (scheduled now from the stored network) against a saved baseline.

    ``task_costs``: the current planned cost per task (``margin.rates.costing``); without it the current plan
    costs 0 and the cost variance is minus the baseline's cost."""
    plan = network_of(project, task_costs=task_costs)
    current = plan.schedule()
    return variance(current, engine_baseline(baseline, current.calendar.id))


# --- the Gantt ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GanttTask:
    id: int
    name: str
    parent_id: int | None
    wbs: str
    depth: int
    start: datetime | None
    finish: datetime | None
    duration_minutes: int
    percent_complete: int
    milestone: bool
    summary: bool
    critical: bool
    total_float_minutes: int
    scheduling: str
    constraint: str
    baseline_start: datetime | None
    baseline_finish: datetime | None
    deadline: date | None
    deadline_missed: bool


@dataclass(frozen=True, slots=True)
class GanttLink:
    id: int
    predecessor_id: int
    successor_id: int
    kind: str
    lag_minutes: int
    lag_percent: int | None


@dataclass(frozen=True)
class Gantt:
    project_id: int
    start: date
    finish: datetime | None
    baseline: int | None
    tasks: list[GanttTask]
    links: list[GanttLink]


_GANTT_FIELDS = (
    "id", "name", "parent_id", "position", "start", "finish", "duration_minutes", "percent_complete", "critical",
    "total_float_minutes", "scheduling", "constraint", "deadline",
)  # fmt: skip


def gantt_of(project: Project, baseline_index: int | None = None) -> Gantt:
    """Everything a Gantt chart draws, in three or four queries whatever the size of the project.

    Tasks that were never scheduled (created since the last reschedule) have no dates yet; the chart shows
    them once the plan is rescheduled."""
    rows = list(Task.objects.filter(project=project).values(*_GANTT_FIELDS))
    links = [
        GanttLink(d["id"], d["predecessor_id"], d["successor_id"], d["kind"], d["lag_minutes"], d["lag_percent"])
        for d in Dependency.objects.filter(project=project)
        .order_by("id")
        .values("id", "predecessor_id", "successor_id", "kind", "lag_minutes", "lag_percent")
    ]
    base: dict[int, tuple[datetime, datetime]] = {}
    if baseline_index is not None:
        base = {
            r["task_id"]: (r["start"], r["finish"])
            for r in BaselineTask.objects.filter(baseline__project=project, baseline__index=baseline_index).values(
                "task_id", "start", "finish"
            )
        }
    children: dict[int | None, list[dict[str, object]]] = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)
    for kids in children.values():
        kids.sort(key=lambda r: (r["position"], r["id"]))
    tasks: list[GanttTask] = []
    stack = [(r, str(n), 0) for n, r in reversed(list(enumerate(children.get(None, []), 1)))]
    finish: datetime | None = None
    while stack:
        row, code, depth = stack.pop()
        pk = int(row["id"])  # type: ignore[call-overload]
        kids = children.get(pk, [])
        summary = bool(kids)
        duration = int(row["duration_minutes"])  # type: ignore[call-overload]
        b_start, b_finish = base.get(pk, (None, None))
        task_finish: datetime | None = row["finish"]  # type: ignore[assignment]
        task_deadline: date | None = row["deadline"]  # type: ignore[assignment]
        if task_finish is not None and (finish is None or task_finish > finish):
            finish = task_finish
        tasks.append(
            GanttTask(
                id=pk,
                name=str(row["name"]),
                parent_id=row["parent_id"],  # type: ignore[arg-type]
                wbs=code,
                depth=depth,
                start=row["start"],  # type: ignore[arg-type]
                finish=task_finish,
                duration_minutes=duration,
                percent_complete=int(row["percent_complete"]),  # type: ignore[call-overload]
                milestone=not summary and duration == 0,
                summary=summary,
                critical=bool(row["critical"]),
                total_float_minutes=int(row["total_float_minutes"]),  # type: ignore[call-overload]
                scheduling=str(row["scheduling"]),
                constraint=str(row["constraint"]),
                baseline_start=b_start,
                baseline_finish=b_finish,
                deadline=task_deadline,
                deadline_missed=deadline_missed(task_finish, task_deadline),
            )
        )
        stack.extend((k, f"{code}.{n}", depth + 1) for n, k in reversed(list(enumerate(kids, 1))))
    return Gantt(project.pk, project_start_of(project), finish, baseline_index, tasks, links)


# --- working calendars (reads for the calendar screens) --------------------------------------------


def calendar_for_row(row: WorkCalendar) -> Calendar:
    """The compiled calendar of one row, with everything it inherits from its parents."""
    return Calendar(_spec(row))


def calendars_for_rows(rows: list[WorkCalendar]) -> dict[int, Calendar]:
    """Each row's compiled calendar without its exceptions (enough for its effective week), from one query of
    the organisations' calendars: a list of calendars costs the same few queries however long it is."""
    organisations = {row.organisation_id for row in rows}
    by_id = {c.pk: c for c in WorkCalendar.objects.filter(organisation_id__in=organisations)}

    def spec(row: WorkCalendar, seen: frozenset[int]) -> CalendarSpec:
        parent_row = by_id.get(row.parent_id) if row.parent_id is not None else None
        parent = spec(parent_row, seen | {row.pk}) if parent_row is not None and parent_row.pk not in seen else None
        week = {int(day): _intervals(intervals) for day, intervals in (row.week or {}).items()} or None
        return CalendarSpec(
            id=f"cal{row.pk}",
            name=row.name,
            parent=parent,
            week=week,
            country=row.country or None,
            subdivision=row.subdivision or None,
        )

    return {row.pk: Calendar(spec(row, frozenset())) for row in rows}


def calendar_chain_rows(row: WorkCalendar) -> list[WorkCalendar]:
    """The row, its parent, … up to the root (a loop stops at the first repeat)."""
    out: list[WorkCalendar] = []
    seen: set[int] = set()
    current: WorkCalendar | None = row
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        out.append(current)
        current = current.parent
    return out


def projects_on_calendar(row: WorkCalendar) -> list[Project]:
    """The projects whose plan uses ``row``: their calendar (see :func:`calendar_row_of`) is ``row`` or derives
    from it. Closed projects are left out (their plan is history)."""
    rows = {c.pk: c for c in WorkCalendar.objects.filter(organisation_id=row.organisation_id)}
    by_company: dict[int, WorkCalendar] = {}
    default: WorkCalendar | None = None
    for cal in sorted(rows.values(), key=lambda c: c.pk):
        if cal.person_id is not None:
            continue
        if cal.company_id is None:
            default = default or cal
        else:
            by_company.setdefault(cal.company_id, cal)

    def uses(cal: WorkCalendar | None) -> bool:
        seen: set[int] = set()
        while cal is not None and cal.pk not in seen:
            if cal.pk == row.pk:
                return True
            seen.add(cal.pk)
            cal = rows.get(cal.parent_id) if cal.parent_id is not None else None
        return False

    companies = [company for company, cal in by_company.items() if uses(cal)]
    open_projects = Project.objects.filter(organisation_id=row.organisation_id).exclude(status="closed")
    # A project with a calendar of its own (an MS Project import) plans on it, not on its company's.
    own_calendar = [pk for pk, cal in rows.items() if cal.person_id is None and uses(cal)]
    on_shared = open_projects.filter(calendar__isnull=True)
    if uses(default):
        shared = on_shared.exclude(company_id__in=[c for c, cal in by_company.items() if not uses(cal)])
    else:
        shared = on_shared.filter(company_id__in=companies)
    projects = open_projects.filter(Q(pk__in=shared.values("pk")) | Q(calendar_id__in=own_calendar))
    # Tasks done by someone whose own calendar is (or derives from) this one are scheduled on it too.
    people = [cal.person_id for cal in rows.values() if cal.person_id is not None and uses(cal)]
    if people:
        staffed = open_projects.filter(tasks__assignments__person_id__in=people).values("pk")
        projects = open_projects.filter(Q(pk__in=projects.values("pk")) | Q(pk__in=staffed))
    return list(projects.order_by("id"))


@dataclass(frozen=True)
class CalendarDay:
    """One date of a calendar: its working time and why it does (not) work."""

    day: date
    intervals: Intervals
    minutes: int
    kind: str  # "working", "weekend", "holiday" or "exception"
    reason: str  # the holiday's or exception's name, "Weekend", or "" for an ordinary working day


MAX_CALENDAR_DAYS = 400


def calendar_days(row: WorkCalendar, first: date, last: date) -> list[CalendarDay]:
    """Each date from ``first`` to ``last`` inclusive (at most :data:`MAX_CALENDAR_DAYS`)."""
    if last < first:
        raise CalendarError("The period ends before it starts.", field="to")
    if (last - first).days + 1 > MAX_CALENDAR_DAYS:
        raise CalendarError(f"Ask for at most {MAX_CALENDAR_DAYS} days at a time.", field="to")
    calendar = calendar_for_row(row)
    chain = calendar_chain_rows(row)
    exceptions: list[dict[date, CalendarException]] = [
        {e.date: e for e in CalendarException.objects.filter(calendar=level, date__range=(first, last))}
        for level in chain
    ]
    out: list[CalendarDay] = []
    for i in range((last - first).days + 1):
        day = first + timedelta(days=i)
        intervals = calendar.intervals_on(day)
        minutes = sum(e - s for s, e in intervals)
        holiday = calendar.holiday_name(day)
        exception = next((level[day] for level in exceptions if day in level), None)
        if holiday is not None:
            kind, reason = "holiday", holiday
        elif exception is not None:
            kind, reason = "exception", exception.name or ("Working exception" if minutes else "Non-working exception")
        elif not intervals:
            kind, reason = "weekend", "Weekend" if day.weekday() >= 5 else "Non-working day"
        else:
            kind, reason = "working", ""
        out.append(CalendarDay(day, intervals, minutes, kind, reason))
    return out
