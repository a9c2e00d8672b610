"""Schemas of RAID and change control: risks, issues, decisions, change requests and the heat matrix.

A risk's contingency and a change request's cost, price and what applying it did to the money budget and the
contract are the project's money: null for a caller who may not see it (`margin.api.money`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from margin.api.money import money_field, money_shown, shown
from margin.api.schemas.common import MAX_MINOR, Id, MinorUnits, MoneyOut, Name, NoNul, Title
from margin.risks.models import ChangeRequest, Decision, Issue, Risk

Level = Annotated[int, Field(ge=1, le=5)]
LongText = Annotated[str, StringConstraints(max_length=10_000), NoNul]
Category = Annotated[str, StringConstraints(max_length=100), NoNul]
SignedMinor = Annotated[int, Field(ge=-MAX_MINOR, le=MAX_MINOR, description="Integer minor units (may be negative)")]
ResponseValue = Literal["avoid", "mitigate", "transfer", "accept"]
RiskStatusValue = Literal["open", "closed", "occurred"]
SeverityValue = Literal["low", "medium", "high", "critical"]
IssueStatusValue = Literal["open", "in_progress", "resolved", "closed"]
ChangeStatusValue = Literal["draft", "submitted", "approved", "rejected", "applied"]


class _Ref(Schema):
    id: int
    name: str


# --- risks ------------------------------------------------------------------------------------------------


class RiskFilter(Schema):
    status: RiskStatusValue | None = None
    owner_id: Id | None = None
    min_score: int | None = Field(None, ge=1, le=25, description="Only risks scoring at least this")
    probability: Level | None = Field(None, description="One cell of the heat matrix: this probability")
    impact: Level | None = Field(None, description="One cell of the heat matrix: this impact")
    residual: bool = Field(False, description="min_score, probability and impact of the residual assessment")


class RiskIn(Schema):
    title: Name
    description: LongText = ""
    category: Category = ""
    probability: Level
    impact: Level
    owner_id: Id | None = Field(None, description="A person on the project")
    response: ResponseValue = "mitigate"
    mitigation: LongText = ""
    mitigation_task_ids: list[Id] = Field(default_factory=list, max_length=200, description="Tasks of the plan")
    contingency_minor: MinorUnits = 0
    residual_probability: Level | None = None
    residual_impact: Level | None = None
    review_date: date | None = None


class RiskPatch(Schema):
    title: Name | None = None
    description: LongText | None = None
    category: Category | None = None
    probability: Level | None = None
    impact: Level | None = None
    owner_id: Id | None = Field(None, description="null: no owner")
    response: ResponseValue | None = None
    mitigation: LongText | None = None
    mitigation_task_ids: list[Id] | None = Field(None, max_length=200)
    contingency_minor: MinorUnits | None = None
    residual_probability: Level | None = Field(None, description="null (with residual_impact): not assessed")
    residual_impact: Level | None = None
    review_date: date | None = None
    status: RiskStatusValue | None = None


class RiskOut(Schema):
    id: int
    project_id: int
    reference: str = Field(description="R-n, per project")
    title: str
    description: str
    category: str
    probability: int
    impact: int
    score: int = Field(description="probability × impact (1–25)")
    owner: _Ref | None
    response: ResponseValue
    mitigation: str
    mitigation_task_ids: list[int]
    contingency: MoneyOut | None = money_field("The contingency cost, in the project's currency")
    residual_probability: int | None
    residual_impact: int | None
    residual_score: int | None
    review_date: date | None
    status: RiskStatusValue
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner(obj: Risk) -> dict[str, Any] | None:
        return {"id": obj.owner.pk, "name": obj.owner.name} if obj.owner is not None else None

    @staticmethod
    def resolve_mitigation_task_ids(obj: Risk) -> list[int]:
        return sorted(t.pk for t in obj.mitigation_tasks.all())

    @staticmethod
    def resolve_contingency(obj: Risk, context: Any) -> MoneyOut | None:
        return money_shown(context, obj.project_id, obj.contingency_minor, obj.currency)


class MatrixOut(Schema):
    residual: bool
    counts: list[list[int]] = Field(description="counts[probability - 1][impact - 1] of open risks")
    open_risks: int = Field(description="The open risks counted (with a residual assessment, for the residual matrix)")


# --- issues -----------------------------------------------------------------------------------------------


class IssueFilter(Schema):
    status: IssueStatusValue | None = None
    owner_id: Id | None = None


class IssueIn(Schema):
    title: Name
    description: LongText = ""
    severity: SeverityValue = "medium"
    owner_id: Id | None = None
    due_date: date | None = None
    task_ids: list[Id] = Field(default_factory=list, max_length=200)


class IssuePatch(Schema):
    title: Name | None = None
    description: LongText | None = None
    severity: SeverityValue | None = None
    owner_id: Id | None = None
    due_date: date | None = None
    task_ids: list[Id] | None = Field(None, max_length=200)
    status: Literal["open", "in_progress", "closed"] | None = Field(None, description="Resolve with /resolve")


class ResolveIn(Schema):
    resolution: LongText


class IssueOut(Schema):
    id: int
    project_id: int
    reference: str = Field(description="I-n, per project")
    title: str
    description: str
    severity: SeverityValue
    owner: _Ref | None
    due_date: date | None
    task_ids: list[int]
    status: IssueStatusValue
    resolution: str
    resolved_at: datetime | None
    resolved_by_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_owner(obj: Issue) -> dict[str, Any] | None:
        return {"id": obj.owner.pk, "name": obj.owner.name} if obj.owner is not None else None

    @staticmethod
    def resolve_task_ids(obj: Issue) -> list[int]:
        return sorted(t.pk for t in obj.tasks.all())


# --- decisions --------------------------------------------------------------------------------------------


class RaidDecisionIn(Schema):
    title: Name
    decision: Annotated[str, StringConstraints(min_length=1, max_length=10_000), NoNul]
    rationale: LongText = ""
    decided_by_id: Id | None = None
    decided_on: date | None = Field(None, description="Leave out: today")
    risk_id: Id | None = None
    issue_id: Id | None = None
    change_request_id: Id | None = None


class DecisionPatch(Schema):
    title: Name | None = None
    decision: LongText | None = None
    rationale: LongText | None = None
    decided_by_id: Id | None = None
    decided_on: date | None = None
    risk_id: Id | None = None
    issue_id: Id | None = None
    change_request_id: Id | None = None


class DecisionOut(Schema):
    id: int
    project_id: int
    reference: str = Field(description="D-n, per project")
    title: str
    decision: str
    rationale: str
    decided_by: _Ref | None
    decided_on: date
    risk_id: int | None
    issue_id: int | None
    change_request_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_decided_by(obj: Decision) -> dict[str, Any] | None:
        return {"id": obj.decided_by.pk, "name": obj.decided_by.name} if obj.decided_by is not None else None


# --- change requests --------------------------------------------------------------------------------------


class ProposedTaskIn(Schema):
    name: Name
    estimate_minutes: int = Field(0, ge=0, le=600_000_000, description="Work, minutes")
    duration_days: int = Field(1, ge=0, le=10_000, description="Working days")
    parent_id: Id | None = Field(None, description="A summary task of the plan to put it under")
    predecessor_id: Id | None = Field(None, description="A task of the plan it follows (finish-to-start)")


class ProposedTaskOut(Schema):
    id: int
    name: str
    estimate_minutes: int
    duration_days: int
    parent_id: int | None
    predecessor_id: int | None
    created_task_id: int | None = Field(description="The task applying added to the plan")


class ChangeRequestIn(Schema):
    title: Name
    description: LongText = ""
    requested_by_name: Title = ""
    requested_by_contact_id: Id | None = Field(None, description="A contact of the project's client")
    schedule_days: int = Field(0, ge=-10_000, le=10_000, description="Schedule impact, working days")
    effort_minutes: int = Field(0, ge=-600_000_000, le=600_000_000, description="Added to the hours budget")
    cost_minor: SignedMinor = 0
    price_minor: SignedMinor = Field(0, description="Added to the money budget and the contract's value")
    save_baseline: bool = False
    tasks: list[ProposedTaskIn] = Field(default_factory=list, max_length=100)


class ChangeRequestPatch(Schema):
    title: Name | None = None
    description: LongText | None = None
    requested_by_name: Title | None = None
    requested_by_contact_id: Id | None = None
    schedule_days: int | None = Field(None, ge=-10_000, le=10_000)
    effort_minutes: int | None = Field(None, ge=-600_000_000, le=600_000_000)
    cost_minor: SignedMinor | None = None
    price_minor: SignedMinor | None = None
    save_baseline: bool | None = None
    tasks: list[ProposedTaskIn] | None = Field(None, max_length=100, description="Replaces the proposed tasks")


class DecideIn(Schema):
    note: LongText = ""
    client_contact_id: Id | None = Field(None, description="Approve: the client's contact who approved it")
    client_name: Title = Field("", description="Approve: the client's approver, by name")


class ChangeRequestOut(Schema):
    id: int
    project_id: int
    reference: str = Field(description="CR-n, per project")
    title: str
    description: str
    requested_by_name: str
    requested_by_contact_id: int | None
    schedule_days: int
    effort_minutes: int
    cost_impact: MoneyOut | None = money_field("The change's cost, in the project's currency")
    price_impact: MoneyOut | None = money_field(
        "The change's price: added to the money budget and the contract's value"
    )
    status: ChangeStatusValue
    save_baseline: bool
    submitted_by_id: int | None
    submitted_at: datetime | None
    decided_by_id: int | None
    decided_at: datetime | None
    decision_note: str
    client_approver_contact_id: int | None
    client_approver_name: str
    applied_at: datetime | None
    applied_task_ids: list[int]
    applied_baseline_index: int | None
    applied_budget_minutes: list[int] | None = Field(description="The hours budget before and after applying")
    applied_money: dict[str, Any] | None = money_field(
        "What applying did to the money budget and the contract's value: before and after"
    )
    tasks: list[ProposedTaskOut]

    @staticmethod
    def resolve_cost_impact(obj: ChangeRequest, context: Any) -> MoneyOut | None:
        return money_shown(context, obj.project_id, obj.cost_minor, obj.currency)

    @staticmethod
    def resolve_price_impact(obj: ChangeRequest, context: Any) -> MoneyOut | None:
        return money_shown(context, obj.project_id, obj.price_minor, obj.currency)

    @staticmethod
    def resolve_applied_task_ids(obj: ChangeRequest) -> list[int]:
        return list(obj.applied.get("tasks", []))

    @staticmethod
    def resolve_applied_baseline_index(obj: ChangeRequest) -> int | None:
        index = obj.applied.get("baseline")
        return int(index) if index is not None else None

    @staticmethod
    def resolve_applied_budget_minutes(obj: ChangeRequest) -> list[int] | None:
        minutes = obj.applied.get("budget_minutes")
        return [int(m) for m in minutes] if minutes else None

    @staticmethod
    def resolve_applied_money(obj: ChangeRequest, context: Any) -> dict[str, Any] | None:
        if not obj.applied or not shown(context, obj.project_id):
            return None
        return {"budget_amount_minor": obj.applied.get("budget_amount_minor"), "contract": obj.applied.get("contract")}

    @staticmethod
    def resolve_tasks(obj: ChangeRequest) -> list[dict[str, Any]]:
        return [
            {
                "id": t.pk,
                "name": t.name,
                "estimate_minutes": t.estimate_minutes,
                "duration_days": t.duration_days,
                "parent_id": t.parent_id,
                "predecessor_id": t.predecessor_id,
                "created_task_id": t.created_task_id,
            }
            for t in obj.proposed_tasks.all()
        ]
