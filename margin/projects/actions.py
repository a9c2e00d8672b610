"""Writes on projects, their members and their tasks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import holidays as holidays_lib
from django.db import connection, models, transaction
from django.utils import timezone

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from margin.core.money import MAX_ABS_AMOUNT
from margin.core.text import clean_text
from margin.crm.models import Client
from margin.projects.models import (
    Baseline,
    BaselineTask,
    BoardColumn,
    CalendarException,
    Constraint,
    Dependency,
    LinkKind,
    Project,
    ProjectMember,
    ProjectStatus,
    Scheduling,
    Task,
    TaskStatus,
    WorkCalendar,
)
from margin.projects.planning import (
    DEFAULT_CALENDAR_NAME,
    DEFAULT_WEEK,
    calendar_for_row,
    calendar_of_task,
    calendar_row_of,
    network_of,
    person_calendars,
    projects_on_calendar,
    to_aware,
    to_local,
)
from margin.projects.queries import calendar_scope_ok, can_edit_calendar, can_manage, in_scope, is_member
from margin.scheduling.baselines import baseline_capture, baseline_slot
from margin.scheduling.calendars import WEEKDAY_NAMES, CalendarError
from margin.scheduling.cpm import Conflict as ScheduleConflict
from margin.scheduling.cpm import Moved
from margin.scheduling.network import DATED_CONSTRAINTS, LAG_PERCENT_MAX, LAG_PERCENT_MIN, ConstraintType

PROJECT_FIELDS = [
    "code",
    "name",
    "status",
    "manager",
    "start_date",
    "end_date",
    "budget_minutes",
    "budget_amount_minor",
    "notes_required",
]
TASK_FIELDS = ["name", "parent", "planned_start", "planned_finish", "estimate_minutes", "billable", "closed"]
MAX_BUDGET_MINUTES = 10_000_000 * 60  # ten million hours: refuses typos, allows any real project


def _check_scope(viewer: Viewer, project: Project) -> None:
    if not in_scope(viewer, project):
        raise NotFound("No such project.")


def _check_dates(start: date | None, finish: date | None, field: str) -> None:
    if start and finish and finish < start:
        raise Invalid("The finish date is before the start date.", field=field)


def _check_budget(budget_minutes: int, budget_amount_minor: int) -> None:
    if not 0 <= budget_minutes <= MAX_BUDGET_MINUTES:
        raise Invalid("The hours budget must be between 0 and 10 million hours.", field="budget_minutes")
    if not 0 <= budget_amount_minor < int(MAX_ABS_AMOUNT) * 100:
        raise Invalid("The money budget is out of range.", field="budget_amount")


@transaction.atomic
def project_create(
    *,
    viewer: Viewer,
    company: Company,
    client: Client,
    manager: Person,
    code: str,
    name: str,
    budget_minutes: int = 0,
    budget_amount_minor: int = 0,
    start_date: date | None = None,
    end_date: date | None = None,
    status: str = ProjectStatus.ACTIVE,
) -> Project:
    if viewer.role not in ("admin", "manager"):
        raise Forbidden("Only administrators and project managers may create projects.")
    if company.id not in viewer.company_ids or client.organisation_id != viewer.organisation_id:
        raise NotFound("No such company or client.")
    if manager.organisation_id != viewer.organisation_id:
        raise NotFound("No such manager.")
    if status not in ProjectStatus.values:
        raise Invalid(f"Unknown status {status!r}.", field="status")
    code = clean_text(code, field="code", max_length=32, required=True)
    if Project.objects.filter(organisation_id=viewer.organisation_id, code=code).exists():
        raise Conflict(f"A project with code {code!r} exists already.", field="code")
    _check_dates(start_date, end_date, "end_date")
    _check_budget(budget_minutes, budget_amount_minor)
    project = Project.objects.create(
        organisation_id=viewer.organisation_id,
        company=company,
        client=client,
        manager=manager,
        code=code,
        name=clean_text(name, field="name", max_length=200, required=True),
        # A project bills in its company's currency until exchange rates arrive (ADR 0006).
        currency=company.base_currency,
        status=status,
        start_date=start_date,
        end_date=end_date,
        budget_minutes=budget_minutes,
        budget_amount_minor=budget_amount_minor,
    )
    ProjectMember.objects.create(project=project, person=manager)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="project.create",
        obj=project,
        after=audit.snapshot(project, PROJECT_FIELDS),
    )
    return project


@transaction.atomic
def project_update(*, viewer: Viewer, project: Project, **changes: object) -> Project:
    _check_scope(viewer, project)
    # Work on a locked copy: concurrent edits queue, and a refused change leaves the caller's object
    # as it was; on success the caller's object is refreshed and returned.
    given, project = project, Project.objects.select_for_update().get(pk=project.pk)
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may change it.")
    before = audit.snapshot(project, PROJECT_FIELDS)
    for field, value in changes.items():
        if field in ("name", "code"):
            value = clean_text(str(value or ""), field=field, max_length=200 if field == "name" else 32, required=True)
        elif field == "status" and value not in ProjectStatus.values:
            raise Invalid(f"Unknown status {value!r}.", field="status")
        elif field == "notes_required" and not isinstance(value, bool):
            raise Invalid("notes_required is yes or no.", field="notes_required")
        elif field == "manager":
            if not isinstance(value, Person) or value.organisation_id != viewer.organisation_id:
                raise NotFound("No such manager.")
            ProjectMember.objects.get_or_create(project=project, person=value)
        elif field not in PROJECT_FIELDS:
            raise Invalid(f"{field} cannot be changed here.", field=field)
        setattr(project, field, value)
    if "code" in changes and (
        Project.objects.filter(organisation_id=project.organisation_id, code=project.code)
        .exclude(pk=project.pk)
        .exists()
    ):
        raise Conflict(f"A project with code {project.code!r} exists already.", field="code")
    _check_dates(project.start_date, project.end_date, "end_date")
    _check_budget(project.budget_minutes, project.budget_amount_minor)
    project.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="project.update",
        obj=project,
        before=before,
        after=audit.snapshot(project, PROJECT_FIELDS),
    )
    given.refresh_from_db()
    return given


@transaction.atomic
def project_member_add(*, viewer: Viewer, project: Project, person: Person) -> ProjectMember:
    _check_scope(viewer, project)
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may add members.")
    if person.organisation_id != viewer.organisation_id:
        raise NotFound("No such person.")
    if person.company.base_currency != project.currency:
        # Their cost is in another currency than the project's: it cannot be valued until exchange
        # rates exist (ADR 0006).
        raise Invalid(
            f"{person.name} is costed in {person.company.base_currency} and project {project.code} bills in "
            f"{project.currency}; people of another currency cannot join yet.",
            field="person",
        )
    member, created = ProjectMember.objects.get_or_create(project=project, person=person)
    if created:
        audit.record(
            organisation_id=viewer.organisation_id,
            actor_id=viewer.user_id,
            action="project.member_add",
            obj=member,
            after={"project": project.pk, "person": person.pk},
        )
    return member


def _check_parent(project: Project, parent: Task | None, task: Task | None = None) -> None:
    if parent is None:
        return
    if parent.project_id != project.pk:
        raise NotFound("No such parent task in this project.")
    ancestor: Task | None = parent
    while ancestor is not None:
        if task is not None and ancestor.pk == task.pk:
            raise Invalid("A task cannot be placed under itself or one of its subtasks.", field="parent")
        ancestor = ancestor.parent


def _check_estimate(minutes: int) -> None:
    if not 0 <= minutes <= MAX_BUDGET_MINUTES:
        raise Invalid("The estimate must be between 0 and 10 million hours.", field="estimate_minutes")


@transaction.atomic
def task_create(
    *,
    viewer: Viewer,
    project: Project,
    name: str,
    parent: Task | None = None,
    planned_start: date | None = None,
    planned_finish: date | None = None,
    estimate_minutes: int = 0,
    billable: bool = True,
) -> Task:
    _check_scope(viewer, project)
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may add tasks.")
    _check_parent(project, parent)
    _check_dates(planned_start, planned_finish, "planned_finish")
    _check_estimate(estimate_minutes)
    siblings = Task.objects.filter(project=project, parent=parent)
    task = Task.objects.create(
        project=project,
        parent=parent,
        position=siblings.count(),
        name=clean_text(name, field="name", max_length=200, required=True),
        planned_start=planned_start,
        planned_finish=planned_finish,
        estimate_minutes=estimate_minutes,
        billable=billable,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="task.create",
        obj=task,
        after=audit.snapshot(task, TASK_FIELDS),
    )
    return task


@transaction.atomic
def task_update(*, viewer: Viewer, task: Task, **changes: object) -> Task:
    _check_scope(viewer, task.project)
    # A locked copy, as in project_update.
    given, task = task, Task.objects.select_for_update(of=("self",)).select_related("project").get(pk=task.pk)
    project = task.project
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may change tasks.")
    before = audit.snapshot(task, TASK_FIELDS)
    for field, value in changes.items():
        if field not in TASK_FIELDS:
            raise Invalid(f"{field} cannot be changed here.", field=field)
        if field == "name":
            value = clean_text(str(value or ""), field="name", max_length=200, required=True)
        if field == "parent":
            _check_parent(project, value if isinstance(value, Task) else None, task)
        setattr(task, field, value)
    _check_dates(task.planned_start, task.planned_finish, "planned_finish")
    _check_estimate(task.estimate_minutes)
    task.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="task.update",
        obj=task,
        before=before,
        after=audit.snapshot(task, TASK_FIELDS),
    )
    given.refresh_from_db()
    return given


# --- planning: links, schedule fields, WBS, baselines ------------------------------------------
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


def _plan_lock(viewer: Viewer, project: Project) -> Project:
    """Check the viewer may plan the project and lock it: planning changes of one project queue."""
    _check_scope(viewer, project)
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may change the plan.")
    return Project.objects.select_for_update().get(pk=project.pk)


def default_calendar_ensure(project: Project) -> WorkCalendar:
    """The project's calendar row, creating the organisation default (Mon–Fri 09–13, 14–18) when none exists."""
    row = calendar_row_of(project)
    if row is None:
        row = WorkCalendar.objects.create(
            organisation_id=project.organisation_id, name=DEFAULT_CALENDAR_NAME, week=DEFAULT_WEEK
        )
    return row


