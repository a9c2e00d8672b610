"""A new project made from another: from a template, as a copy of a project, or saved as a template.

One mechanism for the three: the new project gets the source's plan — tasks with their WBS, durations (milestones
are tasks of 0 minutes), estimates, scheduling mode and constraints, links (kind and lag), role (pool) assignments,
board columns — with every date moved by the same number of days as the start (``new start − source start``), and
is then rescheduled on its own calendar. Nothing that happened on the source comes along: no time, no invoices, no
progress (percent complete, actual dates, board status), no baselines, no leveling delays. People come along only
where they are members of the new project (its manager and the ``members`` given): a task assigned to someone who
is not becomes unassigned; assignments to pools always come along.

The rate card is not copied here (contracts sit above projects): ``margin.contracts.setup.project_setup`` does it in
the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.apps import apps
from django.db import transaction

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import DomainError, Invalid
from margin.crm.models import Client
from margin.projects.actions.planning import plan_reschedule
from margin.projects.actions.projects import check_deadline, check_scope, project_create, project_member_add
from margin.projects.models import BoardColumn, Dependency, Project, ProjectStatus, Task, TaskStatus
from margin.projects.planning import (
    DEFAULT_CALENDAR_NAME,
    calendar_of,
    calendar_row_of,
    project_start_of,
    to_aware,
    to_local,
)
from margin.scheduling.calendars import WEEKDAY_NAMES

WORKING_DAY_SEARCH_DAYS = 366  # a calendar with no working day in a year is refused by the calendar itself


@dataclass(frozen=True)
class Copied:
    tasks: int
    links: int
    assignments: int


def working_start(*, organisation_id: int, company: Company, calendar_id: int | None, day: date, move: bool) -> date:
    """``day`` when it is a working day on the calendar the new project will plan on; else, when ``move``, the next
    working day; else Invalid naming the holiday (or the weekday) and the calendar."""
    probe = Project(organisation_id=organisation_id, company=company, calendar_id=calendar_id)
    calendar = calendar_of(probe)
    if calendar.is_working_day(day):
        return day
    if move:
        for offset in range(1, WORKING_DAY_SEARCH_DAYS):
            later = day + timedelta(days=offset)
            if calendar.is_working_day(later):
                return later
    row = calendar_row_of(probe)
    why = calendar.holiday_name(day) or f"a {WEEKDAY_NAMES[day.weekday()]}"
    name = row.name if row is not None else DEFAULT_CALENDAR_NAME
    raise Invalid(
        f"{day.isoformat()} is not a working day on the calendar {name!r} ({why}); choose a working day to start "
        "on, or let Margin move the start to the next working day.",
        field="start_date",
        code="non_working_start",
    )


def _depths(tasks: list[Task]) -> dict[int, int]:
    by_id = {t.pk: t for t in tasks}
    depth: dict[int, int] = {}

    def of(task: Task) -> int:
        if task.pk not in depth:
            parent = by_id.get(task.parent_id) if task.parent_id is not None else None
            depth[task.pk] = 0 if parent is None else of(parent) + 1
        return depth[task.pk]

    for task in tasks:
        of(task)
    return depth


def _moved(value: datetime | None, shift: timedelta) -> datetime | None:
    """A stored moment moved by whole days in local time (09:00 stays 09:00 across a change of summer time)."""
    local = to_local(value)
    return to_aware(local + shift) if local is not None else None


def _task_copy(source: Task, target: Project, parent: Task | None, shift: timedelta) -> Task:
    deadline = source.deadline + shift if source.deadline is not None else None
    try:
        check_deadline(deadline)
    except Invalid as error:
        raise Invalid(f"Task {source.name!r}: {error.message}", field="start_date") from None
    return Task(
        project=target,
        parent=parent,
        position=source.position,
        name=source.name,
        estimate_minutes=source.estimate_minutes,
        billable=source.billable,
        duration_minutes=source.duration_minutes,
        scheduling=source.scheduling,
        constraint=source.constraint,
        constraint_date=_moved(source.constraint_date, shift),
        # A manual task's start is its input: it moves with the project (the others' are computed again).
        start=_moved(source.start, shift),
        finish=_moved(source.finish, shift),
        deadline=deadline,
        status=TaskStatus.TODO,
        board_position=source.board_position,
    )


def _copy_plan(source: Project, target: Project, shift: timedelta, people: set[int]) -> Copied:
    """Tasks level by level (parents get their ids first), then links, assignments and board columns: a few bulk
    inserts, whatever the size of the plan."""
    tasks = list(Task.objects.filter(project=source).order_by("position", "id"))
    depth = _depths(tasks)
    new_of: dict[int, Task] = {}
    for level in sorted(set(depth.values())):
        row = [t for t in tasks if depth[t.pk] == level]
        made = Task.objects.bulk_create(
            [_task_copy(t, target, new_of[t.parent_id] if t.parent_id is not None else None, shift) for t in row]
        )
        new_of.update({old.pk: new for old, new in zip(row, made, strict=True)})
    links = Dependency.objects.bulk_create(
        [
            Dependency(
                project=target,
                predecessor=new_of[d.predecessor_id],
                successor=new_of[d.successor_id],
                kind=d.kind,
                lag_minutes=d.lag_minutes,
                lag_percent=d.lag_percent,
            )
            for d in Dependency.objects.filter(project=source).order_by("id")
        ]
    )
    # Assignments belong to resourcing, above this app: reached through the task's relation (ADR 0032).
    assignment = apps.get_model("resourcing", "Assignment")
    assignments = assignment.objects.bulk_create(
        [
            assignment(task=new_of[a.task_id], person_id=a.person_id, pool_id=a.pool_id, units=a.units)
            for a in assignment.objects.filter(task__project=source).order_by("id")
            if a.pool_id is not None or a.person_id in people
        ]
    )
    BoardColumn.objects.bulk_create(
        [
            BoardColumn(project=target, name=c.name, status=c.status, position=c.position, wip_limit=c.wip_limit)
            for c in BoardColumn.objects.filter(project=source).order_by("position", "id")
        ]
    )
    return Copied(tasks=len(new_of), links=len(links), assignments=len(assignments))


def _copy_action(source: Project, is_template: bool) -> str:
    if is_template and not source.is_template:
        return "project.template_save"
    if source.is_template and not is_template:
        return "project.instantiate"
    return "project.copy"


@transaction.atomic
def project_copy(
    *,
    viewer: Viewer,
    source: Project,
    company: Company,
    client: Client,
    manager: Person,
    code: str,
    name: str,
    start_date: date,
    end_date: date | None = None,
    budget_minutes: int = 0,
    budget_amount_minor: int = 0,
    status: str = ProjectStatus.ACTIVE,
    is_template: bool = False,
    members: Sequence[Person] = (),
    move_to_working_day: bool = False,
) -> Project:
    """A new project (or template) with ``source``'s plan, starting on ``start_date`` (see the module's docstring).

    A start that is not a working day on the new project's calendar (a weekend, a public holiday, a company day
    off) is refused with the holiday's name, or moved to the next working day when ``move_to_working_day``. The
    checks and audit rows of ``project_create`` and ``project_member_add`` apply; anything refused, and nothing is
    kept."""
    check_scope(viewer, source)
    start = working_start(
        organisation_id=viewer.organisation_id,
        company=company,
        calendar_id=source.calendar_id,
        day=start_date,
        move=move_to_working_day,
    )
    project = project_create(
        viewer=viewer,
        company=company,
        client=client,
        manager=manager,
        code=code,
        name=name,
        budget_minutes=budget_minutes,
        budget_amount_minor=budget_amount_minor,
        start_date=start,
        end_date=end_date,
        status=status,
        is_template=is_template,
    )
    project.calendar_id = source.calendar_id
    project.notes_required = source.notes_required
    project.save(update_fields=["calendar", "notes_required"])
    for person in members:
        project_member_add(viewer=viewer, project=project, person=person)
    people = set(project.memberships.values_list("person_id", flat=True))
    shift = timedelta(days=(start - project_start_of(source)).days)
    copied = _copy_plan(source, project, shift, people)
    try:
        plan_reschedule(Project.objects.select_for_update().get(pk=project.pk))
    except DomainError as error:
        raise Invalid(f"The copied plan cannot be scheduled: {error.message}", field="start_date") from None
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action=_copy_action(source, is_template),
        obj=project,
        after={
            "source": source.pk,
            "start_date": start.isoformat(),
            "tasks": copied.tasks,
            "links": copied.links,
            "assignments": copied.assignments,
        },
    )
    project.refresh_from_db()
    return project
