"""The Kanban board's actions: default columns, column settings, card moves (state, audit, refusals)."""

from __future__ import annotations

import pytest

from margin.core.errors import Forbidden, Invalid, NotFound
from margin.core.models import AuditEntry
from margin.projects.actions import board_column_update, board_columns_ensure, task_board_move, task_create
from margin.projects.models import BoardColumn, Task, TaskStatus
from margin.resourcing.models import Assignment, ResourcePool
from tests.checks import assigned, audit_row, refused
from tests.firm import Firm

pytestmark = pytest.mark.django_db


def _order(firm: Firm, status: str) -> list[str]:
    return list(
        Task.objects.filter(project=firm.project, status=status)
        .order_by("board_position", "id")
        .values_list("name", flat=True)
    )


def test_default_columns_are_created_once(firm: Firm) -> None:
    columns = board_columns_ensure(viewer=firm.member, project=firm.project)
    assert [(c.name, c.status, c.position) for c in columns] == [
        ("To do", "todo", 0),
        ("In progress", "in_progress", 1),
        ("In review", "review", 2),
        ("Done", "done", 3),
    ]
    assert AuditEntry.objects.filter(action="board_column.create").count() == 4
    again = board_columns_ensure(viewer=firm.member, project=firm.project)
    assert [c.pk for c in again] == [c.pk for c in columns]
    assert BoardColumn.objects.filter(project=firm.project).count() == 4
    with refused(NotFound, match="project"):
        board_columns_ensure(viewer=firm.other_admin, project=firm.project)


def test_move_a_card_to_another_column_and_position(firm: Firm) -> None:
    board_columns_ensure(viewer=firm.manager, project=firm.project)
    extra = task_create(viewer=firm.manager, project=firm.project, name="Test")
    task_board_move(viewer=firm.member, task=firm.design, status="in_progress", position=0)
    moved = task_board_move(viewer=firm.member, task=firm.build, status="in_progress", position=0)
    assert _order(firm, "in_progress") == ["Build", "Design"]
    assert moved.statuses == ("todo", "in_progress") and moved.warning == ""
    assert _order(firm, "todo") == ["Test"]
    assert Task.objects.get(pk=extra.pk).board_position == 0  # the column it left is renumbered
    # Within one column: Design to the top.
    task_board_move(viewer=firm.member, task=firm.design, status="in_progress", position=0)
    assert _order(firm, "in_progress") == ["Design", "Build"]
    entry = AuditEntry.objects.filter(action="task.board_move", object_id=firm.build.pk).get()
    assert entry.before["status"] == "todo" and entry.after["status"] == "in_progress"
    assert entry.actor_id == firm.member.user_id


def test_done_sets_percent_complete_and_wip_limit_warns(firm: Firm) -> None:
    columns = {c.status: c for c in board_columns_ensure(viewer=firm.manager, project=firm.project)}
    board_column_update(viewer=firm.manager, column=columns["done"], wip_limit=1)
    first = task_board_move(viewer=firm.member, task=firm.design, status="done", position=5)
    assert first.warning == ""
    firm.design.refresh_from_db()
    assert firm.design.status == TaskStatus.DONE and firm.design.percent_complete == 100
    second = task_board_move(viewer=firm.member, task=firm.build, status="done", position=5)
    assert "over its WIP limit of 1" in second.warning  # warned, but moved
    assert _order(firm, "done") == ["Design", "Build"]


def test_move_across_assignee_swimlanes(firm: Firm) -> None:
    """Moving a card to another person's lane hands the task over: its person assignments change (ADR 0011)."""
    task_board_move(viewer=firm.member, task=firm.design, status="todo", position=0, assignee=firm.member2_person)
    assert assigned(firm.design) == [firm.member2_person.name]
    assert audit_row("assignment.create").after["person"] == firm.member2_person.pk
    # A task with a lead at 50 % and a pool: the lead's assignment passes on with its units; the pool stays.
    lead = Assignment.objects.get(task=firm.design)
    Assignment.objects.filter(pk=lead.pk).update(units=50)
    pool = ResourcePool.objects.create(organisation_id=firm.project.organisation_id, name="Crew", max_units=300)
    Assignment.objects.create(task=firm.design, pool=pool, units=100)
    task_board_move(viewer=firm.member, task=firm.design, status="todo", position=0, assignee=firm.member_person)
    assert set(Assignment.objects.filter(task=firm.design).values_list("person_id", "pool_id", "units")) == {
        (firm.member_person.pk, None, 50),
        (None, pool.pk, 100),
    }
    task_board_move(viewer=firm.member, task=firm.design, status="todo", position=0, assignee=None)
    assert assigned(firm.design) == [] and Assignment.objects.filter(task=firm.design, pool=pool).exists()


def test_refused_moves_change_nothing(firm: Firm) -> None:
    design = firm.design
    with refused(Invalid, design, match="Unknown status"):
        task_board_move(viewer=firm.member, task=design, status="archived", position=0)
    with refused(Invalid, design, match="position"):
        task_board_move(viewer=firm.member, task=design, status="done", position=-1)
    outsider = firm.other_admin
    with refused(NotFound, design):
        task_board_move(viewer=outsider, task=design, status="done", position=0)
    with refused(Forbidden, design, match="members"):
        task_board_move(viewer=firm.finance, task=design, status="done", position=0)
    other_person = firm.other_project.manager
    with refused(Invalid, design, match="member of the project"):
        task_board_move(viewer=firm.member, task=design, status="done", position=0, assignee=other_person)
    child = task_create(viewer=firm.manager, project=firm.project, name="Sub", parent=firm.build)
    with refused(Invalid, firm.build, child, match="summary"):
        task_board_move(viewer=firm.member, task=firm.build, status="done", position=0)


def test_column_settings(firm: Firm) -> None:
    columns = board_columns_ensure(viewer=firm.manager, project=firm.project)
    review = columns[2]
    board_column_update(viewer=firm.manager, column=review, name="QA", wip_limit=3, position=0)
    assert [c.name for c in BoardColumn.objects.filter(project=firm.project).order_by("position")] == [
        "QA",
        "To do",
        "In progress",
        "Done",
    ]
    assert review.wip_limit == 3
    entry = AuditEntry.objects.filter(action="board_column.update", object_id=review.pk).get()
    assert entry.before["name"] == "In review" and entry.after["name"] == "QA"
    board_column_update(viewer=firm.manager, column=review, wip_limit=None)
    review.refresh_from_db()
    assert review.wip_limit is None and review.name == "QA"
    with refused(Forbidden, review, match="manager"):
        board_column_update(viewer=firm.member, column=review, name="Mine")
    with refused(Invalid, review, match="WIP limit"):
        board_column_update(viewer=firm.manager, column=review, wip_limit=0)
    with refused(Invalid, review, match="required"):
        board_column_update(viewer=firm.manager, column=review, name="  ")
    with refused(NotFound, review):
        board_column_update(viewer=firm.other_admin, column=review, name="X")