def _reschedule(project: Project) -> Rescheduled:
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
            task.pk,
        )
        for task in tasks
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@transaction.atomic
def project_reschedule(*, viewer: Viewer, project: Project) -> Rescheduled:
    """Schedule the project from its stored network; returns the tasks that moved."""
    project = _plan_lock(viewer, project)
    moved = _reschedule(project)
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
    project = _plan_lock(viewer, predecessor.project)
    _same_project(project, predecessor, successor)
    if predecessor.pk == successor.pk:
        raise Invalid("A task cannot be linked to itself.", field="successor")
    if kind not in LinkKind.values:
        raise Invalid(f"Unknown link type {kind!r}; use FS, SS, FF or SF.", field="kind")
    _check_lag(lag_minutes, lag_percent)
    if Dependency.objects.filter(predecessor=predecessor, successor=successor).exists():
        raise Conflict(f"{predecessor.name} is already linked to {successor.name}.", field="successor")
    dependency = Dependency.objects.create(
        project=project,
        predecessor=predecessor,
        successor=successor,
        kind=kind,
        lag_minutes=lag_minutes,
        lag_percent=lag_percent,
    )
    moved = _reschedule(project)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="dependency.create",
        obj=dependency,
        after=audit.snapshot(dependency, LINK_FIELDS),
    )
    return dependency, moved


