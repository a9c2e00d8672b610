"""Writes on a project's plan: links, schedule fields, the WBS (indent, outdent, delete), baselines, and the
reschedule every planning change ends with."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, models, transaction
from django.utils import timezone

from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.text import clean_text
from margin.projects.actions.projects import MAX_BUDGET_MINUTES, TASK_FIELDS, check_scope, check_writable
from margin.projects.models import (
    Baseline,
    BaselineTask,
    Constraint,
    Dependency,
    LinkKind,
    Project,
    Scheduling,
    Task,
    WorkCalendar,
)
from margin.projects.planning import (
    DEFAULT_CALENDAR_NAME,
    DEFAULT_WEEK,
    calendar_of_task,
    calendar_row_of,
    network_of,
    to_aware,
    to_local,
)
from margin.projects.queries import can_manage
from margin.projects.rules import LinkSpec
from margin.scheduling.baselines import baseline_capture, baseline_slot
from margin.scheduling.cpm import Conflict as ScheduleConflict
from margin.scheduling.cpm import Moved
from margin.scheduling.network import DATED_CONSTRAINTS, LAG_PERCENT_MAX, LAG_PERCENT_MIN, ConstraintType

SCHEDULE_FIELDS = [
    "duration_minutes",
    "scheduling",
    "constraint",
    "constraint_date",
    "percent_complete",
    "actual_start",
    "actual_finish",
    "start",
    "parent",
    "position",
]
LINK_FIELDS = ["predecessor", "successor", "kind", "lag_minutes", "lag_percent"]
MAX_LAG_MINUTES = 100 * 365 * 24 * 60


class Rescheduled(list[Moved]):
    """The tasks a change moved (aware datetimes), plus the conflicts the new plan has."""

    def __init__(self, moved: list[Moved], conflicts: tuple[ScheduleConflict, ...] = ()) -> None:
        super().__init__(moved)
        self.conflicts = conflicts


def plan_lock(viewer: Viewer, project: Project) -> Project:
    """Check the viewer may plan the project and lock it: planning changes of one project queue."""
    check_scope(viewer, project)
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may change the plan.")
    locked = Project.objects.select_for_update().get(pk=project.pk)
    check_writable(locked)
    return locked


def default_calendar_ensure(project: Project) -> WorkCalendar:
    """The project's calendar row, creating the organisation default (Mon–Fri 09–13, 14–18) when none exists."""
    row = calendar_row_of(project)
    if row is None:
        row = WorkCalendar.objects.create(
            organisation_id=project.organisation_id, name=DEFAULT_CALENDAR_NAME, week=DEFAULT_WEEK
        )
    return row


