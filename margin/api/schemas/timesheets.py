"""Shapes of time entries, the week grid and approvals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, Schema

from margin.api.money import money_field, money_shown, shown
from margin.api.schemas.common import Id, Minutes, MoneyOut, Note, Reason, rate_text
from margin.timesheets.models import EntryStatus, TimeCategory, TimeEntry

EntryIds = Annotated[list[Id], Field(min_length=1, max_length=1000)]


class TimeEntryIn(Schema):
    project_id: Id
    task_id: Id | None = None
    person_id: Id | None = Field(
        None, description="Someone else's time (administrators, or those allowed to log for others); default: yours"
    )
    work_date: date
    minutes: Minutes
    billable: bool | None = Field(None, description="Default: the task's billable flag")
    note: Note = ""
    category: TimeCategory = Field(
        TimeCategory.WORK, description="Only client work can be billable: internal, sales, training, leave never are"
    )


class TimeEntryPatch(Schema):
    """Only the fields sent are changed (null means: leave as is). Drafts, rejected entries, and approved
    entries not yet billed (which go back to submitted for approval again)."""

    task_id: Id | None = None
    work_date: date | None = None
    minutes: Minutes | None = None
    billable: bool | None = None
    note: Note | None = None
    category: TimeCategory | None = None


class TimeEntryOut(Schema):
    id: int
    project_id: int
    task_id: int | None
    person_id: int
    work_date: date
    minutes: int = Field(description="Minutes worked")
    billable: bool
    category: str = Field(description="work, internal, sales, training or leave")
    billable_minutes: int = Field(
        description="Minutes billed: worked minutes rounded to the billing increment (0 when not billable)"
    )
    note: str
    status: str = Field(description="draft, submitted, approved or rejected")
    rejection_reason: str
    submitted_at: datetime | None
    decided_at: datetime | None
    bill_rate: str | None = money_field("Hourly rate the entry was valued at on approval (null before)")
    bill_amount: MoneyOut | None = money_field("Value of the entry, once approved (null before)")
    billed: bool = Field(description="Taken by an invoice")

    @staticmethod
    def resolve_bill_rate(obj: TimeEntry, context: Any) -> str | None:
        if obj.status != EntryStatus.APPROVED or obj.bill_rate is None or not shown(context, obj.project_id):
            return None
        return rate_text(obj.bill_rate)

    @staticmethod
    def resolve_bill_amount(obj: TimeEntry, context: Any) -> MoneyOut | None:
        if obj.status != EntryStatus.APPROVED:
            return None
        return money_shown(context, obj.project_id, obj.bill_amount_minor, obj.currency)

    @staticmethod
    def resolve_billed(obj: TimeEntry) -> bool:
        # Querysets of entries select_related("billing"), so this reads no row of its own.
        return getattr(obj, "billing", None) is not None


class WeekIn(Schema):
    week: date = Field(description="Any day of the week; the week starts on its Monday")
    person_id: Id | None = Field(None, description="Someone else's week (administrators only)")


class WeekCellIn(Schema):
    task_id: Id
    work_date: date
    minutes: int = Field(ge=0, le=24 * 60, description="The cell's total in minutes; 0 empties it")
    note: Note | None = None


class DecisionIn(Schema):
    entry_ids: EntryIds


class RejectIn(Schema):
    entry_ids: EntryIds
    reason: Reason


class WeekCellOut(Schema):
    work_date: date
    minutes: int
    status: str
    entry_ids: list[int]
    note: str
    rejection_reason: str
    editable: bool


class WeekRowOut(Schema):
    project_id: int
    project_code: str
    project_name: str
    task_id: int | None
    task_name: str
    cells: list[WeekCellOut]
    total: int


class WeekOut(Schema):
    monday: date
    days: list[date]
    rows: list[WeekRowOut]
    day_totals: list[int]
    total: int
    has_drafts: bool