@transaction.atomic
def dependency_delete(*, viewer: Viewer, dependency: Dependency) -> Rescheduled:
    project = _plan_lock(viewer, dependency.project)
    before = audit.snapshot(dependency, LINK_FIELDS)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="dependency.delete",
        obj=dependency,
        before=before,
    )
    dependency.delete()
    return _reschedule(project)


def _finish_task_change(
    viewer: Viewer, project: Project, locked: Task, task: Task, *, action: str, before: dict[str, object]
) -> Rescheduled:
    """After a saved change to one task's plan: reschedule, audit it, refresh the caller's copy."""
    moved = _reschedule(project)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action=action,
        obj=locked,
        before=before,
        after=audit.snapshot(locked, SCHEDULE_FIELDS),
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
) -> Rescheduled:
    """Change what the engine schedules a task from, and reschedule.

    ``start`` is a Gantt drag: a manual task is put there; an automatic one gets a "start no earlier than"
    constraint at the new start (as MS Project does), unless a constraint is given as well. ``finish`` is a
    resize: the duration becomes the working minutes, on the project's calendar, from the task's start (the
    ``start`` given, else its scheduled one) to the end of that day."""
    project = _plan_lock(viewer, task.project)
    _same_project(project, task)
    locked = Task.objects.select_for_update().get(pk=task.pk)
    before = audit.snapshot(locked, SCHEDULE_FIELDS)
    _check_moment(start, "start")
    _check_moment(constraint_date, "constraint_date")
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
    project = _plan_lock(viewer, task.project)
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
    project = _plan_lock(viewer, task.project)
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
    project = _plan_lock(viewer, task.project)
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
        before={**audit.snapshot(locked, TASK_FIELDS), **audit.snapshot(locked, SCHEDULE_FIELDS)},
    )
    locked.delete()
    return _reschedule(project)


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
    project = _plan_lock(viewer, project)
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