def plan_reschedule(project: Project) -> Rescheduled:
    """Run the engine on the stored network and write every task's dates, float and criticality in one bulk
    update. An invalid network (a cycle, a bad constraint) raises and, inside the caller's transaction,
    nothing of the change is kept."""
    default_calendar_ensure(project)
    plan = network_of(project)
    result = plan.schedule()
    moved: list[Moved] = []
    changed: list[Task] = []
    for task in plan.tasks:
        scheduled = result[task.pk]
        start, finish = to_aware(scheduled.start), to_aware(scheduled.finish)
        values = {
            "start": start,
            "finish": finish,
            "planned_start": start.astimezone(start.tzinfo).date(),
            "planned_finish": finish.astimezone(finish.tzinfo).date(),
            "total_float_minutes": scheduled.total_float,
            "critical": scheduled.critical,
            # A summary's % complete is its subtasks' (weighted by work, else duration), as in MS Project;
            # a leaf's is what people entered.
            "percent_complete": (
                int(scheduled.percent_complete.quantize(Decimal(1), rounding=ROUND_HALF_UP))
                if scheduled.summary
                else task.percent_complete
            ),
            # A summary's duration is the working time between its rolled-up start and finish, computed here once
            # and stored, so the Plan list, the Tasks tab, the API and the MS Project export all read the same
            # number; a leaf's is what people entered (the engine's input).
            "duration_minutes": scheduled.duration if scheduled.summary else task.duration_minutes,
        }
        if (task.start, task.finish) != (start, finish):
            moved.append(Moved(task.pk, task.start, task.finish, start, finish))
        if any(getattr(task, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(task, name, value)
            changed.append(task)
    _write_schedule(changed)
    return Rescheduled(moved, tuple(result.conflicts))


SCHEDULE_COLUMNS = (
    "start",
    "finish",
    "planned_start",
    "planned_finish",
    "total_float_minutes",
    "critical",
    "percent_complete",
    "duration_minutes",
)


def _write_schedule(tasks: list[Task]) -> None:
    """Store the computed schedule of many tasks: one prepared UPDATE run for every row (``executemany``), several
    times faster than ``bulk_update``'s CASE expressions on a 2,000-task plan."""
    if not tasks:
        return
    ops = connection.ops
    # Only quoted constant identifiers are formatted in (field names equal their columns); every value is a parameter.
    table, key = ops.quote_name(Task._meta.db_table), ops.quote_name("id")
    assignments = ", ".join(f"{ops.quote_name(column)} = %s" for column in SCHEDULE_COLUMNS)
    sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608
    rows = [
        (
            ops.adapt_datetimefield_value(task.start),
            ops.adapt_datetimefield_value(task.finish),
            ops.adapt_datefield_value(task.planned_start),
            ops.adapt_datefield_value(task.planned_finish),
            task.total_float_minutes,
            task.critical,
            task.percent_complete,
            task.duration_minutes,
            task.pk,
        )
        for task in tasks
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@transaction.atomic
def project_reschedule(*, viewer: Viewer, project: Project) -> Rescheduled:
    """Schedule the project from its stored network; returns the tasks that moved."""
    project = plan_lock(viewer, project)
    moved = plan_reschedule(project)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="project.reschedule",
        obj=project,
        after={"moved": [m.task for m in moved]},
    )
    return moved


def _same_project(project: Project, *tasks: Task) -> None:
    for task in tasks:
        if task.project_id != project.pk:
            raise NotFound("No such task in this project.")


def _check_lag(lag_minutes: int, lag_percent: int | None) -> None:
    if type(lag_minutes) is not int or abs(lag_minutes) > MAX_LAG_MINUTES:
        raise Invalid("The lag must be a whole number of minutes within 100 years.", field="lag_minutes")
    if lag_percent is not None:
        if type(lag_percent) is not int or not LAG_PERCENT_MIN <= lag_percent <= LAG_PERCENT_MAX:
            raise Invalid(
                f"A lag in percent must be between {LAG_PERCENT_MIN} and {LAG_PERCENT_MAX}.", field="lag_percent"
            )
        if lag_minutes:
            raise Invalid("Give the lag either in minutes or in percent, not both.", field="lag_percent")


@transaction.atomic
def dependency_create(
    *,
    viewer: Viewer,
    predecessor: Task,
    successor: Task,
    kind: str = LinkKind.FS,
    lag_minutes: int = 0,
    lag_percent: int | None = None,
) -> tuple[Dependency, Rescheduled]:
    """Link two tasks of one project and reschedule. A link that closes a cycle is refused (422, naming the
    tasks) and nothing is saved."""
    project = plan_lock(viewer, predecessor.project)
    dependency = _link_add(viewer, project, predecessor, successor, LinkSpec(kind, lag_minutes, lag_percent))
    return dependency, plan_reschedule(project)


def _link_add(viewer: Viewer, project: Project, predecessor: Task, successor: Task, link: LinkSpec) -> Dependency:
    """Check and create one link, with its audit row (the caller holds the plan lock and reschedules)."""
    _same_project(project, predecessor, successor)
    if predecessor.pk == successor.pk:
        raise Invalid("A task cannot be linked to itself.", field="successor")
    if link.kind not in LinkKind.values:
        raise Invalid(f"Unknown link type {link.kind!r}; use FS, SS, FF or SF.", field="kind")
    _check_lag(link.lag_minutes, link.lag_percent)
    if Dependency.objects.filter(predecessor=predecessor, successor=successor).exists():
        raise Conflict(f"{predecessor.name} is already linked to {successor.name}.", field="successor")
    dependency = Dependency.objects.create(
        project=project,
        predecessor=predecessor,
        successor=successor,
        kind=link.kind,
        lag_minutes=link.lag_minutes,
        lag_percent=link.lag_percent,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="dependency.create",
        obj=dependency,
        after=audit.snapshot(dependency, LINK_FIELDS),
    )
    return dependency


def _link_remove(viewer: Viewer, dependency: Dependency) -> None:
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="dependency.delete",
        obj=dependency,
        before=audit.snapshot(dependency, LINK_FIELDS),
    )
    dependency.delete()


@transaction.atomic
def dependency_delete(*, viewer: Viewer, dependency: Dependency) -> Rescheduled:
    project = plan_lock(viewer, dependency.project)
    _link_remove(viewer, dependency)
    return plan_reschedule(project)


@transaction.atomic
def task_predecessors_set(*, viewer: Viewer, task: Task, links: Mapping[int, LinkSpec]) -> Rescheduled:
    """Make a task's predecessors exactly ``links`` ({predecessor task id: its link}, e.g. from
    ``margin.projects.rules.parse_predecessors``): the links that went or changed are removed, the new ones
    created (an audit row each), and the plan is rescheduled once. All or nothing: a link that closes a cycle
    or names a task of another project undoes the whole change."""
    project = plan_lock(viewer, task.project)
    _same_project(project, task)
    current = {d.predecessor_id: d for d in Dependency.objects.filter(successor=task)}
    wanted = dict(links)
    predecessors = Task.objects.filter(project=project).in_bulk([pk for pk in wanted if pk not in current])
    for pred_id, dependency in current.items():
        if wanted.get(pred_id) != LinkSpec(dependency.kind, dependency.lag_minutes, dependency.lag_percent):
            _link_remove(viewer, dependency)
    for pred_id, link in wanted.items():
        existing = current.get(pred_id)
        if existing is not None and LinkSpec(existing.kind, existing.lag_minutes, existing.lag_percent) == link:
            continue
        predecessor = existing.predecessor if existing is not None else predecessors.get(pred_id)
        if predecessor is None:
            raise NotFound("No such task in this project.", field="predecessors")
        _link_add(viewer, project, predecessor, task, link)
    return plan_reschedule(project)


def _finish_task_change(
    viewer: Viewer, project: Project, locked: Task, task: Task, *, action: str, before: dict[str, object]
) -> Rescheduled:
    """After a saved change to one task's plan: reschedule, audit it, refresh the caller's copy."""
    moved = plan_reschedule(project)
    # How many other tasks the change moved, when any did: the activity feed says "4 tasks followed".
    followed = sum(1 for m in moved if m.task != locked.pk)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action=action,
        obj=locked,
        before=before,
        after=audit.snapshot(locked, SCHEDULE_FIELDS) | ({"followed": followed} if followed else {}),
    )
    task.refresh_from_db()
    return moved


