"""Reads for resource leveling: a project's plan and assignments → the leveling engine's problem, and back.

Queries level: nothing here writes (``margin.projects.actions`` stores proposals and applies them).

Time: the engine works in integer working minutes on the project calendar, counted from the project's start
(:func:`leveling_input_of` keeps the origin so leveled starts map back to dates).

Resources, in this first version:

- a person assigned to a task is a resource of capacity 100 (one person at 100 %);
- a resource pool is a resource of capacity ``max_units``;
- the same people and pools are also busy on **other projects** of the organisation: each assignment of theirs
  on another project's scheduled, unfinished leaf task (projects neither closed nor templates) that overlaps this
  plan's horizon (from the project start to its current finish plus all of its movable work, the latest a serial
  leveling can finish) is fed to the engine as a fixed activity (``load:<assignment id>``): capacity already used.
  Those are never moved, never stored in a proposal and never counted in its makespan; an over-allocation is
  reported only where one of this project's tasks runs. Other projects' tasks are measured on this project's
  calendar;
- their **bookings on other projects**, hard and soft (``load:booking:<id>:<n>``), and their **approved time
  off** (``load:time_off:<id>:<n>``) over the same window are fixed load too, day by day on this project's
  calendar (a day's working minutes on it), consecutive days of the same load as one activity. A booking's
  units are its percent, or its minutes per day ÷ the person's capacity that day × 100
  (:func:`margin.resourcing.capacity.capacity_by_day`; nothing on a day without capacity); time off is 100 for
  a whole day, its minutes ÷ that day's capacity before it × 100 for part of one. Such load is at most 100 (the
  whole person): an overbooking elsewhere never raises the capacity leveling works with. Placeholders (a role,
  no person) are nobody's load, and a booking on a project whose plan assigns the person is not counted twice
  (that plan's assignments are its demand);
- a single assignment above its resource's capacity (a person at 150 %) cannot be leveled away; the capacity is
  raised to that demand for leveling, and the over-allocation check still reports it.

Which tasks move: automatic leaf tasks that are not started, whose constraint is "as soon as possible",
"start no earlier than" or "finish no earlier than". Manual tasks, started or finished tasks (done work never
moves, nor the rest of a started task) and tasks with another constraint stay where they are (fixed). Each movable
task may start no earlier than its CPM early start (links and constraints included). Every link goes to the
engine between leaf tasks, a summary task's link as one link per leaf under it (as the CPM pass reads it), so a
link into a fixed task is a hard limit on how late the tasks before it may move: leveling never breaks a link.
A task that cannot be leveled without breaking one stays at its early start and the proposal says so, per task
(:func:`leveling_result`); such a proposal is accepted only when the user acknowledges what it cannot keep.

Times are working minutes on the project calendar: a task scheduled on its assignee's own calendar is mapped onto
it through its dates.

A proposal stores the :func:`plan_fingerprint` of the plan it leveled (this project's tasks, links, durations,
constraints, deadlines, progress and assignments, the capacities of its pools, the project start); accepting
refuses when the plan has changed since. Other projects' load is not part of it (a busy organisation would make
every proposal stale): accepting after another project moved keeps this proposal's answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from django.db.models import Q, QuerySet

from margin.accounts.queries import Viewer
from margin.core.errors import NotFound
from margin.core.jobruns import job_run_get
from margin.core.models import JobRunStatus
from margin.projects.models import Constraint, Dependency, Project, ProjectStatus, Scheduling, Task
from margin.projects.planning import Plan, network_of, project_start_of, to_aware, to_local
from margin.projects.queries import projects_visible
from margin.resourcing.capacity import capacity_by_day, days_between
from margin.resourcing.models import (
    Assignment,
    Booking,
    LevelingProposal,
    LevelingStatus,
    ResourcePool,
    TimeOff,
    TimeOffStatus,
)
from margin.resourcing.rules import booked_minutes
from margin.scheduling.calendars import Calendar
from margin.scheduling.cpm import Schedule
from margin.scheduling.leveling import Activity, Demand, LeveledSchedule, LevelingProblem, Precedence, Resource

PERSON_CAPACITY = 100
MOVABLE_CONSTRAINTS = frozenset({Constraint.ASAP, Constraint.SNET, Constraint.FNET})
LOAD_PREFIX = "load:"  # activity ids of other projects' load


def person_resource(person_id: int) -> str:
    return f"person:{person_id}"


def pool_resource(pool_id: int) -> str:
    return f"pool:{pool_id}"


@dataclass(frozen=True)
class LevelingInput:
    """A project's leveling problem with what is needed to read the answer back."""

    plan: Plan
    schedule: Schedule
    calendar: Calendar
    origin: int  # the project's start in working minutes on the project calendar
    problem: LevelingProblem
    names: dict[str, str]  # resource id → "Tom Baker" / "Designers (pool)"
    capacities: dict[str, int]  # the real capacities (before a single oversized demand raised one)
    fingerprint: str = ""  # plan_fingerprint of the plan leveled
    own: frozenset[int] = frozenset()  # this project's activity ids (the rest is other projects' load)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def plan_fingerprint(project: Project, tasks: list[Task] | None = None) -> str:
    """A hash of what leveling reads from this project (tasks, links, durations, constraints, progress,
    assignments, pool capacities, the start): equal means the plan has not changed since."""
    rows = tasks if tasks is not None else list(Task.objects.filter(project=project))
    task_part = sorted(
        [
            t.pk, t.parent_id, t.duration_minutes, t.scheduling, t.constraint, _iso(t.constraint_date),
            _iso(t.start) if t.scheduling == Scheduling.MANUAL else None, _iso(t.actual_start),
            _iso(t.actual_finish), int(t.percent_complete), t.leveling_delay_minutes,
            t.deadline.isoformat() if t.deadline else None,
        ]
        for t in rows
    )  # fmt: skip
    links = sorted(
        json.dumps(list(row))
        for row in Dependency.objects.filter(project=project).values_list(
            "predecessor_id", "successor_id", "kind", "lag_minutes", "lag_percent"
        )
    )
    assignments = sorted(
        json.dumps(list(row))
        for row in Assignment.objects.filter(task__project=project).values_list(
            "task_id", "person_id", "pool_id", "units", "pool__max_units"
        )
    )
    start = project_start_of(project).isoformat()
    text = json.dumps([start, task_part, links, assignments], separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _leaves(plan: Plan) -> list[Task]:
    parents = {t.parent_id for t in plan.tasks if t.parent_id is not None}
    return [t for t in plan.tasks if t.pk not in parents]


def _movable(task: Task) -> bool:
    return (
        task.scheduling == Scheduling.AUTO
        and task.constraint in MOVABLE_CONSTRAINTS
        and task.actual_start is None
        and task.actual_finish is None
        and task.percent_complete == 0
    )


def _working(result: Schedule, calendar: Calendar, task_id: int) -> tuple[int, int, int]:
    """A leaf task's (start, finish, early start) in working minutes on the project calendar."""
    if result.calendar_of(task_id) is calendar:
        w = result.working(task_id)
        return w.start, w.finish, w.early_start
    st = result[task_id]  # on its assignee's calendar: through its dates
    return calendar.to_working(st.start), calendar.to_working(st.finish), calendar.to_working(st.early_start)


def _percent_of(value: int, percent: int) -> int:
    """``percent`` % of ``value``, rounded half up (as the CPM pass rounds a % lag)."""
    return (value * percent * 2 + 100) // 200 if value >= 0 and percent >= 0 else value * percent // 100


def leaf_links(plan: Plan, durations: dict[int, int]) -> list[tuple[Dependency, int, int, int]]:
    """Every link as links between leaf tasks: (link, predecessor leaf, successor leaf, lag in minutes).

    A summary task's link binds every leaf under it, as the CPM pass reads it."""
    children: dict[int, list[int]] = {}
    for t in plan.tasks:
        if t.parent_id is not None:
            children.setdefault(t.parent_id, []).append(t.pk)

    def under(pk: int) -> list[int]:
        kids = children.get(pk)
        return [pk] if not kids else [leaf for kid in kids for leaf in under(kid)]

    out: list[tuple[Dependency, int, int, int]] = []
    for d in Dependency.objects.filter(project=plan.project).order_by("id"):
        for a in under(d.predecessor_id):
            lag = d.lag_minutes if d.lag_percent is None else _percent_of(durations.get(a, 0), d.lag_percent)
            out.extend((d, a, b, lag) for b in under(d.successor_id))
    return out


def links_broken(plan: Plan, result: Schedule) -> dict[tuple[int, int, int], int]:
    """The links a scheduled plan breaks: (link id, predecessor leaf, successor leaf) → working minutes short,
    counted on the successor's calendar. The CPM pass keeps every link into an automatic task that is not
    started; a started or manual task keeps its dates and may break one."""
    durations = {t.pk: result.working(t.pk).finish - result.working(t.pk).start for t in _leaves(plan)}
    out: dict[tuple[int, int, int], int] = {}
    for d, a, b, lag in leaf_links(plan, durations):
        pred, succ = result[a], result[b]
        cal = result.calendar_of(b)
        kind = str(d.kind)
        before = cal.to_working(pred.finish if kind in ("FS", "FF") else pred.start)
        after = cal.to_working(succ.start if kind in ("FS", "SS") else succ.finish)
        if before + lag > after:
            out[(d.pk, a, b)] = before + lag - after
    return out


def leveling_input_of(project: Project) -> LevelingInput:
    """The project's current plan (scheduled now from the stored network) as a leveling problem."""
    plan = network_of(project)
    result = plan.schedule()
    calendar = result.calendar
    origin = calendar.to_working(project_start_of(project))
    leaves = _leaves(plan)
    leaf_ids = {t.pk for t in leaves}
    activities: list[Activity] = []
    durations: dict[int, int] = {}
    for task in leaves:
        w_start, w_finish, w_early = _working(result, calendar, task.pk)
        duration = w_finish - w_start
        durations[task.pk] = duration
        start = w_start - origin
        if _movable(task):
            release = max(0, w_early - origin)
            deadline = None
            if task.deadline is not None:  # the end of that day; only one the unleveled plan meets is leveling's
                end = calendar.to_working(datetime.combine(task.deadline + timedelta(days=1), time())) - origin
                deadline = end if end >= w_finish - origin else None
            priority = 1 if task.critical else 0
            activities.append(Activity(task.pk, duration, release=release, deadline=deadline, priority=priority))
        else:
            activities.append(Activity(task.pk, duration, release=min(0, start), fixed_start=start))
    precedences = [
        Precedence(a, b, d.kind, lag)  # type: ignore[arg-type]
        for d, a, b, lag in leaf_links(plan, durations)
        if a in leaf_ids and b in leaf_ids
    ]
    names: dict[str, str] = {}
    capacities: dict[str, int] = {}
    demands: list[Demand] = []
    rows = Assignment.objects.filter(task__project=project, task_id__in=leaf_ids).select_related("person", "pool")
    for a in rows.order_by("id"):
        if a.person is not None:
            key = person_resource(a.person.pk)
            names[key] = a.person.name
            capacities[key] = PERSON_CAPACITY
        else:
            pool: ResourcePool = a.pool  # type: ignore[assignment]
            key = pool_resource(pool.pk)
            names[key] = f"{pool.name} (pool)"
            capacities[key] = pool.max_units
        if durations.get(a.task_id, 0) > 0:
            demands.append(Demand(a.task_id, key, a.units))
    own = frozenset(int(a.id) for a in activities)
    horizon = max((_working(result, calendar, t.pk)[1] - origin for t in leaves), default=0)
    horizon += sum(a.duration for a in activities if a.fixed_start is None)
    load, load_demands = _other_load(project, calendar, origin, horizon, capacities)
    activities += load
    demands += load_demands
    load, load_demands = _booked_and_away(project, calendar, origin, horizon, capacities)
    activities += load
    demands += load_demands
    largest: dict[str, int] = {}
    for demand in demands:
        largest[str(demand.resource)] = max(largest.get(str(demand.resource), 0), demand.units)
    resources = [Resource(key, max(cap, largest.get(key, 0))) for key, cap in capacities.items()]
    problem = LevelingProblem.build(activities, precedences, resources, demands)
    fingerprint = plan_fingerprint(project, plan.tasks)
    return LevelingInput(plan, result, calendar, origin, problem, names, capacities, fingerprint, own)


def _other_load(
    project: Project, calendar: Calendar, origin: int, horizon: int, capacities: dict[str, int]
) -> tuple[list[Activity], list[Demand]]:
    """Other projects' assignments of this plan's people and pools, as fixed activities (see the module doc)."""
    people = [int(k.removeprefix("person:")) for k in capacities if k.startswith("person:")]
    pools = [int(k.removeprefix("pool:")) for k in capacities if k.startswith("pool:")]
    if not people and not pools:
        return [], []
    begin = to_aware(calendar.from_working(origin, as_finish=False))
    end = to_aware(calendar.from_working(origin + max(horizon, 0), as_finish=True))
    rows = (
        Assignment.objects.filter(Q(person_id__in=people) | Q(pool_id__in=pools))
        .filter(
            task__project__organisation_id=project.organisation_id,
            task__children__isnull=True,
            task__start__isnull=False,
            task__finish__gt=begin,
            task__start__lt=end,
            task__actual_finish__isnull=True,
            task__percent_complete__lt=100,
        )
        .exclude(task__project=project)
        .exclude(task__project__status=ProjectStatus.CLOSED)
        .exclude(task__project__is_template=True)  # a template's plan is a pattern, not booked work
        .values_list("id", "person_id", "pool_id", "units", "task__start", "task__finish")
        .order_by("id")
    )
    activities: list[Activity] = []
    demands: list[Demand] = []
    for pk, person_id, pool_id, units, start, finish in rows:
        local_start, local_finish = to_local(start), to_local(finish)
        assert local_start is not None and local_finish is not None
        first = max(calendar.to_working(local_start), origin) - origin
        last = calendar.to_working(local_finish) - origin
        if last <= first:
            continue
        key = person_resource(person_id) if person_id is not None else pool_resource(pool_id)
        activity_id = f"{LOAD_PREFIX}{pk}"
        activities.append(Activity(activity_id, last - first, release=0, fixed_start=first))
        demands.append(Demand(activity_id, key, units))
    return activities, demands


def _booked_and_away(
    project: Project, calendar: Calendar, origin: int, horizon: int, capacities: dict[str, int]
) -> tuple[list[Activity], list[Demand]]:
    """Bookings on other projects and approved time off of this plan's people, as fixed activities (module doc)."""
    people = [int(k.removeprefix("person:")) for k in capacities if k.startswith("person:")]
    if not people:
        return [], []
    first = calendar.from_working(origin, as_finish=False).date()
    last = calendar.from_working(origin + max(horizon, 0), as_finish=True).date()
    days = days_between(first, last)
    bookings = list(
        Booking.objects.filter(
            person_id__in=people,
            organisation_id=project.organisation_id,
            first_day__lte=last,
            last_day__gte=first,
        )
        .exclude(project=project)
        .exclude(project__status=ProjectStatus.CLOSED)
        .exclude(project__is_template=True)
        .values_list("id", "project_id", "person_id", "first_day", "last_day", "minutes_per_day", "percent")
        .order_by("id")
    )
    away = list(
        TimeOff.objects.filter(
            person_id__in=people, status=TimeOffStatus.APPROVED, first_day__lte=last, last_day__gte=first
        )
        .values_list("id", "person_id", "first_day", "last_day", "minutes_per_day")
        .order_by("id")
    )
    # A project whose plan assigns the person says their demand there already (other projects' load above): its
    # bookings of them are not counted twice.
    planned = set(
        Assignment.objects.filter(person_id__in=people, task__project_id__in={b[1] for b in bookings})
        .values_list("person_id", "task__project_id")
        .distinct()
    )
    bookings = [b for b in bookings if (b[2], b[1]) not in planned]
    if not bookings and not away:
        return [], []
    capacity = capacity_by_day(people, days)
    index = {d: i for i, d in enumerate(days)}
    bounds = [calendar.to_working(datetime.combine(d, time())) for d in [*days, last + timedelta(days=1)]]

    def runs(activity: str, person_id: int, begin: date, end: date, units_on: Callable[[int], int]) -> None:
        """Consecutive days of the same units as one fixed activity each, from this project's start."""
        run: list[int] | None = None  # [from, to, units] in working minutes from the origin
        n = 0

        def close() -> None:
            nonlocal run, n
            if run is not None and run[1] > run[0] and run[2] > 0:
                key = f"{activity}:{n}"
                activities.append(Activity(key, run[1] - run[0], release=0, fixed_start=run[0]))
                demands.append(Demand(key, person_resource(person_id), run[2]))
                n += 1
            run = None

        for day in days_between(max(begin, first), min(end, last)):
            i = index[day]
            start, finish = max(bounds[i], origin) - origin, max(bounds[i + 1], origin) - origin
            if finish <= start:
                continue  # not a working day of this project (or before its start)
            units = min(PERSON_CAPACITY, units_on(i))
            if run is not None and run[1] == start and run[2] == units:
                run[1] = finish
                continue
            close()
            run = [start, finish, units]
        close()

    activities: list[Activity] = []
    demands: list[Demand] = []
    for pk, _project_id, person_id, begin, end, minutes, percent in bookings:
        per_day = capacity[person_id]

        def booked(
            i: int, per_day: list[int] = per_day, minutes: int | None = minutes, pct: int | None = percent
        ) -> int:
            taken = booked_minutes(minutes_per_day=minutes, percent=pct, capacity=per_day[i])
            return pct if pct is not None and taken else (round(100 * taken / per_day[i]) if taken else 0)

        runs(f"{LOAD_PREFIX}booking:{pk}", person_id, begin, end, booked)
    for pk, person_id, begin, end, minutes in away:
        per_day = capacity[person_id]

        def off(i: int, per_day: list[int] = per_day, minutes: int | None = minutes) -> int:
            if minutes is None:
                return PERSON_CAPACITY
            before = per_day[i] + minutes  # the day's capacity before this time off took its minutes
            return round(100 * minutes / before) if before > 0 else 0

        runs(f"{LOAD_PREFIX}time_off:{pk}", person_id, begin, end, off)
    return activities, demands


def _moment(calendar: Calendar, working: int, *, as_finish: bool) -> datetime:
    return to_aware(calendar.from_working(working, as_finish=as_finish))


def leveling_result(data: LevelingInput, leveled: LeveledSchedule) -> dict[str, object]:
    """What a proposal stores: each task's leveled start/finish (ISO, aware) and delay, the makespan, the bound."""
    durations = {a.id: a.duration for a in data.problem.activities}
    tasks: dict[str, dict[str, object]] = {}
    makespan = 0
    for task_id, start in leveled.starts.items():
        if task_id not in data.own:
            continue  # another project's load: fixed, not this plan's
        makespan = max(makespan, start + durations[task_id])
        n = start + data.origin
        duration = durations[task_id]
        begin = _moment(data.calendar, n, as_finish=duration == 0 and start > 0)
        end = _moment(data.calendar, n + duration, as_finish=n + duration > data.origin)
        tasks[str(task_id)] = {
            "start": begin.isoformat(),
            "finish": end.isoformat(),
            "delay_minutes": int(leveled.delays.get(task_id, 0)),
        }
    loaded = len(data.own) < len(data.problem.activities)
    return {
        "tasks": tasks,
        # With other projects' load, the engine's makespan and bound include it: the plan's own finish instead,
        # and a bound no later than it.
        "makespan": makespan if loaded else leveled.makespan,
        "lower_bound": min(leveled.lower_bound, makespan) if loaded else leveled.lower_bound,
        "proven_optimal": leveled.proven_optimal,
        "violations": violations_of(data, leveled),
        "fingerprint": data.fingerprint,
    }


def _days(minutes: int) -> str:
    days = minutes / 480
    return f"{days:g} working day{'' if days == 1 else 's'}" if minutes >= 240 else f"{minutes} working minutes"


def violations_of(data: LevelingInput, leveled: LeveledSchedule) -> list[dict[str, object]]:
    """What the leveled plan does not keep, per task of this project, in the user's words.

    ``kind``: ``link`` (a link the current plan breaks already: leveling leaves it as it is), ``deadline`` (the
    leveled task would finish after its deadline, which the current plan meets) or ``capacity`` (the task
    still runs while someone is over-allocated: it is fixed, or moving it would break a link)."""
    tasks = {t.pk: t for t in data.plan.tasks}
    fixed = {a.id for a in data.problem.activities if a.fixed_start is not None}

    def name(task_id: object) -> str:
        task = tasks.get(task_id)  # type: ignore[call-overload]
        return f"“{task.name}”" if task is not None else "another project's task"

    out: list[dict[str, object]] = []
    for v in leveled.violations:
        if v.activity not in data.own:
            continue
        if v.kind == "link":
            message = (
                f"The link from {name(v.other)} to {name(v.activity)} is broken by {_days(v.amount)} in the "
                "current plan already; leveling leaves it as it is."
            )
        elif v.kind == "deadline":
            task = tasks.get(v.activity)
            when = f" ({task.deadline.isoformat()})" if task is not None and task.deadline is not None else ""
            late = _days(v.amount)
            message = f"{name(v.activity)} would finish {late} after its deadline{when}: leveling found no way round."
        elif v.kind == "capacity":
            resource = data.names.get(str(v.other), "a resource")
            why = (
                "it is started, manual or pinned by a constraint, so leveling does not move it"
                if v.activity in fixed
                else "moving it later would break a link into a started or manual task, so it stays where it is"
            )
            message = f"{name(v.activity)} still over-allocates {resource}: {why}."
        else:
            message = f"{name(v.activity)}: {v.message}"
        entry: dict[str, object] = {"task_id": v.activity, "kind": v.kind, "message": message}
        if v.kind == "link" and v.other in data.own:
            entry["other_task_id"] = v.other
        out.append(entry)
    return out


@dataclass(frozen=True)
class Overallocation:
    resource: str
    name: str
    capacity: int
    start: datetime
    finish: datetime
    demand: int
    task_ids: tuple[int, ...]


def overallocations_of(project: Project) -> list[Overallocation]:
    """Per resource, the periods of the current plan where this project's demand exceeds the capacity."""
    data = leveling_input_of(project)
    starts = {
        a.id: (
            _working(data.schedule, data.calendar, int(a.id))[0] - data.origin
            if a.id in data.own
            else int(a.fixed_start or 0)
        )
        for a in data.problem.activities
    }
    durations = {a.id: a.duration for a in data.problem.activities}
    by_resource: dict[str, list[Demand]] = {}
    for demand in data.problem.demands:
        by_resource.setdefault(str(demand.resource), []).append(demand)
    out: list[Overallocation] = []
    for key, demands in by_resource.items():
        capacity = data.capacities[key]
        points = sorted(
            {starts[d.activity] for d in demands} | {starts[d.activity] + durations[d.activity] for d in demands}
        )
        current: tuple[int, int, set[int]] | None = None  # (from, peak, tasks)
        last_end = 0
        for begin, end in pairwise(points):
            running = [
                d for d in demands if starts[d.activity] <= begin and starts[d.activity] + durations[d.activity] >= end
            ]
            load = sum(d.units for d in running)
            ids = {int(d.activity) for d in running if d.activity in data.own}
            if load > capacity and ids:
                current = (current[0], max(current[1], load), current[2] | ids) if current else (begin, load, ids)
                last_end = end
                continue
            if current is not None:
                out.append(_overallocation(data, key, capacity, current, last_end))
                current = None
        if current is not None:
            out.append(_overallocation(data, key, capacity, current, last_end))
    return out


def _overallocation(
    data: LevelingInput, key: str, capacity: int, current: tuple[int, int, set[int]], end: int
) -> Overallocation:
    begin, peak, ids = current
    return Overallocation(
        resource=key,
        name=data.names[key],
        capacity=capacity,
        start=_moment(data.calendar, begin + data.origin, as_finish=False),
        finish=_moment(data.calendar, end + data.origin, as_finish=True),
        demand=peak,
        task_ids=tuple(sorted(ids)),
    )


# --- access ------------------------------------------------------------------------------------


def leveling_proposal_get(viewer: Viewer, proposal_id: int) -> LevelingProposal:
    """A proposal of a project the viewer may see; NotFound otherwise."""
    proposal = (
        LevelingProposal.objects.filter(pk=proposal_id, project__in=projects_visible(viewer))
        .select_related("project", "job_run")
        .first()
    )
    if proposal is None:
        raise NotFound("No such leveling.")
    if proposal.status == LevelingStatus.RUNNING and proposal.job_run_id is not None:
        # The optimiser's worker may have died: its run is then failed when read, and so is the proposal, so
        # the screen polling it says so instead of "running" for ever.
        run = job_run_get(organisation_id=viewer.organisation_id, job_run_id=proposal.job_run_id)
        if run.status == JobRunStatus.FAILED:
            LevelingProposal.objects.filter(pk=proposal.pk, status=LevelingStatus.RUNNING).update(
                status=LevelingStatus.FAILED, result={"error": run.message}
            )
            proposal.refresh_from_db()
    return proposal


def resource_pools_visible(viewer: Viewer) -> QuerySet[ResourcePool]:
    return ResourcePool.objects.filter(organisation_id=viewer.organisation_id).order_by("name", "id")


def resource_pool_get(viewer: Viewer, pool_id: int) -> ResourcePool:
    pool = resource_pools_visible(viewer).filter(pk=pool_id).first()
    if pool is None:
        raise NotFound("No such resource pool.")
    return pool


def assignments_of(task: Task) -> QuerySet[Assignment]:
    return Assignment.objects.filter(task=task).select_related("person", "pool").order_by("id")