# --- the Kanban board: columns and card moves --------------------------------------------------
BOARD_DEFAULTS = [
    (TaskStatus.TODO, "To do"),
    (TaskStatus.IN_PROGRESS, "In progress"),
    (TaskStatus.REVIEW, "In review"),
    (TaskStatus.DONE, "Done"),
]
BOARD_COLUMN_FIELDS = ["name", "status", "position", "wip_limit"]
BOARD_MOVE_FIELDS = ["status", "board_position", "assignee", "percent_complete"]
MAX_WIP_LIMIT = 999
_UNCHANGED: Any = object()


@transaction.atomic
def board_columns_ensure(*, viewer: Viewer, project: Project) -> list[BoardColumn]:
    """The project's board columns, creating the default four (one per task status) on the board's first view.

    Anyone who may see the project may open its board, so anyone who sees it may cause the defaults to exist."""
    _check_scope(viewer, project)
    columns = list(BoardColumn.objects.filter(project=project).order_by("position", "id"))
    if columns:
        return columns
    Project.objects.select_for_update().filter(pk=project.pk).first()  # two first views queue here
    existing = {c.status for c in BoardColumn.objects.filter(project=project)}
    for index, (status, name) in enumerate(BOARD_DEFAULTS):
        if status in existing:
            continue
        column = BoardColumn.objects.create(project=project, name=name, status=status, position=index)
        audit.record(
            organisation_id=viewer.organisation_id,
            actor_id=viewer.user_id,
            action="board_column.create",
            obj=column,
            after=audit.snapshot(column, BOARD_COLUMN_FIELDS),
        )
    return list(BoardColumn.objects.filter(project=project).order_by("position", "id"))


