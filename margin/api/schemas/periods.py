"""Shapes of time policies, period closes (lock dates) and approval delegates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from margin.api.schemas.common import Id, NoNul, Note, Reason
from margin.closing.models import PeriodLock
from margin.core.models import AuditEntry
from margin.timesheets.models import ApprovalDelegate


class TimePolicyIn(Schema):
    max_day_minutes: int = Field(24 * 60, ge=1, le=24 * 60, description="Most minutes a person may log a day")
    max_future_days: int | None = Field(
        None, ge=0, le=366, description="How many days ahead time may be logged; null: the installation's default"
    )
    submit_period: Literal["week", "month"] = Field("week", description="People submit a week or a month at once")


class TimePolicyOut(Schema):
    company_id: int
    max_day_minutes: int
    max_future_days: int | None
    max_future_days_in_force: int = Field(description="The days ahead that apply (the default when not set)")
    submit_period: str
    locked_through: date | None = Field(description="Nothing dated on or before this day may change")


class StartDateIn(Schema):
    start_date: date | None = Field(description="No time may be logged before it; null: no limit")


class StartDateOut(Schema):
    person_id: int
    start_date: date | None


class LogForOthersIn(Schema):
    allowed: bool


class LogForOthersOut(Schema):
    person_id: int
    can_log_for_others: bool


class PeriodCloseIn(Schema):
    company_id: Id
    through: date = Field(description="The lock date: nothing dated on or before it may change")
    note: Note = ""
    override_reason: Annotated[str, StringConstraints(max_length=1000), NoNul] = Field(
        "", description="Why the close goes ahead although the checklist blocks it (audited); empty: it does not"
    )


class ChecklistAmountOut(Schema):
    currency: str
    amount_minor: int


class ChecklistItemOut(Schema):
    """One thing the close looks at in the period before it locks it."""

    key: str = Field(description="unapproved_time, unbilled_time, undrafted_instalments")
    label: str
    count: int
    amounts: list[ChecklistAmountOut] = Field(description="What it is worth, per currency (empty: not money)")
    blocking: bool = Field(description="A count here stops the close unless a reason to override is given")
    blocks: bool = Field(description="True when this item stops the close now")
    link: str = Field(description="The screen where the work is done")


class ChecklistOut(Schema):
    company_id: int
    through: date
    locked_through: date | None = Field(description="The company's lock date now")
    blocked: bool = Field(description="True when a blocking item stops the close")
    items: list[ChecklistItemOut]


class PeriodReopenIn(Schema):
    reason: Reason


class PeriodLockOut(Schema):
    id: int
    company_id: int
    company_name: str
    through: date
    note: str
    standing: bool = Field(description="True while the close holds (not reopened)")
    closed_at: datetime
    closed_by: str | None
    reopened_at: datetime | None
    reopened_by: str | None
    reopen_reason: str

    @staticmethod
    def resolve_company_name(obj: PeriodLock) -> str:
        return obj.company.name

    @staticmethod
    def resolve_closed_by(obj: PeriodLock) -> str | None:
        return obj.closed_by.get_username() if obj.closed_by is not None else None

    @staticmethod
    def resolve_reopened_by(obj: PeriodLock) -> str | None:
        return obj.reopened_by.get_username() if obj.reopened_by is not None else None


class PeriodChangeOut(Schema):
    """One change to time dated in a closed period, made after it was closed (an audit row)."""

    at: datetime
    action: str = Field(description="time_entry.create, time_entry.update, time_entry.delete, time_entry.submit...")
    entry_id: int
    actor: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @staticmethod
    def resolve_entry_id(obj: AuditEntry) -> int:
        return obj.object_id

    @staticmethod
    def resolve_actor(obj: AuditEntry) -> str | None:
        return obj.actor.get_username() if obj.actor is not None else None


class DelegateIn(Schema):
    delegate_id: Id = Field(description="The person who approves in the manager's stead")
    project_id: Id | None = Field(None, description="One project (give this or manager_id)")
    manager_id: Id | None = Field(None, description="Every project this person manages (give this or project_id)")
    valid_from: date | None = None
    valid_to: date | None = None


class DelegateOut(Schema):
    id: int
    delegate_id: int
    delegate_name: str
    project_id: int | None
    manager_id: int | None
    valid_from: date | None
    valid_to: date | None

    @staticmethod
    def resolve_delegate_name(obj: ApprovalDelegate) -> str:
        return obj.delegate.name
