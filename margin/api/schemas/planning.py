"""Shapes of the plan: the Gantt data, links, schedule changes, baselines and their variance.

Datetimes are answered in the project's time zone (the site's TIME_ZONE for now), with their offset. A datetime
sent without an offset is read in that time zone."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from margin.api.money import money_field, shown
from margin.api.schemas.common import Id, Title
from margin.projects.actions import MAX_BUDGET_MINUTES, MAX_LAG_MINUTES
from margin.projects.models import Baseline
from margin.scheduling.network import LAG_PERCENT_MAX, LAG_PERCENT_MIN

LinkKindIn = Literal["FS", "SS", "FF", "SF"]
ConstraintIn = Literal["ASAP", "ALAP", "SNET", "SNLT", "FNET", "FNLT", "MSO", "MFO"]
SchedulingIn = Literal["auto", "manual"]
DurationMinutes = Annotated[
    int, Field(ge=0, le=MAX_BUDGET_MINUTES, description="Working minutes (0: a milestone; 480 = one 8-hour day)")
]


class GanttTaskOut(Schema):
    id: int
    name: str
    parent_id: int | None
    wbs: str = Field(description="Outline number, e.g. 1.2.3; tasks come in outline order")
    depth: int
    start: datetime | None = Field(description="Scheduled start (null until the plan is first rescheduled)")
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
    deadline: date | None = Field(description="The day the task should finish by (never moves the plan)")
    deadline_missed: bool = Field(description="The task finishes (local day) after its deadline")


class LinkOut(Schema):
    id: int
    predecessor_id: int
    successor_id: int
    kind: str
    lag_minutes: int
    lag_percent: int | None


class GanttOut(Schema):
    project_id: int
    start: date = Field(description="The day the plan starts from")
    finish: datetime | None = Field(description="The project's scheduled finish")
    baseline: int | None = Field(description="The baseline whose dates are given beside each task")
    tasks: list[GanttTaskOut]
    links: list[LinkOut]


class MovedOut(Schema):
    id: int
    start: datetime | None
    finish: datetime | None


class ConflictOut(Schema):
    task_id: int | None
    kind: str
    message: str


class ChangeOut(Schema):
    """What a change moved (redraw these) and the conflicts the new plan has (manual tasks, constraints)."""

    moved: list[MovedOut]
    conflicts: list[ConflictOut]


class LinkChangeOut(ChangeOut):
    link: LinkOut


class LinkIn(Schema):
    predecessor_id: Id
    successor_id: Id
    kind: LinkKindIn = "FS"
    lag_minutes: int = Field(0, ge=-MAX_LAG_MINUTES, le=MAX_LAG_MINUTES, description="Working minutes; negative: lead")
    lag_percent: int | None = Field(
        None, ge=LAG_PERCENT_MIN, le=LAG_PERCENT_MAX, description="Lag as % of the predecessor's duration"
    )


class ScheduleIn(Schema):
    """Only what is sent changes. `start` is a drag: an automatic task gets "start no earlier than" it."""

    start: datetime | None = None
    duration_minutes: DurationMinutes | None = None
    scheduling: SchedulingIn | None = None
    constraint: ConstraintIn | None = None
    constraint_date: datetime | None = None
    percent_complete: int | None = Field(None, ge=0, le=100)
    finish: date | None = Field(
        None,
        description="A resize: the duration becomes the working minutes on the project's calendar from the task's "
        "start (or the `start` sent) to the end of this day. Not with `duration_minutes`.",
    )


class BaselineIn(Schema):
    index: int | None = Field(None, ge=0, le=10, description="The slot (0–10); the first free one when omitted")
    name: Title | None = None
    overwrite: bool = False


class BaselineOut(Schema):
    index: int
    name: str
    saved_at: datetime
    start: datetime
    finish: datetime
    duration_minutes: int
    work_minutes: int
    cost_minor: int | None = money_field("The baseline's planned cost, minor units of the project's currency")

    @staticmethod
    def resolve_cost_minor(obj: Baseline, context: Any) -> int | None:
        return obj.cost_minor if shown(context, obj.project_id) else None


class TaskVarianceOut(Schema):
    task_id: int | None
    start_minutes: int = Field(description="Current minus baseline, working minutes (positive: later)")
    finish_minutes: int
    duration_minutes: int
    work_minutes: int
    cost_minor: int | None = money_field("Current minus baseline planned cost, minor units")
    start_days: str
    finish_days: str
    duration_days: str


class UnvaluedOut(Schema):
    task_id: int
    reason: str = Field(description="Why its planned work has no cost: nobody is assigned, no cost rate, ...")


class VarianceOut(Schema):
    baseline: str
    project: TaskVarianceOut
    tasks: list[TaskVarianceOut]
    added: list[int] = Field(description="Tasks in the plan that the baseline does not have")
    removed: list[int]
    unvalued: list[UnvaluedOut] = Field(
        description="Leaf tasks of the current plan whose planned work (or part of it) could not be valued: "
        "counted at 0 in the current cost"
    )