@transaction.atomic
def board_column_update(
    *,
    viewer: Viewer,
    column: BoardColumn,
    name: str | None = None,
    wip_limit: int | Any | None = _UNCHANGED,
    position: int | None = None,
) -> BoardColumn:
    """Rename a column, set or clear its WIP limit (None: no limit), or move it to another place on the board."""
    project = _plan_lock(viewer, column.project)
    locked = BoardColumn.objects.select_for_update().get(pk=column.pk, project=project)
    before = audit.snapshot(locked, BOARD_COLUMN_FIELDS)
    if name is not None:
        locked.name = clean_text(name, field="name", max_length=100, required=True)
    if wip_limit is not _UNCHANGED:
        if wip_limit is not None and (type(wip_limit) is not int or not 1 <= wip_limit <= MAX_WIP_LIMIT):
            raise Invalid(f"The WIP limit must be between 1 and {MAX_WIP_LIMIT}, or empty for none.", field="wip_limit")
        locked.wip_limit = wip_limit
    locked.save()
    if position is not None:
        if type(position) is not int or position < 0:
            raise Invalid("The position must be 0 or more.", field="position")
        others = list(BoardColumn.objects.filter(project=project).exclude(pk=locked.pk).order_by("position", "id"))
        others.insert(min(position, len(others)), locked)
        for index, each in enumerate(others):
            each.position = index
        BoardColumn.objects.bulk_update(others, ["position"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="board_column.update",
        obj=locked,
        before=before,
        after=audit.snapshot(locked, BOARD_COLUMN_FIELDS),
    )
    column.refresh_from_db()
    return column


class BoardMove:
    """What a card move did: the statuses whose columns changed, and a warning when a WIP limit is now exceeded."""

    def __init__(self, task: Task, statuses: tuple[str, ...], warning: str = "") -> None:
        self.task = task
        self.statuses = statuses
        self.warning = warning


def _check_board_access(viewer: Viewer, project: Project) -> None:
    _check_scope(viewer, project)
    if not (can_manage(viewer, project) or (viewer.person_id is not None and is_member(project, viewer.person_id))):
        raise Forbidden("Only the project's members may move its cards.")


@transaction.atomic
def task_board_move(
    *,
    viewer: Viewer,
    task: Task,
    status: str,
    position: int,
    assignee: Person | Any | None = _UNCHANGED,
) -> BoardMove:
    """Move a card: put the (leaf) task at ``position`` of the ``status`` column, renumber that column's cards,
    optionally hand the task to another project member (a move across assignee swimlanes). Moving to Done sets
    the task 100 % complete. Going over the column's WIP limit is allowed; the answer carries a warning."""
    _check_board_access(viewer, task.project)
    project = Project.objects.select_for_update().get(pk=task.project_id)
    locked = Task.objects.select_for_update().get(pk=task.pk, project=project)
    if status not in TaskStatus.values:
        raise Invalid(f"Unknown status {status!r}; use one of {', '.join(TaskStatus.values)}.", field="status")
    if type(position) is not int or position < 0:
        raise Invalid("The position must be 0 or more.", field="position")
    if Task.objects.filter(parent=locked).exists():
        raise Invalid("A summary task is not a card; move its subtasks.", field="task")
    before = audit.snapshot(locked, BOARD_MOVE_FIELDS)
    old_assignee = locked.assignee_id
    if assignee is not _UNCHANGED:
        if assignee is not None and (
            not isinstance(assignee, Person)
            or assignee.organisation_id != project.organisation_id
            or not is_member(project, assignee.pk)
        ):
            raise Invalid("The assignee must be a member of the project.", field="assignee_id")
        locked.assignee = assignee
    old_status = locked.status
    locked.status = status
    if status == TaskStatus.DONE:
        locked.percent_complete = 100
    cards = list(
        Task.objects.filter(project=project, status=status)
        .filter(~models.Exists(Task.objects.filter(parent=models.OuterRef("pk"))))
        .exclude(pk=locked.pk)
        .order_by("board_position", "id")
        .select_for_update()
    )
    cards.insert(min(position, len(cards)), locked)
    for index, card in enumerate(cards):
        card.board_position = index
    locked.save()
    Task.objects.bulk_update([c for c in cards if c.pk != locked.pk], ["board_position"])
    if old_status != status:
        rest = list(
            Task.objects.filter(project=project, status=old_status)
            .filter(~models.Exists(Task.objects.filter(parent=models.OuterRef("pk"))))
            .order_by("board_position", "id")
        )
        for index, card in enumerate(rest):
            card.board_position = index
        Task.objects.bulk_update(rest, ["board_position"])
    if locked.assignee_id != old_assignee:
        own = person_calendars(project.organisation_id, [old_assignee, locked.assignee_id])
        was = own.get(old_assignee) if old_assignee is not None else None
        if was is not (own.get(locked.assignee_id) if locked.assignee_id is not None else None):
            _reschedule(project)  # the task now runs on another calendar (its assignee's own, planning.network_of)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="task.board_move",
        obj=locked,
        before=before,
        after=audit.snapshot(locked, BOARD_MOVE_FIELDS),
    )
    warning = ""
    column = BoardColumn.objects.filter(project=project, status=status).first()
    if column is not None and column.wip_limit is not None and len(cards) > column.wip_limit:
        warning = f"{column.name} now holds {len(cards)} cards, over its WIP limit of {column.wip_limit}."
    task.refresh_from_db()
    statuses = (old_status, status) if old_status != status else (status,)
    return BoardMove(task, statuses, warning)


# --- working calendars ------------------------------------------------------------------------------
# Organisation default (no company, no person), a company's, a person's. Administrators edit them (see
# queries.can_edit_calendar). After a change, every open project whose plan uses the calendar (its own or an
# ancestor, planning.projects_on_calendar) is rescheduled in the same transaction: a calendar change is rare and
# a plan is rescheduled in milliseconds, so there is no deferred queue. A project whose network cannot be
# scheduled any more keeps its dates and is reported in ``CalendarSaved.skipped`` (its own savepoint).

CALENDAR_FIELDS = ["name", "company", "person", "parent", "week", "country", "subdivision"]
EXCEPTION_FIELDS = ["date", "intervals", "name"]
MAX_EXCEPTION_DAYS = 366
WeekInput = Mapping[Any, str | Sequence[Sequence[int]] | None]
IntervalsInput = str | Sequence[Sequence[int]] | None


@dataclass(frozen=True)
class CalendarSaved:
    """A calendar after a change, with the codes of the projects rescheduled (and any that could not be)."""

    calendar: WorkCalendar
    rescheduled: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()


def _clock(text: str, where: str, field: str) -> int:
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2 or len(hours) > 2:
        raise Invalid(f"{where}: {text.strip()!r} is not a time like 09:00.", field=field)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 24 * 60:
        raise Invalid(f"{where}: {text.strip()!r} is not a time between 00:00 and 24:00.", field=field)
    return value