def _check_moment(value: object, field: str) -> None:
    if value is not None and (not isinstance(value, datetime) or timezone.is_naive(value)):
        raise Invalid("Give a date and time with its time zone.", field=field)


def _duration_to_finish(task: Task, start: datetime | None, finish: object) -> int:
    """Working minutes on the task's calendar from ``start`` to the end of the day ``finish``."""
    if not isinstance(finish, date) or isinstance(finish, datetime):
        raise Invalid("Give the finish as a day (YYYY-MM-DD).", field="finish")
    if start is None:
        raise Invalid("The task has no start yet: schedule the project before giving a finish.", field="finish")
    begin = to_local(start)
    assert begin is not None
    if finish < begin.date():
        raise Invalid(
            f"The finish ({finish.isoformat()}) must not be before the start ({begin.date().isoformat()}).",
            field="finish",
        )
    calendar = calendar_of_task(task)  # a CalendarError (e.g. a year it cannot cover) is Invalid too
    minutes = calendar.working_between(begin, finish) + calendar.working_minutes_on(finish)
    if minutes <= 0:
        raise Invalid(
            f"There is no working time from {begin.date().isoformat()} to {finish.isoformat()} in the calendar.",
            field="finish",
        )
    if minutes > MAX_BUDGET_MINUTES:
        raise Invalid("The duration must be between 0 and 10 million hours.", field="finish")
    return minutes


