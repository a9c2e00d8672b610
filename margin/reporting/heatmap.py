"""The resource heatmap: people × weeks, each cell a person's load that week as a share of their capacity.

- Weeks from this one on: bookings, hard and soft, ÷ capacity (:func:`margin.resourcing.queries.booked_by_week`,
  prefix sums over the one capacity, never a booking walked day by day).
- Weeks already over: the time recorded (entries not rejected, as utilisation counts it) ÷ capacity, from one
  grouped query of the time entries with a column per week.
- Over 100 % is over-allocated (red); under 50 % is the bench (pale); a week without capacity (holiday, time off,
  not employed) shows no figure.

Filters narrow the people, never their load: a role, a skill (any level, or at least ``min_level``), a company,
and a project (the people booked on it in the window). A row also carries the person's load over the coming weeks
of the window (the forecast utilisation the heatmap changes when a booking moves).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from margin.accounts.queries import Viewer
from margin.core.errors import Invalid, NotFound
from margin.resourcing.capacity import capacity_by_day, days_between
from margin.resourcing.models import Booking, BookingKind, PersonSkill
from margin.resourcing.queries import booked_by_week, monday_of
from margin.resourcing.rules import booked_minutes
from margin.timesheets.models import EntryStatus, TimeEntry

from .utilisation import Member, pct, people_in_scope

DEFAULT_WEEKS = 12
MAX_WEEKS = 26
OVER = 100
BENCH = 50
FULL = 85


@dataclass(frozen=True, slots=True)
class Cell:
    minutes: int
    capacity: int
    past: bool

    @property
    def percent(self) -> int | None:
        if self.capacity <= 0:
            return None
        return round(100 * self.minutes / self.capacity)

    @property
    def level(self) -> str:
        """off (no capacity), bench (< 50 %), some (< 85 %), full (≤ 100 %) or over."""
        p = self.percent
        if p is None:
            return "over" if self.minutes > 0 else "off"
        if p > OVER:
            return "over"
        if p >= FULL:
            return "full"
        if p >= BENCH:
            return "some"
        return "bench"

    @property
    def hours(self) -> str:
        return f"{self.minutes / 60:.0f}"

    @property
    def capacity_hours(self) -> str:
        return f"{self.capacity / 60:.0f}"


@dataclass(frozen=True, slots=True)
class Bar:
    """A booking as a bar over the window: day offsets from the window's first day (clipped)."""

    id: int
    project_id: int
    project: str
    first_day: date
    last_day: date
    hard: bool
    load: str  # "6 h/day" or "50 %"
    start: int
    span: int
    minutes_per_day: int | None
    percent: int | None


@dataclass
class HeatRow:
    member: Member
    cells: list[Cell]
    bars: list[Bar] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.member.id

    @property
    def coming(self) -> tuple[int, int]:
        minutes = sum(c.minutes for c in self.cells if not c.past)
        capacity = sum(c.capacity for c in self.cells if not c.past)
        return minutes, capacity

    @property
    def load_pct(self) -> Any:
        minutes, capacity = self.coming
        return pct(minutes, capacity)

    @property
    def over_weeks(self) -> int:
        return sum(1 for c in self.cells if c.level == "over")


@dataclass(frozen=True)
class Heatmap:
    weeks: list[date]
    this_week: date
    rows: list[HeatRow]

    @property
    def days(self) -> int:
        return 7 * len(self.weeks)


def check_window(weeks: int) -> None:
    if type(weeks) is not int or not 1 <= weeks <= MAX_WEEKS:
        raise Invalid(f"Show 1 to {MAX_WEEKS} weeks.", field="weeks")


def _members(
    viewer: Viewer,
    *,
    first: date,
    last: date,
    role_id: int | None,
    skill_id: int | None,
    min_level: int | None,
    company_id: int | None,
    project_id: int | None,
    person_ids: Iterable[int] | None,
) -> list[Member]:
    members = people_in_scope(viewer, person_ids=person_ids)
    if role_id:
        members = [m for m in members if m.role_id == role_id]
    if company_id:
        members = [m for m in members if m.company_id == company_id]
    if skill_id:
        holders = PersonSkill.objects.filter(skill_id=skill_id, organisation_id=viewer.organisation_id)
        if min_level:
            holders = holders.filter(level__gte=min_level)
        having = set(holders.values_list("person_id", flat=True))
        members = [m for m in members if m.id in having]
    if project_id:
        booked = set(
            Booking.objects.filter(
                project_id=project_id,
                organisation_id=viewer.organisation_id,
                person__isnull=False,
                first_day__lte=last,
                last_day__gte=first,
            ).values_list("person_id", flat=True)
        )
        members = [m for m in members if m.id in booked]
    return members