def parse_intervals(raw: IntervalsInput, *, where: str, field: str) -> list[list[int]]:
    """Working intervals from text ("09:00-12:00, 13:00-17:00"; empty: no working time) or ``[[start, end], …]``
    minutes: well-formed, within 00:00–24:00, ascending and not overlapping."""
    pairs: list[tuple[int, int]] = []
    if raw is None:
        return []
    if isinstance(raw, str):
        for part in raw.replace(";", ",").split(","):
            if not part.strip():
                continue
            begins, sep, ends = part.replace("–", "-").partition("-")
            if not sep:
                raise Invalid(f"{where}: {part.strip()!r} is not an interval like 09:00-12:00.", field=field)
            pairs.append((_clock(begins, where, field), _clock(ends, where, field)))
    else:
        for item in raw:
            if not isinstance(item, list | tuple) or len(item) != 2 or not all(type(v) is int for v in item):
                raise Invalid(f"{where}: {item!r} is not a [start, end] pair of minutes.", field=field)
            pairs.append((item[0], item[1]))
    previous_end = -1
    for start, end in pairs:
        if not 0 <= start < end <= 24 * 60:
            raise Invalid(
                f"{where}: {_hhmm(start)}-{_hhmm(end)} must lie within 00:00-24:00 and end after it starts.",
                field=field,
            )
        if start < previous_end:
            raise Invalid(f"{where}: the intervals overlap or are out of order at {_hhmm(start)}.", field=field)
        previous_end = end
    return [[s, e] for s, e in pairs]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}" if 0 <= minutes <= 24 * 60 else str(minutes)


def _check_week(raw: WeekInput) -> dict[str, list[list[int]]]:
    """Per weekday ("0" = Monday … "6", or 0…6) its intervals; ``None`` (or a weekday left out) inherits."""
    week: dict[str, list[list[int]]] = {}
    for key, value in raw.items():
        day = str(key)
        if day not in {str(d) for d in range(7)}:
            raise Invalid(f"Unknown weekday {key!r}: use 0 (Monday) to 6 (Sunday).", field="week")
        if value is None:
            continue
        week[day] = parse_intervals(value, where=WEEKDAY_NAMES[int(day)], field=f"week.{day}")
    return dict(sorted(week.items()))


def _check_country(country: str, subdivision: str) -> tuple[str, str]:
    country = (country or "").strip().upper()
    subdivision = (subdivision or "").strip().upper()
    if not country:
        if subdivision:
            raise Invalid("Choose a country for the subdivision.", field="subdivision")
        return "", ""
    supported = holidays_lib.list_supported_countries()
    if len(country) != 2 or country not in supported:
        raise Invalid(f"No public holidays are known for country {country!r}.", field="country")
    if subdivision and subdivision not in {s.upper() for s in supported[country]}:
        raise Invalid(f"{subdivision!r} is not a subdivision of {country} with known holidays.", field="subdivision")
    return country, subdivision


def _check_calendar_edit(viewer: Viewer, calendar: WorkCalendar) -> None:
    if not calendar_scope_ok(viewer, calendar):
        raise NotFound("No such calendar.")
    if not can_edit_calendar(viewer, calendar):
        raise Forbidden("Only an administrator of the calendar's company may change it.")


def _check_calendar_parent(viewer: Viewer, calendar: WorkCalendar | None, parent: WorkCalendar | None) -> None:
    if parent is None:
        return
    if not calendar_scope_ok(viewer, parent):
        raise NotFound("No such parent calendar.")
    if parent.person_id is not None:
        raise Invalid("A person's calendar cannot be the parent of another calendar.", field="parent")
    seen: set[int] = set()
    current: WorkCalendar | None = parent
    while current is not None and current.pk not in seen:
        if calendar is not None and current.pk == calendar.pk:
            raise Invalid(f"{parent.name} derives from {calendar.name}: parents would form a loop.", field="parent")
        seen.add(current.pk)
        current = current.parent


def _check_calendar_name(viewer: Viewer, name: str, calendar: WorkCalendar | None) -> str:
    name = clean_text(name, field="name", max_length=200, required=True)
    others = WorkCalendar.objects.filter(organisation_id=viewer.organisation_id, name__iexact=name)
    if calendar is not None:
        others = others.exclude(pk=calendar.pk)
    if others.exists():
        raise Conflict(f"A calendar named {name!r} exists already.", field="name")
    return name


def _check_compiles(calendar: WorkCalendar) -> None:
    """The saved calendar, and every calendar deriving from it, still has working time and valid holidays."""
    todo = [calendar]
    seen: set[int] = set()
    while todo:
        row = todo.pop()
        if row.pk in seen:
            continue
        seen.add(row.pk)
        try:
            calendar_for_row(row)
        except CalendarError as error:
            message = error.message
            if "has no working time" in message:
                message = f"{row.name} would have no working time in its week."
            raise Invalid(message, field=error.field or "week") from None
        todo.extend(WorkCalendar.objects.filter(parent=row).select_related("parent"))


