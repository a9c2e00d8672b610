"""Shapes of the Kanban board: columns with their cards, a card move, column settings."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from ninja import Field, Schema

from margin.api.schemas.common import Id, ShortText
from margin.projects.actions import MAX_WIP_LIMIT

StatusIn = Literal["todo", "in_progress", "review", "done"]
WipLimit = Annotated[int, Field(ge=1, le=MAX_WIP_LIMIT, description="Cards the column should hold at most")]
Position = Annotated[int, Field(ge=0, le=1_000_000, description="Place from 0; past the end means last")]


class CardOut(Schema):
    id: int
    name: str
    status: str
    position: int = Field(description="Place in its column, from 0")
    assignee_id: int | None = Field(description="The task's lead: the person assigned at the most units")
    assignee_name: str
    due: date | None = Field(description="Scheduled finish, or the planned finish")
    overdue: bool
    logged_minutes: int = Field(description="Minutes of time entries not rejected")
    estimate_minutes: int
    critical: bool


class BoardColumnOut(Schema):
    id: int
    name: str
    status: str
    position: int
    wip_limit: int | None
    count: int
    over_limit: bool
    cards: list[CardOut]


class BoardOut(Schema):
    project_id: int
    columns: list[BoardColumnOut]


class MoveIn(Schema):
    status: StatusIn
    position: Position
    assignee_id: Id | None = Field(
        None,
        description="Hand the task to this project member: the lead's person assignment passes to them (null: "
        "every person assignment goes); leave out to keep",
    )


class MoveOut(Schema):
    task_id: int
    status: str
    position: int
    assignee_id: int | None = Field(description="The task's lead after the move (its person assignments decide)")
    percent_complete: int
    warning: str = Field(description="Set when the move put the column over its WIP limit (the move is kept)")


class ColumnIn(Schema):
    name: ShortText | None = None
    wip_limit: WipLimit | None = Field(None, description="null clears the limit; leave out to keep")
    position: Position | None = None


class ColumnOut(Schema):
    id: int
    project_id: int
    name: str
    status: str
    position: int
    wip_limit: int | None
