"""The Kanban board: a project's columns with their cards, moving a card, column settings."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from margin.accounts.models import Person
from margin.api.schemas.board import BoardOut, ColumnIn, ColumnOut, MoveIn, MoveOut
from margin.api.schemas.common import Id, responses
from margin.api.security import viewer_of
from margin.core.errors import Invalid, NotFound
from margin.projects.actions import board_column_update, board_columns_ensure, task_board_move
from margin.projects.models import BoardColumn
from margin.projects.planning import lead_person, task_people
from margin.projects.queries import project_get, task_get
from margin.reporting.board import board_of

router = Router(tags=["board"])


@router.get(
    "/projects/{project_id}/board", response=responses(BoardOut), summary="A project's board: columns with cards"
)
def board(request: HttpRequest, project_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    columns = board_columns_ensure(viewer=viewer, project=project)
    read = board_of([project], columns=columns)
    cards: dict[str, list[dict[str, Any]]] = {}
    for card in sorted(read.cards, key=lambda c: c.rank):
        cards.setdefault(card.status, []).append(
            {
                "id": card.id,
                "name": card.name,
                "status": card.status,
                "position": card.rank,
                "assignee_id": card.assignee_id,
                "assignee_name": card.assignee_name,
                "due": card.due,
                "overdue": card.overdue,
                "logged_minutes": card.logged_minutes,
                "estimate_minutes": card.estimate_minutes,
                "critical": card.critical,
            }
        )
    return {
        "project_id": project.pk,
        "columns": [
            {
                "id": c.column_id,
                "name": c.name,
                "status": c.status,
                "position": index,
                "wip_limit": c.wip_limit,
                "count": c.count,
                "over_limit": c.over,
                "cards": cards.get(c.status, []),
            }
            for index, c in enumerate(read.columns)
        ],
    }


@router.post("/tasks/{task_id}/move", response=responses(MoveOut), summary="Move a card on the board")
def move(request: HttpRequest, task_id: Id, payload: MoveIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    task = task_get(viewer, task_id)
    changes: dict[str, Any] = {}
    if "assignee_id" in payload.model_fields_set:
        person = None
        if payload.assignee_id is not None:
            person = Person.objects.filter(pk=payload.assignee_id, organisation_id=viewer.organisation_id).first()
            if person is None:
                raise Invalid("No such person.", field="assignee_id")
        changes["assignee"] = person
    moved = task_board_move(viewer=viewer, task=task, status=payload.status, position=payload.position, **changes)
    return {
        "task_id": task.pk,
        "status": moved.task.status,
        "position": moved.task.board_position,
        "assignee_id": lead_person(task_people([task.pk]), task.pk),
        "percent_complete": moved.task.percent_complete,
        "warning": moved.warning,
    }


@router.patch(
    "/board-columns/{column_id}", response=responses(ColumnOut), summary="Rename a column, set its WIP limit or place"
)
def column_update(request: HttpRequest, column_id: Id, payload: ColumnIn) -> BoardColumn:
    viewer = viewer_of(request)
    column = BoardColumn.objects.filter(pk=column_id).first()
    if column is None:
        raise NotFound("No such column.")
    project_get(viewer, column.project_id)  # a column of a project the viewer cannot see is not found
    changes: dict[str, Any] = {}
    if "wip_limit" in payload.model_fields_set:
        changes["wip_limit"] = payload.wip_limit
    return board_column_update(viewer=viewer, column=column, name=payload.name, position=payload.position, **changes)