def _calendar_reschedule(calendar: WorkCalendar) -> tuple[tuple[str, ...], tuple[str, ...]]:
    done: list[str] = []
    skipped: list[str] = []
    for project in projects_on_calendar(calendar):
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if not Task.objects.filter(project=locked).exists():
            continue
        try:
            with transaction.atomic():
                _reschedule(locked)
            done.append(locked.code)
        except DomainError:
            skipped.append(locked.code)
    return tuple(done), tuple(skipped)


def _calendar_audit(viewer: Viewer, action: str, calendar: WorkCalendar, before: Any = None, **after: Any) -> None:
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action=action,
        obj=calendar,
        before=before,
        after={**audit.snapshot(calendar, CALENDAR_FIELDS), **after} if action != "calendar.delete" else None,
    )


@transaction.atomic
def calendar_create(
    *,
    viewer: Viewer,
    name: str,
    week: WeekInput | None = None,
    country: str = "",
    subdivision: str = "",
    parent: WorkCalendar | None = None,
    company: Company | None = None,
    person: Person | None = None,
) -> CalendarSaved:
    """A new calendar: the organisation default (no company, no person), a company's or a person's. Without a
    parent, a company's derives from the default and a person's from their company's (else the default)."""
    if person is not None:
        if person.organisation_id != viewer.organisation_id or person.company_id not in viewer.company_ids:
            raise NotFound("No such person.")
        if company is not None and company.pk != person.company_id:
            raise Invalid(f"{person.name} works for {person.company.name}, not {company.name}.", field="company")
        company = person.company
    if company is not None and (
        company.organisation_id != viewer.organisation_id or company.pk not in viewer.company_ids
    ):
        raise NotFound("No such company.")
    draft = WorkCalendar(organisation_id=viewer.organisation_id, company=company, person=person, name=name)
    if not can_edit_calendar(viewer, draft):
        raise Forbidden("Only an administrator of the calendar's company may create it.")
    name = _check_calendar_name(viewer, name, None)
    rows = WorkCalendar.objects.filter(organisation_id=viewer.organisation_id)
    if person is not None and rows.filter(person=person).exists():
        raise Conflict(f"{person.name} has a calendar already.", field="person")
    if person is None and company is not None and rows.filter(company=company, person__isnull=True).exists():
        raise Conflict(f"{company.name} has a calendar already.", field="company")
    if company is None and person is None and rows.filter(company__isnull=True, person__isnull=True).exists():
        raise Conflict("The organisation has a default calendar already.", field="company")
    if parent is None and (company is not None or person is not None):
        base = rows.filter(person__isnull=True)
        parent = (base.filter(company=company).order_by("id").first() if person is not None else None) or base.filter(
            company__isnull=True
        ).order_by("id").first()
    _check_calendar_parent(viewer, None, parent)
    country, subdivision = _check_country(country, subdivision)
    checked_week = _check_week(week or {})
    if parent is None and not checked_week:
        checked_week = {**DEFAULT_WEEK}
    draft.name = name
    draft.parent = parent
    draft.week = checked_week
    draft.country, draft.subdivision = country, subdivision
    draft.save()
    _check_compiles(draft)
    rescheduled, skipped = _calendar_reschedule(draft)
    _calendar_audit(viewer, "calendar.create", draft, rescheduled=list(rescheduled))
    return CalendarSaved(draft, rescheduled, skipped)


