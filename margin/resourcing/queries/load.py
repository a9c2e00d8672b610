"""Bookings summed per person and week: the heatmap's and the forecast's read, set-based.

:func:`margin.resourcing.queries.booked_by_day` walks every booking day by day; for 500 people, 26 weeks and
thousands of bookings that is millions of steps. Here each person's capacity is read once for the window
(:func:`margin.resourcing.capacity.capacity_by_day`, the one capacity) and turned into prefix sums, so a booking's
minutes in a week are one subtraction: hours-per-day bookings count the working days (capacity > 0) of the
overlap, percentage bookings sum ``capacity × percent // 100`` over it (a prefix per person and percentage, so the
figures equal :func:`booked_by_day`'s to the minute).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from django.db import connection

from margin.resourcing.capacity import capacity_by_day, days_between
from margin.resourcing.models import Booking, BookingKind

DAYS_A_WEEK = 7


@dataclass(frozen=True, slots=True)
class WeekLoad:
    """One person's minutes per week: capacity, hard (confirmed) and soft (tentative) bookings."""

    capacity: list[int]
    hard: list[int]
    soft: list[int]

    @property
    def total(self) -> list[int]:
        return [h + s for h, s in zip(self.hard, self.soft, strict=True)]


def week_starts(first_monday: date, weeks: int) -> list[date]:
    return [first_monday + timedelta(days=DAYS_A_WEEK * i) for i in range(weeks)]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _prefix(values: Iterable[int]) -> list[int]:
    return [0, *accumulate(values)]


def booked_by_week(
    person_ids: Iterable[int],
    first_monday: date,
    weeks: int,
    *,
    project_id: int | None = None,
    capacity: dict[int, list[int]] | None = None,
) -> dict[int, WeekLoad]:
    """Each person's capacity and bookings per week for ``weeks`` weeks from ``first_monday``. ``project_id``
    counts only that project's bookings (capacity stays whole); ``capacity`` passes daily capacity already read
    for exactly these days."""
    ids = set(person_ids)
    days = days_between(first_monday, first_monday + timedelta(days=DAYS_A_WEEK * weeks - 1))
    caps = capacity if capacity is not None else capacity_by_day(ids, days)
    n = len(days)
    out: dict[int, WeekLoad] = {}
    cap_prefix: dict[int, list[int]] = {}
    working_prefix: dict[int, list[int]] = {}
    for pk, per_day in caps.items():
        if pk not in ids:
            continue
        cap_prefix[pk] = _prefix(per_day)
        working_prefix[pk] = _prefix(1 if c > 0 else 0 for c in per_day)
        week_caps = [
            cap_prefix[pk][min(n, (w + 1) * DAYS_A_WEEK)] - cap_prefix[pk][w * DAYS_A_WEEK] for w in range(weeks)
        ]
        out[pk] = WeekLoad(week_caps, [0] * weeks, [0] * weeks)
    if not out:
        return out
    first, last = days[0], days[-1]
    rows = Booking.objects.filter(person_id__in=list(out), first_day__lte=last, last_day__gte=first)
    if project_id is not None:
        rows = rows.filter(project_id=project_id)
    percent_prefix: dict[tuple[int, int], list[int]] = {}
    # The rows straight from the cursor: Django's per-value converters cost more than the arithmetic below for
    # 20,000 bookings (SQLite answers dates as ISO text, PostgreSQL as dates).
    sql, params = (
        rows.values_list("person_id", "first_day", "last_day", "minutes_per_day", "percent", "kind")
        .order_by()
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    hard_kind = str(BookingKind.HARD)
    for person_id, first_raw, last_raw, minutes, percent, kind in fetched:
        first_day = first_raw if isinstance(first_raw, date) else date.fromisoformat(first_raw)
        last_day = last_raw if isinstance(last_raw, date) else date.fromisoformat(last_raw)
        lo = (max(first_day, first) - first).days
        hi = (min(last_day, last) - first).days + 1  # exclusive
        load = out[person_id]
        target = load.hard if kind == hard_kind else load.soft
        if percent is not None:
            key = (person_id, percent)
            prefix = percent_prefix.get(key)
            if prefix is None:
                prefix = percent_prefix[key] = _prefix(c * percent // 100 for c in caps[person_id])
        else:
            prefix = working_prefix[person_id]
        scale = 1 if percent is not None else (minutes or 0)
        week = lo // DAYS_A_WEEK
        while week * DAYS_A_WEEK < hi:
            a = max(lo, week * DAYS_A_WEEK)
            b = min(hi, (week + 1) * DAYS_A_WEEK)
            target[week] += (prefix[b] - prefix[a]) * scale
            week += 1
    return out
