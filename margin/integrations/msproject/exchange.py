"""A Margin project ↔ MSPDI: the export reads the stored plan, the import builds it from a file.

The import runs in one transaction: every task, link, assignment and baseline is checked as the actions check it
(permission, names, durations, lags, constraints), inserted in bulk, and the project is rescheduled once at the
end by ``margin.projects.actions.project_reschedule`` (a cycle or an impossible constraint is refused there); the
first refusal undoes everything (all or nothing). One audit row records the import."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from margin.core.money import is_currency, minor_units
from margin.core.text import clean_text
from margin.integrations.msproject import mspdi
from margin.projects import actions
from margin.projects.actions import MAX_BUDGET_MINUTES, MAX_LAG_MINUTES, check_deadline
from margin.projects.models import (
    Baseline,
    BaselineTask,
    CalendarException,
    Constraint,
    Dependency,
    Project,
    Scheduling,
    Task,
    WorkCalendar,
)
from margin.projects.planning import (
    DEFAULT_CALENDAR_NAME,
    DEFAULT_WEEK,
    calendar_of,
    calendar_row_of,
    to_aware,
    to_local,
    wbs_order,
)
from margin.projects.queries import can_manage, members_of
from margin.resourcing.models import Assignment, PoolKind, ResourcePool
from margin.scheduling.baselines import baseline_name
from margin.scheduling.calendars import MINUTES_PER_DAY_CLOCK, Calendar
from margin.scheduling.network import DATED_CONSTRAINTS, LAG_PERCENT_MAX, LAG_PERCENT_MIN, ConstraintType

POOL_UID_OFFSET = 1_000_000  # pools and people share MSPDI's resource UIDs


def _local(value: datetime | None) -> datetime | None:
    return to_local(value)


def _deadline_moment(day: date | None, calendar: Calendar) -> datetime | None:
    """A deadline day as MSPDI's datetime: the end of that day's working time on the project calendar (MS Project
    puts a typed deadline at the default finish time), 23:59 on a day off; a finish that day never misses it."""
    if day is None:
        return None
    intervals = calendar.intervals_on(day)
    end = min(intervals[-1][1], MINUTES_PER_DAY_CLOCK - 1) if intervals else MINUTES_PER_DAY_CLOCK - 1
    return datetime.combine(day, datetime.min.time()) + timedelta(minutes=end)


def _deadline_day(moment: datetime | None) -> date | None:
    """The MSPDI deadline as a day (local time; a deadline at midnight is that day, as MS Project shows it)."""
    if moment is None:
        return None
    day = moment.date()
    check_deadline(day)
    return day


def _calendar_of(project: Project) -> mspdi.MsCalendar:
    row = calendar_row_of(project)
    raw_week = (row.week if row is not None else None) or DEFAULT_WEEK
    week = {int(day): [(int(a), int(b)) for a, b in intervals] for day, intervals in raw_week.items()}
    for day in range(7):
        week.setdefault(day, [])
    exceptions = {}
    if row is not None:
        exceptions = {
            e.date: [(int(a), int(b)) for a, b in (e.intervals or [])]
            for e in CalendarException.objects.filter(calendar=row)
        }
    return mspdi.MsCalendar(row.name if row is not None else DEFAULT_CALENDAR_NAME, week, exceptions)


def project_to_mspdi(project: Project, *, costs: bool) -> mspdi.MsProject:
    """The stored plan of a project (as last scheduled) as MSPDI data; ``costs``: write the baselines' planned
    cost (only for a reader who may see the project's money, `projects.queries.money_visible`)."""
    tasks = list(Task.objects.filter(project=project))
    parents = {t.parent_id for t in tasks if t.parent_id is not None}
    links: dict[int, list[mspdi.MsLink]] = defaultdict(list)
    for dep in Dependency.objects.filter(project=project).order_by("id"):
        links[dep.successor_id].append(
            mspdi.MsLink(
                dep.predecessor_id,
                dep.kind,
                0 if dep.lag_percent is not None else dep.lag_minutes,
                dep.lag_percent,
            )
        )
    baselines: dict[int, list[mspdi.MsBaseline]] = defaultdict(list)
    for row in (
        BaselineTask.objects.filter(task__project=project).select_related("baseline").order_by("baseline__index")
    ):
        start, finish = _local(row.start), _local(row.finish)
        assert start is not None and finish is not None
        baselines[row.task_id].append(
            mspdi.MsBaseline(
                row.baseline.index,
                start,
                finish,
                row.duration_minutes,
                row.work_minutes,
                row.cost_minor if costs else None,
            )
        )
    ms_tasks = []
    calendar = calendar_of(project)
    for task, code, depth in wbs_order(tasks):
        summary = task.pk in parents
        # A leveled task carries its delay as MS Project does (LevelingDelay, the task itself as soon as possible);
        # the "start no earlier than" that holds the delay in Margin's engine is not the planner's constraint.
        leveled = task.leveling_delay_minutes > 0 and task.constraint == Constraint.SNET
        ms_tasks.append(
            mspdi.MsTask(
                uid=task.pk,
                name=task.name,
                outline_level=depth + 1,
                wbs=code,
                duration_minutes=task.duration_minutes,
                start=_local(task.start),
                finish=_local(task.finish),
                work_minutes=task.estimate_minutes,
                summary=summary,
                milestone=not summary and task.duration_minutes == 0,
                manual=task.scheduling == Scheduling.MANUAL and not summary,
                constraint=Constraint.ASAP if leveled else task.constraint,
                constraint_date=None if leveled else _local(task.constraint_date),
                leveling_delay_minutes=task.leveling_delay_minutes if leveled else 0,
                percent_complete=task.percent_complete,
                deadline=_deadline_moment(task.deadline, calendar),
                links=tuple(links.get(task.pk, ())),
                baselines=tuple(baselines.get(task.pk, ())),
            )
        )
    resources = [mspdi.MsResource(person.pk, person.name, person.email or "", 100) for person in members_of(project)]
    assignments: list[mspdi.MsAssignment] = []
    pools: dict[int, mspdi.MsResource] = {}
    for a in Assignment.objects.filter(task__project=project).select_related("pool").order_by("id"):
        if a.pool is not None:
            uid = POOL_UID_OFFSET + a.pool.pk
            pools[uid] = mspdi.MsResource(uid, a.pool.name, "", a.pool.max_units, pool=True)
        else:
            assert a.person_id is not None
            uid = a.person_id
        assignments.append(mspdi.MsAssignment(a.task_id, uid, a.units))
    known = {r.uid for r in resources}
    outside = {a.resource_uid for a in assignments if a.resource_uid not in known and a.resource_uid < POOL_UID_OFFSET}
    resources.extend(  # people assigned to tasks without being members of the project (e.g. from an import)
        mspdi.MsResource(person.pk, person.name, person.email or "", 100)
        for person in Person.objects.filter(pk__in=outside).order_by("name", "id")
    )
    resources.extend(pools.values())
    starts = [t.start for t in ms_tasks if t.start is not None]
    start = (
        min(starts)
        if starts
        else datetime.combine(project.start_date or project.created_at.date(), datetime.min.time())
    )
    ms_calendar = _calendar_of(project)
    per_day, per_week, per_month = _time_units(ms_calendar)
    return mspdi.MsProject(
        name=f"{project.code} {project.name}",
        start=start,
        tasks=ms_tasks,
        calendar=ms_calendar,
        resources=resources,
        assignments=assignments,
        minutes_per_day=per_day,
        minutes_per_week=per_week,
        days_per_month=per_month,
        currency=project.currency,
        currency_digits=minor_units(project.currency),
    )


def _time_units(calendar: mspdi.MsCalendar) -> tuple[int, int, int]:
    """MS Project's MinutesPerDay, MinutesPerWeek and DaysPerMonth of the project calendar's week: the working
    minutes of a week, their mean per working day, and the working days of an average month (52 weeks / 12)."""
    per_week = sum(end - start for intervals in calendar.week.values() for start, end in intervals)
    days = sum(1 for intervals in calendar.week.values() if intervals)
    if not per_week or not days:
        return 480, 2400, 20
    return round(per_week / days), per_week, round(days * 52 / 12)


def project_export_mspdi(project: Project, *, costs: bool) -> bytes:
    return mspdi.write(project_to_mspdi(project, costs=costs))


# --- import ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an import made, and what in the file it could not use (``warnings``, one sentence each)."""

    tasks: int
    links: int
    calendar: str  # the name of the calendar the project is now scheduled on
    calendars: int  # calendars created (0: the project's own or an identical one was kept)
    resources_matched: int  # file resources matched to people of the organisation
    pools: int  # file resources mapped to resource pools
    pools_created: int
    assignments: int
    baselines: int
    warnings: tuple[str, ...] = ()
    start: date | None = None  # the day the plan starts, from the file's StartDate
    currency: str = ""  # the file's currency (CurrencyCode), "" when it names none


MAX_WARNINGS = 50


def _again(error: DomainError, where: str) -> DomainError:
    """A refusal, of the same kind, prefixed with where in the file it happened."""
    for kind in (Invalid, Conflict, Forbidden, NotFound):
        if isinstance(error, kind):
            return kind(f"{where}: {error.message}", field="file")
    return Invalid(f"{where}: {error.message}", field="file")


def _where(task: mspdi.MsTask) -> str:
    return f"task {task.name!r} (UID {task.uid}, line {task.line})"


def _resource_where(resource: mspdi.MsResource) -> str:
    return f"Resource {resource.name!r} (UID {resource.uid}, line {resource.line})"


Week = dict[int, tuple[tuple[int, int], ...]]
Days = dict[date, tuple[tuple[int, int], ...]]


def _week_of(raw: object) -> Week:
    week: Week = dict.fromkeys(range(7), ())
    if isinstance(raw, dict):
        for day, intervals in raw.items():
            week[int(day)] = tuple((int(a), int(b)) for a, b in intervals or [])
    return week


def _same_calendar(row: WorkCalendar | None, week: Week, days: Days) -> bool:
    """Whether a stored calendar (no parent, no public holidays) has exactly this week and these exceptions."""
    if row is None:
        return _week_of(DEFAULT_WEEK) == week and not days
    if row.parent_id is not None or row.country or _week_of(row.week) != week:
        return False
    stored = {e.date: tuple((int(a), int(b)) for a, b in e.intervals or []) for e in row.exceptions.all()}
    return stored == days


def _calendar_import(viewer: Viewer, project: Project, calendar: mspdi.MsCalendar) -> tuple[str, int]:
    """The file's project calendar becomes the project's: kept if the project already works on an identical one,
    an identical calendar of the organisation reused, else a new one created (never the company's or the
    organisation's default changed: other projects use them). Returns its name and the number created."""
    current = calendar_row_of(project)
    if not calendar.week:  # the file names no calendar: the project keeps its own
        return (current.name if current is not None else DEFAULT_CALENDAR_NAME), 0
    week: Week = {day: tuple(calendar.week.get(day, ())) for day in range(7)}
    days: Days = {on: tuple(intervals) for on, intervals in calendar.exceptions.items()}
    if _same_calendar(current, week, days):
        return (current.name if current is not None else DEFAULT_CALENDAR_NAME), 0
    rows = WorkCalendar.objects.filter(
        organisation_id=project.organisation_id, person__isnull=True, parent__isnull=True, country=""
    ).prefetch_related("exceptions")
    reused = next((row for row in rows if _same_calendar(row, week, days)), None)
    created = 0
    if reused is None:
        defaults = WorkCalendar.objects.filter(
            organisation_id=project.organisation_id, company__isnull=True, person__isnull=True
        )
        if not defaults.exists():  # a new company-less calendar must not become the organisation default
            WorkCalendar.objects.create(
                organisation_id=project.organisation_id, name=DEFAULT_CALENDAR_NAME, week=DEFAULT_WEEK
            )
        try:
            name = clean_text(calendar.name, field="name", max_length=200, required=True)
        except DomainError:
            name = f"{project.code} calendar"
        reused = WorkCalendar.objects.create(
            organisation_id=project.organisation_id,
            name=name,
            week={str(day): [list(i) for i in intervals] for day, intervals in week.items()},
        )
        CalendarException.objects.bulk_create(
            [
                CalendarException(calendar=reused, date=on, intervals=[list(i) for i in intervals], name="Imported")
                for on, intervals in sorted(days.items())
            ],
            batch_size=500,
        )
        audit.record(
            organisation_id=viewer.organisation_id,
            actor_id=viewer.user_id,
            action="calendar.import",
            obj=reused,
            after={"name": reused.name, "week": reused.week, "exceptions": len(days)},
        )
        created = 1
    project.calendar = reused
    project.save(update_fields=["calendar"])
    return reused.name, created


def _summaries(parsed: mspdi.MsProject) -> set[int]:
    tasks = parsed.tasks
    return {tasks[i].uid for i in range(len(tasks) - 1) if tasks[i + 1].outline_level > tasks[i].outline_level}


def _task_rows(project: Project, parsed: mspdi.MsProject, summaries: set[int]) -> dict[int, Task]:
    """Every task of the file checked as the actions check them, then inserted in bulk, one outline level at a
    time (a child needs its parent's id)."""
    by_uid: dict[int, Task] = {}
    by_level: dict[int, list[Task]] = defaultdict(list)
    stack: list[tuple[int, Task]] = []  # (outline level, task) of the open ancestors
    positions: dict[int | None, int] = defaultdict(int)
    for ms in parsed.tasks:
        while stack and stack[-1][0] >= ms.outline_level:
            stack.pop()
        if ms.outline_level > (stack[-1][0] if stack else 0) + 1:
            raise Invalid(f"The outline level of {_where(ms)} skips a level.", field="file")
        parent = stack[-1][1] if stack else None
        try:
            name = clean_text(ms.name, field="name", max_length=200, required=True)
            if not 0 <= ms.work_minutes <= MAX_BUDGET_MINUTES:
                raise Invalid("The work must be between 0 and 10 million hours.", field="estimate_minutes")
            if not 0 <= ms.duration_minutes <= MAX_BUDGET_MINUTES:
                raise Invalid("The duration must be between 0 and 10 million hours.", field="duration_minutes")
            deadline = _deadline_day(ms.deadline)
        except DomainError as error:
            raise _again(error, _where(ms)) from None
        task = Task(
            project=project,
            parent=parent,
            position=positions[id(parent) if parent is not None else None],
            name=name,
            estimate_minutes=ms.work_minutes,
            deadline=deadline,
        )
        positions[id(parent) if parent is not None else None] += 1
        if ms.uid not in summaries:  # a summary's dates roll up: no duration, constraint or manual mode of its own
            task.duration_minutes, task.percent_complete = ms.duration_minutes, ms.percent_complete
            if ms.manual and ms.start is not None:
                task.scheduling, task.start = Scheduling.MANUAL, to_aware(ms.start)
            dated = ConstraintType(ms.constraint) in DATED_CONSTRAINTS
            if dated and ms.constraint_date is None:
                raise Invalid(f"{_where(ms)}: the constraint {ms.constraint} needs a <ConstraintDate>.", field="file")
            task.constraint = ms.constraint
            task.constraint_date = to_aware(ms.constraint_date) if dated and ms.constraint_date else None
            if ms.leveling_delay_minutes and not ms.manual and ms.constraint == Constraint.ASAP and ms.start:
                # MS Project's leveling delay, held as Margin's accepted leveling holds it: the delay, and a "start
                # no earlier than" at the leveled start the file gives.
                if ms.leveling_delay_minutes > MAX_LAG_MINUTES:
                    raise Invalid(f"{_where(ms)}: the leveling delay is more than 100 years.", field="file")
                task.leveling_delay_minutes = ms.leveling_delay_minutes
                task.constraint, task.constraint_date = Constraint.SNET, to_aware(ms.start)
        by_uid[ms.uid] = task
        by_level[ms.outline_level].append(task)
        stack.append((ms.outline_level, task))
    for level in sorted(by_level):
        Task.objects.bulk_create(by_level[level], batch_size=500)
    return by_uid


def _link_rows(project: Project, parsed: mspdi.MsProject, by_uid: dict[int, Task]) -> list[Dependency]:
    links: list[Dependency] = []
    seen: set[tuple[int, int]] = set()
    for ms in parsed.tasks:
        for link in ms.links:
            where = f"link from UID {link.predecessor_uid} to {_where(ms)}"
            if link.predecessor_uid == ms.uid:
                raise Invalid(f"{where}: a task cannot be linked to itself.", field="file")
            if (link.predecessor_uid, ms.uid) in seen:
                raise Conflict(f"{where}: the two tasks are linked twice.", field="file")
            seen.add((link.predecessor_uid, ms.uid))
            if abs(link.lag_minutes) > MAX_LAG_MINUTES:
                raise Invalid(f"{where}: the lag is more than 100 years.", field="file")
            if link.lag_percent is not None and not LAG_PERCENT_MIN <= link.lag_percent <= LAG_PERCENT_MAX:
                raise Invalid(
                    f"{where}: a lag in percent must be between {LAG_PERCENT_MIN} and {LAG_PERCENT_MAX}.", field="file"
                )
            links.append(
                Dependency(
                    project=project,
                    predecessor=by_uid[link.predecessor_uid],
                    successor=by_uid[ms.uid],
                    kind=link.kind,
                    lag_minutes=link.lag_minutes,
                    lag_percent=link.lag_percent,
                )
            )
    Dependency.objects.bulk_create(links, batch_size=500)
    return links


@dataclass
class _Resources:
    people: int = 0
    pools: int = 0
    pools_created: int = 0
    assignments: int = 0


def _resources_import(
    project: Project, parsed: mspdi.MsProject, by_uid: dict[int, Task], warnings: list[str]
) -> _Resources:
    """File resources → people of the organisation (by e-mail, then by exact name) or resource pools (by name;
    a generic, material or more-than-100 % resource creates its pool); the assignments of the rest are dropped,
    with a warning for each such resource. No person is ever created."""
    counts = _Resources()
    people = list(Person.objects.filter(organisation_id=project.organisation_id).order_by("-active", "id"))
    by_email: dict[str, Person] = {}
    by_name: dict[str, list[Person]] = defaultdict(list)
    for known in people:
        if known.email:
            by_email.setdefault(known.email.lower(), known)
        by_name[known.name].append(known)
    pools = {p.name: p for p in ResourcePool.objects.filter(organisation_id=project.organisation_id)}
    used = Counter(a.resource_uid for a in parsed.assignments)
    target: dict[int, Person | ResourcePool] = {}
    for res in parsed.resources:
        person = by_email.get(res.email.lower()) if res.email else None
        named = by_name.get(res.name, [])
        if person is None and len(named) == 1:
            person = named[0]
        if person is not None:
            target[res.uid] = person
            counts.people += 1
            continue
        try:
            pool_name = clean_text(res.name, field="name", max_length=200, required=True)
        except DomainError as error:
            raise _again(error, _resource_where(res)) from None
        if pool_name in pools:
            target[res.uid] = _pool_for(project, res, pools[pool_name], pools, counts, warnings)
            counts.pools += 1
            continue
        dropped = f"its {used[res.uid]} assignment(s) were not imported" if used[res.uid] else "it has no assignments"
        if res.kind == "cost":
            warnings.append(f"{_resource_where(res)} is a cost resource, which Margin does not have; {dropped}.")
            continue
        if res.pool or res.kind == "material" or res.max_units > 100:
            pool = ResourcePool.objects.create(
                organisation_id=project.organisation_id,
                name=pool_name,
                kind=PoolKind.EQUIPMENT if res.kind == "material" else PoolKind.ROLE,
                max_units=res.max_units,
            )
            pools[pool.name] = target[res.uid] = pool
            counts.pools += 1
            counts.pools_created += 1
            continue
        if len(named) > 1:
            why = f"{len(named)} people of the organisation are called {res.name!r}"
        else:
            email = f"with the e-mail {res.email!r} or " if res.email else ""
            why = f"no person of the organisation {email}with the name {res.name!r}"
        warnings.append(f"{_resource_where(res)}: {why}; {dropped}.")
    rows: list[Assignment] = []
    seen: set[tuple[int, str, int]] = set()
    for a in parsed.assignments:
        who = target.get(a.resource_uid)
        if who is None:
            continue
        key = (a.task_uid, "pool" if isinstance(who, ResourcePool) else "person", who.pk)
        if key in seen:
            warnings.append(f"Task UID {a.task_uid}: {who.name} is assigned twice; the first assignment was kept.")
            continue
        seen.add(key)
        if isinstance(who, ResourcePool):
            rows.append(Assignment(task=by_uid[a.task_uid], pool=who, units=a.units))
        else:
            rows.append(Assignment(task=by_uid[a.task_uid], person=who, units=a.units))
    Assignment.objects.bulk_create(rows, batch_size=500)
    counts.assignments = len(rows)
    return counts


def _pool_for(
    project: Project,
    res: mspdi.MsResource,
    named: ResourcePool,
    pools: dict[str, ResourcePool],
    counts: _Resources,
    warnings: list[str],
) -> ResourcePool:
    """A file resource with the name of an organisation pool. The file's Max Units are honoured: the pool is used
    when it has the same capacity (it is then shared, and the warning says with how many other projects, whose
    work on it counts when this plan is leveled); when the capacities differ, the plan gets a pool of its own,
    "<name> (<project code>)", with the file's Max Units, and the organisation's pool is left as it was."""
    if named.max_units == res.max_units:
        others = (
            Assignment.objects.filter(pool=named)
            .exclude(task__project=project)
            .values("task__project")
            .distinct()
            .count()
        )
        if others:
            warnings.append(
                f"{_resource_where(res)} uses the organisation's pool {named.name!r} ({named.max_units} %), shared "
                f"with {others} other project(s): their work on it counts when this plan is leveled."
            )
        return named
    own_name = f"{named.name[: 200 - len(project.code) - 3]} ({project.code})"
    own = pools.get(own_name)
    if own is None or own.max_units != res.max_units:
        if own is not None:  # taken with another capacity (an earlier import): say which file resource wins
            raise Invalid(
                f"{_resource_where(res)}: pools {named.name!r} ({named.max_units} %) and {own_name!r} "
                f"({own.max_units} %) both differ from the file's {res.max_units} %; rename the resource.",
                field="file",
            )
        own = ResourcePool.objects.create(
            organisation_id=project.organisation_id,
            name=own_name,
            kind=named.kind,
            role_id=named.role_id,
            max_units=res.max_units,
        )
        pools[own_name] = own
        counts.pools_created += 1
    warnings.append(
        f"{_resource_where(res)}: the organisation's pool {named.name!r} has Max Units {named.max_units} %, the "
        f"file {res.max_units} %; this plan uses a pool of its own, {own_name!r}, with the file's {res.max_units} %."
    )
    return own


def _baselines_import(
    viewer: Viewer, project: Project, parsed: mspdi.MsProject, by_uid: dict[int, Task], summaries: set[int]
) -> int:
    """Each baseline number of the file → a Baseline (replacing the project's of that index) with its task rows.
    The project's totals come from the project summary task's baseline, else are rolled up from the tasks (dates:
    earliest start, latest finish; work and cost: the sum over the non-summary tasks)."""
    numbers = sorted({b.number for t in parsed.tasks for b in t.baselines})
    if not numbers:
        return 0
    project_level = {b.number: b for b in parsed.project_baselines}
    calendar = calendar_of(project)
    now = timezone.now()
    Baseline.objects.filter(project=project, index__in=numbers).delete()
    rows: list[BaselineTask] = []
    for number in numbers:
        of_tasks = [(t, b) for t in parsed.tasks for b in t.baselines if b.number == number]
        total = project_level.get(number)
        if total is None:
            start = min(b.start for _, b in of_tasks)
            finish = max(b.finish for _, b in of_tasks)
            leaves = [b for t, b in of_tasks if t.uid not in summaries]
            total = mspdi.MsBaseline(
                number,
                start,
                finish,
                calendar.working_between(start, finish),
                sum(b.work_minutes for b in leaves),
                sum(b.cost_minor or 0 for b in leaves),
            )
        baseline = Baseline.objects.create(
            project=project,
            index=number,
            name=baseline_name(number),
            saved_at=now,
            saved_by_id=viewer.user_id,
            start=to_aware(total.start),
            finish=to_aware(total.finish),
            duration_minutes=total.duration_minutes,
            work_minutes=total.work_minutes,
            cost_minor=total.cost_minor or 0,
        )
        rows.extend(
            BaselineTask(
                baseline=baseline,
                task=by_uid[t.uid],
                start=to_aware(b.start),
                finish=to_aware(b.finish),
                duration_minutes=b.duration_minutes,
                work_minutes=b.work_minutes,
                cost_minor=b.cost_minor or 0,
                summary=t.uid in summaries,
            )
            for t, b in of_tasks
        )
    BaselineTask.objects.bulk_create(rows, batch_size=500)
    return len(numbers)


def _check_currency(project: Project, parsed: mspdi.MsProject, warnings: list[str]) -> None:
    """A file's costs are in its CurrencyCode; Margin never relabels them. A file in another currency than the
    project's is refused when it carries costs (converting a plan's costs has no one date to take a rate from),
    and imported with a warning when it has none."""
    currency = parsed.currency
    if not currency or currency == project.currency:
        return
    if not is_currency(currency):
        raise Invalid(f"The file's currency {currency!r} is not an ISO 4217 code Margin knows.", field="file")
    costs = [b for t in parsed.tasks for b in t.baselines if b.cost_minor] + [
        b for b in parsed.project_baselines if b.cost_minor
    ]
    if costs:
        raise Invalid(
            f"The file's costs are in {currency} and project {project.code} is in {project.currency}: nothing was "
            f"imported. Set the file's currency to {project.currency} in MS Project (File → Options → Display → "
            f"Currency) and convert its costs, or import it into a {currency} project.",
            field="file",
            code="currency_mismatch",
        )
    warnings.append(f"The file is in {currency}, the project in {project.currency}; the file has no costs to convert.")


def _start_import(viewer: Viewer, project: Project, parsed: mspdi.MsProject) -> date | None:
    """The file's StartDate becomes the project's start date, so the plan starts where the file's does (not on the
    day the project was created)."""
    if not parsed.start_given:
        return None
    start = parsed.start.date()
    if project.start_date != start:
        try:
            actions.project_update(viewer=viewer, project=project, start_date=start)
        except DomainError as error:
            raise _again(error, f"The file's start date {start.isoformat()}") from None
    return start


@transaction.atomic
def project_import_mspdi(*, viewer: Viewer, project: Project, data: bytes) -> ImportResult:
    """Build the plan of an empty project from an MSPDI file: tasks and WBS, links, the project calendar,
    resources (matched to people or pools) and their assignments, and baselines.

    Every row is checked as the actions check it, inserted in bulk, and the project rescheduled once at the end.
    Refused (and nothing kept: one transaction) for a malformed or unsafe file, a project that already has tasks,
    or a plan the engine cannot schedule (a cycle, a bad constraint): the error names the element, line or task."""
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may import a plan.")
    try:
        parsed = mspdi.read(data)
    except mspdi.MspdiError as error:
        raise Invalid(str(error), field="file") from None
    project = Project.objects.select_for_update().get(pk=project.pk)
    if Task.objects.filter(project=project).exists():
        raise Conflict(f"Project {project.code} has tasks already; import into an empty project.", field="file")
    if not parsed.tasks:
        raise Invalid("The file has no tasks.", field="file")
    warnings: list[str] = []
    _check_currency(project, parsed, warnings)
    start = _start_import(viewer, project, parsed)
    summaries = _summaries(parsed)
    calendar_name, calendars = _calendar_import(viewer, project, parsed.calendar)
    by_uid = _task_rows(project, parsed, summaries)
    links = _link_rows(project, parsed, by_uid)
    own = [t for t in parsed.tasks if t.calendar_uid is not None and t.uid not in summaries]
    project_days = (parsed.calendar.week, parsed.calendar.exceptions)
    different = [
        t
        for t in own
        if (cal := parsed.task_calendars.get(t.calendar_uid or -1)) is not None
        and (cal.week, cal.exceptions) != project_days
    ]
    if different:
        names = ", ".join(repr(t.name) for t in different[:5]) + (" …" if len(different) > 5 else "")
        warnings.append(
            f"{len(different)} task(s) have a calendar of their own ({names}); Margin schedules every task on the "
            f"project calendar {calendar_name!r}."
        )
    resources = _resources_import(project, parsed, by_uid, warnings)
    baselines = _baselines_import(viewer, project, parsed, by_uid, summaries)
    actions.project_reschedule(viewer=viewer, project=project)
    if len(warnings) > MAX_WARNINGS:
        warnings[MAX_WARNINGS:] = [f"… and {len(warnings) - MAX_WARNINGS} more warnings."]
    result = ImportResult(
        tasks=len(by_uid),
        links=len(links),
        calendar=calendar_name,
        calendars=calendars,
        resources_matched=resources.people,
        pools=resources.pools,
        pools_created=resources.pools_created,
        assignments=resources.assignments,
        baselines=baselines,
        warnings=tuple(warnings),
        start=start,
        currency=parsed.currency,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="project.import_mspdi",
        obj=project,
        after={k: v for k, v in asdict(result).items() if k not in ("warnings", "start")}
        | {"warnings": len(warnings), "start": start.isoformat() if start else None},
    )
    return result
