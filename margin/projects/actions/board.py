"""Writes on the Kanban board: its columns and card moves."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Forbidden, Invalid
from margin.core.text import clean_text
from margin.projects.actions.planning import plan_lock, plan_reschedule
from margin.projects.actions.projects import check_scope, check_writable
from margin.projects.models import BoardColumn, Project, Task, TaskStatus
from margin.projects.planning import lead_person, person_calendars, task_people
from margin.projects.queries import can_manage, is_member

BOARD_DEFAULTS = [
    (TaskStatus.TODO, "To do"),
    (TaskStatus.IN_PROGRESS, "In progress"),
    (TaskStatus.REVIEW, "In review"),
    (TaskStatus.DONE, "Done"),
]
BOARD_COLUMN_FIELDS = ["name", "status", "position", "wip_limit"]
BOARD_MOVE_FIELDS = ["status", "board_position", "percent_complete"]
_ASSIGNMENT_FIELDS = ["task", "person", "pool", "units"]
MAX_WIP_LIMIT = 999
_UNCHANGED: Any = object()


@transaction.atomic
def board_columns_ensure(*, viewer: Viewer, project: Project) -> list[BoardColumn]:
    """The project's board columns, creating the default four (one per task status) on the board's first view.

    Anyone who may see the project may open its board, so anyone who sees it may cause the defaults to exist."""
    check_scope(viewer, project)
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
    project = plan_lock(viewer, column.project)
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
    check_scope(viewer, project)
    if not (can_manage(viewer, project) or (viewer.person_id is not None and is_member(project, viewer.person_id))):
        raise Forbidden("Only the project's members may move its cards.")


def _hand_over(viewer: Viewer, task: Task, person: Person | None) -> None:
    """Give the task to ``person`` (ADR 0011: its person assignments say who works on it): the lead's assignment
    passes to them with its units (or they get one at 100 %); None takes every person off the task. Pools stay.
    Each assignment changed writes its own audit row, as the assignment actions do."""
    people = list(task.assignments.filter(person__isnull=False).order_by("-units", "person__name", "id"))
    lead = people[0] if people else None
    if person is not None and lead is not None and lead.person_id == person.pk:
        return
    gone = people if person is None else [a for a in people[:1] if any(b.person_id == person.pk for b in people)]
    for assignment in gone:
        audit.record(
            organisation_id=viewer.organisation_id,
            actor_id=viewer.user_id,
            action="assignment.delete",
            obj=assignment,
            before=audit.snapshot(assignment, _ASSIGNMENT_FIELDS),
        )
        assignment.delete()
    if person is None or gone:
        return
    if lead is not None:
        before = audit.snapshot(lead, _ASSIGNMENT_FIELDS)
        lead.person = person
        lead.save(update_fields=["person"])
        audit.record(
            organisation_id=viewer.organisation_id,
            actor_id=viewer.user_id,
            action="assignment.update",
            obj=lead,
            before=before,
            after=audit.snapshot(lead, _ASSIGNMENT_FIELDS),
        )
        return
    created = task.assignments.create(person=person, units=100)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="assignment.create",
        obj=created,
        after=audit.snapshot(created, _ASSIGNMENT_FIELDS),
    )


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
    check_writable(project)
    locked = Task.objects.select_for_update().get(pk=task.pk, project=project)
    if status not in TaskStatus.values:
        raise Invalid(f"Unknown status {status!r}; use one of {', '.join(TaskStatus.values)}.", field="status")
    if type(position) is not int or position < 0:
        raise Invalid("The position must be 0 or more.", field="position")
    if Task.objects.filter(parent=locked).exists():
        raise Invalid("A summary task is not a card; move its subtasks.", field="task")
    old_lead = lead_person(task_people([locked.pk]), locked.pk)
    before = audit.snapshot(locked, BOARD_MOVE_FIELDS) | {"assignee": old_lead}
    if assignee is not _UNCHANGED:
        if assignee is not None and (
            not isinstance(assignee, Person)
            or assignee.organisation_id != project.organisation_id
            or not is_member(project, assignee.pk)
        ):
            raise Invalid("The assignee must be a member of the project.", field="assignee_id")
        _hand_over(viewer, locked, assignee)
    new_lead = lead_person(task_people([locked.pk]), locked.pk)
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
    if new_lead != old_lead:
        own = person_calendars(project.organisation_id, [old_lead, new_lead])
        was = own.get(old_lead) if old_lead is not None else None
        if was is not (own.get(new_lead) if new_lead is not None else None):
            plan_reschedule(project)  # the task now runs on another calendar (its lead's own, planning.network_of)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="task.board_move",
        obj=locked,
        before=before,
        after=audit.snapshot(locked, BOARD_MOVE_FIELDS) | {"assignee": new_lead},
    )
    warning = ""
    column = BoardColumn.objects.filter(project=project, status=status).first()
    if column is not None and column.wip_limit is not None and len(cards) > column.wip_limit:
        warning = f"{column.name} now holds {len(cards)} cards, over its WIP limit of {column.wip_limit}."
    task.refresh_from_db()
    statuses = (old_status, status) if old_status != status else (status,)
    return BoardMove(task, statuses, warning)
