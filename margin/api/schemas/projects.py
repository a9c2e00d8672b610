"""Shapes of projects, their tasks, members and bill rates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from margin.api.money import MONEY_SHAPE, money_field, money_shown
from margin.api.schemas.common import Code, HourlyRate, Id, MinorUnits, MoneyOut, Name, rate_text
from margin.contracts.models import BillRate
from margin.projects.actions import MAX_BUDGET_MINUTES
from margin.projects.models import Project, Task
from margin.projects.planning import deadline_missed

ProjectStatusIn = Literal["planned", "active", "on_hold", "closed"]
BudgetMinutes = Annotated[int, Field(ge=0, le=MAX_BUDGET_MINUTES, description="Minutes (0 to 10 million hours)")]


class BillRateIn(Schema):
    """A role's rate on the project, or (with person_id instead) one person's override."""

    valid_from: date
    hourly_rate: HourlyRate
    role_id: Id | None = None
    person_id: Id | None = None


class ProjectIn(Schema):
    """A new project (or template) with its members and rate card, in one transaction."""

    company_id: Id
    client_id: Id
    manager_id: Id = Field(description="The person who manages the project (someone of its company)")
    code: Code
    name: Name
    status: ProjectStatusIn = "active"
    start_date: date | None = None
    end_date: date | None = None
    budget_minutes: BudgetMinutes = 0
    budget_amount_minor: MinorUnits = 0
    is_template: bool = Field(False, description="A template: copied into new projects, never billed, no time")
    member_ids: list[Id] = Field(default_factory=list, max_length=500, description="People on it besides the manager")
    rates: list[BillRateIn] = Field(
        default_factory=list, max_length=500, description="Its rate card: role rates and personal overrides, dated"
    )


class ProjectCopyIn(Schema):
    """A new project made from this one (a template or a project): its plan moves to start_date. Left out: the
    source's company, client, manager and budgets; its team (a project's members; nobody from a template); its
    rate card."""

    code: Code
    name: Name
    start_date: date = Field(description="The first day of the new project; the plan keeps its offsets from it")
    move_to_working_day: bool = Field(
        False, description="A start on a weekend or holiday moves to the next working day (else it is refused)"
    )
    company_id: Id | None = None
    client_id: Id | None = None
    manager_id: Id | None = None
    status: ProjectStatusIn = "active"
    end_date: date | None = None
    budget_minutes: BudgetMinutes | None = None
    budget_amount_minor: MinorUnits | None = None
    is_template: bool = Field(False, description="Make a template (Save as template) rather than a project")
    member_ids: list[Id] | None = Field(None, max_length=500)
    rates: list[BillRateIn] | None = Field(None, max_length=500, description="The new card; null: the source's")


class TemplateIn(Schema):
    """Save a project as a template: its plan, starting on the project's start."""

    code: Code
    name: Name


class ProjectPatch(Schema):
    """Only the fields sent are changed (null means: leave as is)."""

    code: Code | None = None
    name: Name | None = None
    status: ProjectStatusIn | None = None
    manager_id: Id | None = None
    start_date: date | None = None
    end_date: date | None = None
    budget_minutes: BudgetMinutes | None = None
    budget_amount_minor: MinorUnits | None = None
    notes_required: bool | None = Field(None, description="Every time entry on the project must have a note")


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    status: str
    company_id: int
    client_id: int
    client_name: str
    manager_id: int
    currency: str
    start_date: date | None
    end_date: date | None
    budget_minutes: int
    budget_amount: MoneyOut | None = money_field("The money budget")
    notes_required: bool
    is_template: bool
    archived_at: datetime | None

    @staticmethod
    def resolve_client_name(obj: Project) -> str:
        return obj.client.name

    @staticmethod
    def resolve_budget_amount(obj: Project, context: Any) -> MoneyOut | None:
        return money_shown(context, obj.pk, obj.budget_amount_minor, obj.currency)


class MemberIn(Schema):
    person_id: Id


class TaskIn(Schema):
    name: Name
    parent_id: Id | None = None
    planned_start: date | None = None
    planned_finish: date | None = None
    estimate_minutes: BudgetMinutes = 0
    billable: bool = True
    deadline: date | None = Field(
        None, description="The day the task should finish by (MS Project's Deadline; never moves the plan)"
    )


class TaskPatch(Schema):
    """Only the fields sent are changed (null means: leave as is)."""

    name: Name | None = None
    parent_id: Id | None = None
    planned_start: date | None = None
    planned_finish: date | None = None
    estimate_minutes: BudgetMinutes | None = None
    billable: bool | None = None
    closed: bool | None = None
    deadline: date | None = Field(None, description="The day the task should finish by; here null clears it")


class TaskOut(Schema):
    id: int
    project_id: int
    parent_id: int | None
    position: int
    name: str
    planned_start: date | None
    planned_finish: date | None
    estimate_minutes: int
    billable: bool
    closed: bool
    deadline: date | None
    deadline_missed: bool = Field(description="The task's scheduled finish (local day) is after its deadline")

    @staticmethod
    def resolve_deadline_missed(obj: Task) -> bool:
        return deadline_missed(obj.finish, obj.deadline)


class BillRateOut(Schema):
    """A bill rate: money through and through (only for those who may see the project's money)."""

    model_config = {"json_schema_extra": MONEY_SHAPE}

    id: int
    valid_from: date
    hourly_rate: str
    role_id: int | None
    role_name: str | None
    person_id: int | None
    person_name: str | None

    @staticmethod
    def resolve_hourly_rate(obj: BillRate) -> str:
        return rate_text(obj.hourly_rate)

    @staticmethod
    def resolve_role_name(obj: BillRate) -> str | None:
        return obj.role.name if obj.role else None

    @staticmethod
    def resolve_person_name(obj: BillRate) -> str | None:
        return obj.person.name if obj.person else None