@transaction.atomic
def calendar_update(*, viewer: Viewer, calendar: WorkCalendar, **changes: Any) -> CalendarSaved:
    """Change a calendar's ``name``, ``week`` (replaced as a whole), ``country``/``subdivision`` or ``parent``."""
    _check_calendar_edit(viewer, calendar)
    unknown = set(changes) - {"name", "week", "country", "subdivision", "parent"}
    if unknown:
        raise Invalid(f"Cannot change {', '.join(sorted(unknown))} of a calendar.", field=sorted(unknown)[0])
    locked = (
        WorkCalendar.objects.select_for_update(of=("self",))
        .select_related("company", "person", "parent")
        .get(pk=calendar.pk)
    )
    before = audit.snapshot(locked, CALENDAR_FIELDS)
    if "name" in changes:
        locked.name = _check_calendar_name(viewer, str(changes["name"]), locked)
    if "week" in changes:
        locked.week = _check_week(changes["week"] or {})
    if "country" in changes or "subdivision" in changes:
        locked.country, locked.subdivision = _check_country(
            str(changes.get("country", locked.country) or ""), str(changes.get("subdivision", "") or "")
        )
    if "parent" in changes:
        parent = changes["parent"]
        if parent is not None and not isinstance(parent, WorkCalendar):
            raise Invalid("The parent must be a calendar.", field="parent")
        if parent is not None and parent.pk == locked.pk:
            raise Invalid("A calendar cannot be its own parent.", field="parent")
        _check_calendar_parent(viewer, locked, parent)
        locked.parent = parent
    if locked.parent_id is None and not locked.week:
        raise Invalid(f"{locked.name} has no parent, so its week must give working hours.", field="week")
    locked.save()
    _check_compiles(locked)
    rescheduled, skipped = _calendar_reschedule(locked)
    _calendar_audit(viewer, "calendar.update", locked, before, rescheduled=list(rescheduled))
    calendar.refresh_from_db()
    return CalendarSaved(locked, rescheduled, skipped)


def _names(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


@transaction.atomic
def calendar_delete(*, viewer: Viewer, calendar: WorkCalendar) -> None:
    """Delete a calendar no other calendar derives from and no open project plans with."""
    _check_calendar_edit(viewer, calendar)
    locked = WorkCalendar.objects.select_for_update().get(pk=calendar.pk)
    children = list(WorkCalendar.objects.filter(parent=locked).order_by("name").values_list("name", flat=True))
    if children:
        verb = "derives" if len(children) == 1 else "derive"
        raise Conflict(f"{locked.name} is in use: {_names(children)} {verb} from it.")
    if locked.person_id is None:
        projects = [p.code for p in projects_on_calendar(locked)]
        if projects:
            raise Conflict(f"{locked.name} is in use: the plan of {_names(projects)} uses it.")
    before = audit.snapshot(locked, CALENDAR_FIELDS)
    _calendar_audit(viewer, "calendar.delete", locked, before)
    locked.delete()


@transaction.atomic
def calendar_exception_add(
    *,
    viewer: Viewer,
    calendar: WorkCalendar,
    first: date,
    last: date | None = None,
    intervals: IntervalsInput = None,
    name: str = "",
) -> CalendarSaved:
    """Make ``first``…``last`` (one date when ``last`` is None) non-working (no intervals) or working at their
    own intervals. A date that has an exception already is refused (remove it first)."""
    _check_calendar_edit(viewer, calendar)
    last = last or first
    if last < first:
        raise Invalid("The exception cannot end before it starts.", field="last")
    if (last - first).days + 1 > MAX_EXCEPTION_DAYS:
        raise Invalid(f"An exception covers at most {MAX_EXCEPTION_DAYS} days.", field="last")
    if first.year < 1900 or last.year > 2300:
        raise Invalid("Exceptions must fall between the years 1900 and 2300.", field="first")
    checked = parse_intervals(intervals, where="Exception", field="intervals")
    name = clean_text(name, field="name", max_length=200)
    locked = WorkCalendar.objects.select_for_update().get(pk=calendar.pk)
    taken = list(
        CalendarException.objects.filter(calendar=locked, date__range=(first, last)).values_list("date", flat=True)
    )
    if taken:
        raise Conflict(
            f"{locked.name} has an exception on {_names([d.isoformat() for d in taken])} already.", field="first"
        )
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    CalendarException.objects.bulk_create(
        [CalendarException(calendar=locked, date=d, intervals=checked, name=name) for d in days]
    )
    rescheduled, skipped = _calendar_reschedule(locked)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="calendar.exception_add",
        obj=locked,
        after={
            "first": first.isoformat(),
            "last": last.isoformat(),
            "intervals": checked,
            "name": name,
            "rescheduled": list(rescheduled),
        },
    )
    return CalendarSaved(locked, rescheduled, skipped)


@transaction.atomic
def calendar_exception_remove(*, viewer: Viewer, exception: CalendarException) -> CalendarSaved:
    calendar = exception.calendar
    _check_calendar_edit(viewer, calendar)
    before = audit.snapshot(exception, EXCEPTION_FIELDS)
    deleted, _ = CalendarException.objects.filter(pk=exception.pk).delete()
    if not deleted:
        raise NotFound("No such calendar exception.")
    rescheduled, skipped = _calendar_reschedule(calendar)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="calendar.exception_remove",
        obj=calendar,
        before=before,
        after={"rescheduled": list(rescheduled)},
    )
    return CalendarSaved(calendar, rescheduled, skipped)