@transaction.atomic
def task_schedule_update(
    *,
    viewer: Viewer,
    task: Task,
    start: datetime | None = None,
    duration_minutes: int | None = None,
    scheduling: str | None = None,
    constraint: str | None = None,
    constraint_date: datetime | None = None,
    percent_complete: int | None = None,
    finish: date | None = None,
    actual_start: datetime | None = None,
    actual_finish: datetime | None = None,
) -> Rescheduled:
    """Change what the engine schedules a task from, and reschedule.

    ``start`` is a Gantt drag: a manual task is put there; an automatic one gets a "start no earlier than"
    constraint at the new start (as MS Project does), unless a constraint is given as well. ``finish`` is a
    resize: the duration becomes the working minutes, on the project's calendar, from the task's start (the
    ``start`` given, else its scheduled one) to the end of that day. ``actual_start`` / ``actual_finish`` record
    when the work really started and ended (progress: a started task stays at its actual start whatever its links
    say, a finished one is complete); None leaves them as they are."""
    project = plan_lock(viewer, task.project)
    _same_project(project, task)
    locked = Task.objects.select_for_update().get(pk=task.pk)
    before = audit.snapshot(locked, SCHEDULE_FIELDS)
    _check_moment(start, "start")
    _check_moment(constraint_date, "constraint_date")
    _check_moment(actual_start, "actual_start")
    _check_moment(actual_finish, "actual_finish")
    if finish is not None:
        if duration_minutes is not None:
            raise Invalid("Give either a finish or a duration, not both.", field="finish")
        duration_minutes = _duration_to_finish(locked, start or locked.start, finish)
    if duration_minutes is not None:
        if type(duration_minutes) is not int or not 0 <= duration_minutes <= MAX_BUDGET_MINUTES:
            raise Invalid("The duration must be between 0 and 10 million hours.", field="duration_minutes")
        locked.duration_minutes = duration_minutes
    if percent_complete is not None:
        if type(percent_complete) is not int or not 0 <= percent_complete <= 100:
            raise Invalid("The % complete must be between 0 and 100.", field="percent_complete")
        locked.percent_complete = percent_complete
    if scheduling is not None:
        if scheduling not in Scheduling.values:
            raise Invalid(f"Unknown scheduling {scheduling!r}; use auto or manual.", field="scheduling")
        locked.scheduling = scheduling
    if constraint is not None:
        if constraint not in Constraint.values:
            raise Invalid(f"Unknown constraint {constraint!r}.", field="constraint")
        locked.constraint = constraint
        locked.constraint_date = constraint_date
    elif constraint_date is not None:
        locked.constraint_date = constraint_date
    if start is not None:
        if locked.scheduling == Scheduling.MANUAL:
            locked.start = start
        elif constraint is None:
            locked.constraint = Constraint.SNET
            locked.constraint_date = start
    if locked.scheduling == Scheduling.MANUAL and locked.start is None:
        locked.start = start or to_aware(
            datetime.combine(project.start_date or timezone.localdate(), datetime.min.time())
        )
    if actual_start is not None:
        locked.actual_start = actual_start
    if actual_finish is not None:
        locked.actual_finish = actual_finish
    if locked.actual_finish is not None:
        if locked.actual_start is None:
            raise Invalid("A task with an actual finish needs an actual start.", field="actual_start")
        if locked.actual_finish < locked.actual_start:
            raise Invalid("The actual finish must not be before the actual start.", field="actual_finish")
    if ConstraintType(locked.constraint) in DATED_CONSTRAINTS and locked.constraint_date is None:
        raise Invalid(f"The constraint {locked.constraint} needs a date.", field="constraint_date")
    if ConstraintType(locked.constraint) not in DATED_CONSTRAINTS:
        locked.constraint_date = None
    locked.save()
    return _finish_task_change(viewer, project, locked, task, action="task.schedule", before=before)


def _become_summary(task: Task) -> None:
    """A task that gets a child is a summary: its dates roll up, so its own constraint and manual mode go."""
    if task.constraint != Constraint.ASAP or task.scheduling != Scheduling.AUTO:
        task.constraint, task.constraint_date, task.scheduling = Constraint.ASAP, None, Scheduling.AUTO
        task.save(update_fields=["constraint", "constraint_date", "scheduling"])


@transaction.atomic
def task_indent(*, viewer: Viewer, task: Task) -> Rescheduled:
    """Make the task a subtask of the sibling just above it (its last child), and reschedule."""
    project = plan_lock(viewer, task.project)
    _same_project(project, task)
    locked = Task.objects.select_for_update().get(pk=task.pk)
    before = audit.snapshot(locked, SCHEDULE_FIELDS)
    above = (
        Task.objects.filter(project=project, parent_id=locked.parent_id)
        .filter(models.Q(position__lt=locked.position) | models.Q(position=locked.position, id__lt=locked.pk))
        .order_by("-position", "-id")
        .first()
    )
    if above is None:
        raise Invalid(f"{locked.name} has no task above it at its level to be indented under.", field="parent")
    locked.parent = above
    locked.position = Task.objects.filter(parent=above).count()
    locked.save(update_fields=["parent", "position"])
    _become_summary(above)
    return _finish_task_change(viewer, project, locked, task, action="task.indent", before=before)


