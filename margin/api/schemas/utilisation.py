"""Shapes of utilisation, its targets, the forecast and the heatmap. Durations are minutes; percentages are
decimal strings with one decimal (null when there is nothing to divide by). Realisation is money: null for a
viewer who sees no money."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema

from margin.api.money import money_field
from margin.api.schemas.common import Id

Percent = Annotated[int, Field(ge=0, le=100, description="Whole percent of capacity, 0 to 100")]
Group = Literal["person", "role", "team", "company"]


class UtilisationQuery(Schema):
    group: Group = "person"
    date_from: date | None = Field(None, alias="from", description="First day (default: 1 January this year)")
    date_to: date | None = Field(None, alias="to", description="Last day (default: today)")


class UtilisationFiguresOut(Schema):
    key: int = Field(description="The person, role, line manager (team; 0: no line manager) or company id")
    label: str
    people: int
    capacity_minutes: int
    recorded_minutes: int = Field(description="Time entries not rejected (draft, submitted, approved)")
    billable_minutes: int = Field(description="Recorded entries marked billable (worked minutes)")
    target_minutes: int = Field(description="Capacity × each day's target, summed")
    of_capacity_pct: Decimal | None = Field(description="Billable hours of capacity")
    of_recorded_pct: Decimal | None = Field(description="Billable hours of recorded hours")
    target_pct: Decimal | None = Field(description="The capacity-weighted target")
    realisation_pct: Decimal | None = money_field(
        "Billed ÷ standard value of the period's time on issued invoices, over the projects whose money you see"
    )


class UtilisationOut(Schema):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    group: Group
    rows: list[UtilisationFiguresOut]
    total: UtilisationFiguresOut


class ForecastQuery(Schema):
    group: Group = "person"
    weeks: int = Field(12, ge=1, le=26)
    date_from: date | None = Field(None, alias="from", description="A day of the first week (default: this week)")


class ForecastWeekOut(Schema):
    week: date = Field(description="The week's Monday")
    capacity_minutes: int
    hard_minutes: int
    soft_minutes: int
    target_minutes: int
    hard_pct: Decimal | None = Field(description="Hard bookings of capacity")
    hard_and_soft_pct: Decimal | None = Field(description="Hard and soft bookings of capacity")
    bench_minutes: int = Field(description="Capacity nobody has booked")


class ForecastRowOut(Schema):
    key: int
    label: str
    weeks: list[ForecastWeekOut]


class ForecastOut(Schema):
    group: Group
    rows: list[ForecastRowOut]
    total: ForecastRowOut


class HeatmapQuery(Schema):
    date_from: date | None = Field(None, alias="from", description="A day of the first week (default: this week)")
    weeks: int = Field(12, ge=1, le=26)
    role_id: Id | None = None
    skill_id: Id | None = None
    min_level: int | None = Field(None, ge=1, le=5)
    company_id: Id | None = None
    project_id: Id | None = Field(None, description="People booked on this project in the window")


class HeatmapCellOut(Schema):
    week: date
    minutes: int = Field(description="Booked (hard and soft); in weeks already over, recorded")
    capacity_minutes: int
    percent: int | None
    level: Literal["off", "bench", "some", "full", "over"]
    past: bool


class HeatmapRowOut(Schema):
    person_id: int
    name: str
    role_id: int
    company_id: int
    load_pct: Decimal | None = Field(description="Bookings of capacity over the window's coming weeks")
    cells: list[HeatmapCellOut]


class HeatmapOut(Schema):
    weeks: list[date]
    rows: list[HeatmapRowOut]


class UtilisationTargetIn(Schema):
    person_id: Id | None = Field(None, description="A person's own target")
    role_id: Id | None = Field(None, description="A role's target (neither: the organisation's default)")
    valid_from: date
    percent: Percent


class UtilisationTargetPatch(Schema):
    valid_from: date | None = None
    percent: Percent | None = None


class UtilisationTargetOut(Schema):
    id: int
    person_id: int | None
    role_id: int | None
    valid_from: date
    percent: int