def _recorded_by_week(ids: list[int], weeks: list[date]) -> dict[int, list[int]]:
    """Minutes recorded (entries not rejected) per person and week: one grouped scan, a column per week."""
    if not ids or not weeks:
        return {}
    aggregates = {
        f"w{i}": Sum("minutes", filter=Q(work_date__gte=w, work_date__lte=w + timedelta(days=6)))
        for i, w in enumerate(weeks)
    }
    rows: Iterable[Mapping[str, Any]] = (
        TimeEntry.objects.filter(
            person_id__in=ids, work_date__gte=weeks[0], work_date__lte=weeks[-1] + timedelta(days=6)
        )
        .exclude(status=EntryStatus.REJECTED)
        .values("person_id")
        .annotate(**aggregates)
        .order_by()
    )
    return {r["person_id"]: [int(r[f"w{i}"] or 0) for i in range(len(weeks))] for r in rows}


def _bars(ids: list[int], first: date, last: date) -> dict[int, list[Bar]]:
    out: dict[int, list[Bar]] = {}
    rows = (
        Booking.objects.filter(person_id__in=ids, first_day__lte=last, last_day__gte=first)
        .order_by("first_day", "id")
        .values_list(
            "id",
            "person_id",
            "project_id",
            "project__code",
            "project__name",
            "first_day",
            "last_day",
            "kind",
            "minutes_per_day",
            "percent",
        )
    )
    for pk, person_id, project_id, code, name, a, b, kind, minutes, percent in rows:
        load = f"{percent} %" if percent is not None else f"{(minutes or 0) / 60:g} h/day"
        start = (max(a, first) - first).days
        span = (min(b, last) - max(a, first)).days + 1
        label = f"{code} {name}".strip() if code else name
        out.setdefault(person_id, []).append(
            Bar(pk, project_id, label, a, b, kind == BookingKind.HARD, load, start, span, minutes, percent)
        )
    return out


def heatmap(
    viewer: Viewer,
    *,
    first_monday: date | None = None,
    weeks: int = DEFAULT_WEEKS,
    role_id: int | None = None,
    skill_id: int | None = None,
    min_level: int | None = None,
    company_id: int | None = None,
    project_id: int | None = None,
    person_ids: Iterable[int] | None = None,
    with_bars: bool = False,
) -> Heatmap:
    """The heatmap of the viewer's people (filtered) for ``weeks`` weeks from ``first_monday`` (this week's
    Monday by default). ``with_bars`` adds each person's bookings as bars (the expanded rows)."""
    check_window(weeks)
    this_week = monday_of(timezone.localdate())
    start = monday_of(first_monday or this_week)
    starts = [start + timedelta(days=7 * i) for i in range(weeks)]
    last = start + timedelta(days=7 * weeks - 1)
    members = _members(
        viewer,
        first=start,
        last=last,
        role_id=role_id,
        skill_id=skill_id,
        min_level=min_level,
        company_id=company_id,
        project_id=project_id,
        person_ids=person_ids,
    )
    ids = [m.id for m in members]
    caps = capacity_by_day(ids, days_between(start, last)) if ids else {}
    loads = booked_by_week(ids, start, weeks, capacity=caps) if ids else {}
    past = [w for w in starts if w < this_week]
    recorded = _recorded_by_week(ids, past)
    bars = _bars(ids, start, last) if with_bars and ids else {}
    rows = []
    for m in members:
        load = loads.get(m.id)
        if load is None:
            continue
        done = recorded.get(m.id)
        cells = []
        for i, w in enumerate(starts):
            if w < this_week:
                cells.append(Cell(done[i] if done else 0, load.capacity[i], True))
            else:
                cells.append(Cell(load.hard[i] + load.soft[i], load.capacity[i], False))
        rows.append(HeatRow(m, cells, bars.get(m.id, [])))
    return Heatmap(starts, this_week, rows)


@dataclass(frozen=True)
class WeekBooking:
    id: int
    project: str
    first_day: date
    last_day: date
    hard: bool
    load: str
    minutes: int


def person_week(viewer: Viewer, *, person_id: int, monday: date) -> tuple[Member, Cell, list[WeekBooking]]:
    """One heatmap cell opened: the person's load that week and the bookings that make it."""
    members = people_in_scope(viewer, person_ids=[person_id])
    if not members:
        raise NotFound("No such person.")
    monday = monday_of(monday)
    days = days_between(monday, monday + timedelta(days=6))
    cap = capacity_by_day([person_id], days).get(person_id, [0] * 7)
    out = []
    total = 0
    for bar in _bars([person_id], days[0], days[-1]).get(person_id, []):
        minutes = sum(
            booked_minutes(minutes_per_day=bar.minutes_per_day, percent=bar.percent, capacity=c)
            for c, d in zip(cap, days, strict=True)
            if bar.first_day <= d <= bar.last_day
        )
        total += minutes
        out.append(WeekBooking(bar.id, bar.project, bar.first_day, bar.last_day, bar.hard, bar.load, minutes))
    return members[0], Cell(total, sum(cap), False), out