@transaction.atomic
def task_outdent(*, viewer: Viewer, task: Task) -> Rescheduled:
    """Move the task up one level, just after its former parent, and reschedule."""
    project = plan_lock(viewer, task.project)
    _same_project(project, task)
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if locked.parent_id is None:
        raise Invalid(f"{locked.name} is already at the top level.", field="parent")
    before = audit.snapshot(locked, SCHEDULE_FIELDS)
    parent = Task.objects.get(pk=locked.parent_id)
    Task.objects.filter(project=project, parent_id=parent.parent_id, position__gt=parent.position).update(
        position=models.F("position") + 1
    )
    locked.parent_id = parent.parent_id
    locked.position = parent.position + 1
    locked.save(update_fields=["parent", "position"])
    return _finish_task_change(viewer, project, locked, task, action="task.outdent", before=before)


@transaction.atomic
def task_delete(*, viewer: Viewer, task: Task) -> Rescheduled:
    """Delete a task with its links and assignments, and reschedule. Refused for a summary task (delete or move
    its subtasks first) and for a task with time logged on it (the time would lose its task)."""
    project = plan_lock(viewer, task.project)
    _same_project(project, task)
    locked = Task.objects.select_for_update().get(pk=task.pk)
    children = Task.objects.filter(parent=locked).count()
    if children:
        raise Conflict(
            f"{locked.name} has {children} subtask{'s' if children != 1 else ''}; delete or move them first.",
            field="task",
        )
    if locked.time_entries.exists():
        raise Conflict(f"Time is logged on {locked.name}; a task with time cannot be deleted.", field="task")
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="task.delete",
        obj=locked,
        # With its project: the activity feed still finds (and names) a deleted task.
        before={
            **audit.snapshot(locked, TASK_FIELDS),
            **audit.snapshot(locked, SCHEDULE_FIELDS),
            "project": project.pk,
        },
    )
    locked.delete()
    return plan_reschedule(project)


@transaction.atomic
def baseline_save(
    *,
    viewer: Viewer,
    project: Project,
    index: int | None = None,
    name: str | None = None,
    overwrite: bool = False,
    task_costs: Mapping[int, int] | None = None,
) -> Baseline:
    """Save the current plan as one of the project's 11 baselines (the first free slot unless ``index``).

    ``task_costs``: each task's planned cost (minor units of the project currency); the projects layer cannot
    value work, so callers use ``margin.rates.actions.baseline_save_valued``, which passes them. Without it
    every cost is 0."""
    project = plan_lock(viewer, project)
    used = list(Baseline.objects.filter(project=project).values_list("index", flat=True))
    slot = baseline_slot(used, index, overwrite=overwrite)
    clean_name = clean_text(name, field="name", max_length=200) if name else None
    default_calendar_ensure(project)
    current = network_of(project, task_costs=task_costs).schedule()
    now = timezone.now()
    captured = baseline_capture(current, index=slot, name=clean_name, saved_at=now)
    Baseline.objects.filter(project=project, index=slot).delete()
    baseline = Baseline.objects.create(
        project=project,
        index=slot,
        name=captured.name,
        saved_at=now,
        saved_by_id=viewer.user_id,
        start=to_aware(captured.start),
        finish=to_aware(captured.finish),
        duration_minutes=captured.duration,
        work_minutes=captured.work,
        cost_minor=captured.cost,
    )
    BaselineTask.objects.bulk_create(
        [
            BaselineTask(
                baseline=baseline,
                task_id=t.task,
                start=to_aware(t.start),
                finish=to_aware(t.finish),
                duration_minutes=t.duration,
                work_minutes=t.work,
                cost_minor=t.cost,
                summary=t.summary,
            )
            for t in captured.tasks.values()
        ],
        batch_size=500,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="baseline.save",
        obj=baseline,
        after={"index": slot, "name": baseline.name, "tasks": len(captured.tasks)},
    )
    return baseline
