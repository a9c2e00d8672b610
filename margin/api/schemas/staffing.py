"""Shapes of bookings, staffing requests, ranked candidates and staffing plans."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from margin.api.schemas.common import Id, Note

Percent = Field(None, ge=1, le=500, description="Share of capacity on each day (unit percent)")


class BookingFilter(Schema):
    person_id: Id | None = None
    project_id: Id | None = None
    role_id: Id | None = None
    kind: Literal["soft", "hard"] | None = None
    date_from: date | None = Field(None, alias="from", description="Bookings that end on or after this day")
    date_to: date | None = Field(None, alias="to", description="Bookings that begin on or before this day")


class BookingIn(Schema):
    project_id: Id
    person_id: Id | None = Field(None, description="The person booked; leave out to book a placeholder for a role")
    role_id: Id | None = Field(None, description="The role (a placeholder's, or the person's role on this project)")
    first_day: date
    last_day: date
    unit: Literal["hours", "percent"] = "hours"
    minutes_per_day: int | None = Field(None, ge=1, le=24 * 60, description="Minutes a working day (unit hours)")
    percent: int | None = Percent
    kind: Literal["soft", "hard"] = "soft"
    note: str = Field("", max_length=200)
    forced_reason: str = Field(
        "", max_length=1000, description="Why a hard booking may take the person over capacity (else 409 overbooked)"
    )


class BookingPatch(Schema):
    project_id: Id | None = None
    person_id: Id | None = None
    role_id: Id | None = None
    first_day: date | None = None
    last_day: date | None = None
    unit: Literal["hours", "percent"] | None = None
    minutes_per_day: int | None = Field(None, ge=1, le=24 * 60)
    percent: int | None = Percent
    kind: Literal["soft", "hard"] | None = None
    note: str | None = Field(None, max_length=200)
    forced_reason: str | None = Field(None, max_length=1000)


class BookingOut(Schema):
    id: int
    project_id: int
    person_id: int | None
    role_id: int | None
    placeholder: bool
    first_day: date
    last_day: date
    unit: str
    minutes_per_day: int | None
    percent: int | None
    kind: str
    forced_reason: str
    note: str
    request_id: int | None


class BookingSavedOut(BookingOut):
    warnings: list[str] = Field(description="What the booking does to the person's load (over capacity, no time)")


class RequestSkillIn(Schema):
    skill_id: Id
    min_level: int = Field(1, ge=1, le=5)


class StaffingRequestIn(Schema):
    project_id: Id
    role_id: Id | None = None
    first_day: date
    last_day: date
    minutes_per_day: int = Field(ge=1, le=24 * 60)
    priority: int = Field(2, ge=1, le=4, description="1 low, 2 normal, 3 high, 4 urgent")
    skills: list[RequestSkillIn] = Field(default_factory=list)
    note: Note = ""


class StaffingRequestFilter(Schema):
    status: Literal["open", "filled", "cancelled"] | None = None
    project_id: Id | None = None


class RequestSkillOut(Schema):
    skill_id: int
    skill: str
    min_level: int


class StaffingRequestOut(Schema):
    id: int
    project_id: int
    project: str
    role_id: int | None
    first_day: date
    last_day: date
    minutes_per_day: int
    priority: int
    status: str
    note: str
    skills: list[RequestSkillOut]


class StaffingFillIn(Schema):
    person_id: Id
    forced_reason: str = Field("", max_length=1000)


class CandidateReasonOut(Schema):
    part: str = Field(description="skills, availability, cost or utilisation")
    text: str
    good: bool


class CandidateOut(Schema):
    person_id: int
    name: str
    role: str
    same_company: bool = Field(description="Of the project's company (ranked first on an equal fit)")
    fit: int = Field(description="0–1000")
    free_minutes: int
    needed_minutes: int
    reasons: list[CandidateReasonOut] = Field(
        description="Why the fit is what it is; the cost reason (rates, margin) only for who sees the project's money"
    )


class CandidateListOut(Schema):
    request_id: int
    candidates: list[CandidateOut]
    explanation: str = Field(description="Why there is no candidate (empty when there are)")


class StaffingPlanIn(Schema):
    request_ids: list[Id] | None = Field(
        None, description="The open requests to staff; leave out for every open request of a project you staff"
    )


class StaffingPairOut(Schema):
    request_id: int
    person_id: int
    person: str
    project_id: int
    project: str
    first_day: date
    last_day: date
    minutes_per_day: int
    priority: int
    fit: int


class StaffingPlanOut(Schema):
    id: int
    status: str = Field(description="running, proposed, accepted, discarded or failed")
    created_at: datetime
    decided_at: datetime | None
    job_run_id: int | None
    progress: int
    request_ids: list[int]
    pairs: list[StaffingPairOut]
    unfilled: list[int]
    objective: int | None
    bound: int | None
    gap: float | None = Field(description="(bound − objective) / bound: 0 when proven optimal")
    optimal: bool | None
    error: str | None


class StaffingAcceptOut(Schema):
    plan: StaffingPlanOut
    booking_ids: list[int]
