"""Schemas of time off (/time-off): a request, its decision, the list's filters."""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from margin.api.schemas.common import Id

TimeOffKindValue = Literal["vacation", "sick", "other"]
TimeOffStatusValue = Literal["requested", "approved", "rejected", "cancelled"]


class TimeOffFilter(Schema):
    mine: bool = Field(False, description="Only the caller's own time off")
    person_id: Id | None = None
    status: TimeOffStatusValue | None = None
    to_approve: bool = Field(False, description="Only requests waiting for the caller's decision")


class TimeOffIn(Schema):
    person_id: Id | None = Field(None, description="Whose time off (leave out: the caller's own)")
    kind: TimeOffKindValue = "vacation"
    first_day: date
    last_day: date
    minutes_per_day: int | None = Field(
        None, ge=1, le=24 * 60, description="Minutes off each working day (leave out: whole days)"
    )
    note: str = Field("", max_length=2000)


class TimeOffDecisionIn(Schema):
    note: str = Field("", max_length=2000, description="Why (shown to the requester)")


class TimeOffOut(Schema):
    id: int
    person_id: int
    person_name: str
    kind: TimeOffKindValue
    first_day: date
    last_day: date
    minutes_per_day: int | None = Field(description="Minutes off each working day; null: whole days")
    note: str
    status: TimeOffStatusValue
    requested_by_id: int | None
    requested_at: datetime
    decided_by_id: int | None
    decided_at: datetime | None
    decision_note: str
    can_decide: bool = Field(description="Whether the caller may approve or reject it now")
