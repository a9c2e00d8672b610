"""Shapes of resource leveling, assignments, resource pools, over-allocations and earned value."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from margin.api.money import MONEY_SHAPE
from margin.api.schemas.common import Id, MoneyOut, Name

Units = Field(100, ge=1, le=100_000, description="Units of the resource: 100 = one person full time, 1200 = 12 people")


class LevelingIn(Schema):
    method: Literal["heuristic", "cpsat"] = Field(
        "heuristic", description="heuristic: answers at once; cpsat: optimises in the background (202, poll the job)"
    )


class LevelingAcceptIn(Schema):
    acknowledge_violations: bool = Field(
        False,
        description="Required (true) when the proposal has violations: the user has seen what it cannot keep",
    )


class LeveledTaskOut(Schema):
    task_id: int
    start: datetime
    finish: datetime
    delay_minutes: int = Field(description="Working minutes the task starts later than in the unleveled plan")


class ViolationOut(Schema):
    task_id: int | str = Field(description="The task the warning is about")
    kind: str = Field(description="link (broken in the current plan already) or capacity (still over-allocated)")
    message: str
    other_task_id: int | None = Field(None, description="A link's predecessor (the task is its successor)")


class ProposalOut(Schema):
    id: int
    project_id: int
    method: str
    status: str = Field(description="running, proposed, accepted, discarded or failed")
    created_at: datetime
    decided_at: datetime | None
    job_run_id: int | None
    progress: int = Field(description="Percent done of a background run (100 once it has an answer)")
    error: str | None
    makespan_minutes: int | None = Field(description="Working minutes from the project start to the leveled finish")
    tasks: list[LeveledTaskOut]
    violations: list[ViolationOut] = Field(
        description="What the proposal cannot keep, per task; accepting then needs acknowledge_violations"
    )


class OverallocationOut(Schema):
    resource: str = Field(description="person:<id> or pool:<id>")
    name: str
    capacity: int
    demand: int = Field(description="The highest demand in the period, in units")
    start: datetime
    finish: datetime
    task_ids: list[int]


class AssignmentIn(Schema):
    person_id: Id | None = None
    pool_id: Id | None = None
    units: int = Units


class AssignmentOut(Schema):
    id: int
    task_id: int
    person_id: int | None
    pool_id: int | None
    units: int


class PoolIn(Schema):
    name: Name
    kind: Literal["role", "team", "equipment"] = "role"
    role_id: Id | None = None
    max_units: int = Units


class PoolOut(Schema):
    id: int
    name: str
    kind: str
    role_id: int | None
    max_units: int


class EarnedValueOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    task_id: int | None
    name: str
    bac: MoneyOut
    pv: MoneyOut
    ev: MoneyOut
    ac: MoneyOut
    sv: MoneyOut
    cv: MoneyOut
    spi: str | None
    cpi: str | None
    eac: MoneyOut | None
    etc: MoneyOut | None
    vac: MoneyOut | None
    tcpi: str | None


class EarnedValueReportOut(Schema):
    """Earned value is money (planned, earned and actual cost): only for those who may see the project's."""

    model_config = {"json_schema_extra": MONEY_SHAPE}

    baseline: int
    status_date: str
    currency: str
    project: EarnedValueOut
    tasks: list[EarnedValueOut]
    unassigned_ac: MoneyOut = Field(description="Approved time cost logged on the project without a task")
