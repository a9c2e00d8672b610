"""Durations typed by people become integer minutes; weeks start on Monday."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from margin.core.periods import DurationError, format_minutes, hours, parse_duration, week_days, week_start


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1:30", 90),
        ("0:45", 45),
        ("12:05", 725),
        ("1.5", 90),
        ("1,5", 90),
        ("0.25", 15),
        ("0.1", 6),
        ("8", 480),
        ("1h30", 90),
        ("1h 30m", 90),
        ("1H30M", 90),
        ("2h", 120),
        ("90m", 90),
        ("90 min", 90),
        ("45min", 45),
        ("  1:30  ", 90),
        ("", 0),
        ("   ", 0),
    ],
)
def test_parse_duration_reads_what_people_type(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


def test_parse_duration_of_nothing_is_zero() -> None:
    assert parse_duration(None) == 0  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    ["abc", "1:60", "1:5", "1::30", "-1", "-1:30", "-0.5", "h", "m", "1h30x", "one hour", "NaN", "inf", "1e5", "1.5.2"],
)
def test_parse_duration_refuses_garbage_and_negatives(text: str) -> None:
    with pytest.raises(DurationError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(90, "1:30"), (5, "0:05"), (60, "1:00"), (1440, "24:00"), (6001, "100:01"), (-90, "-1:30"), (0, ""), (None, "")],
)
def test_format_minutes(minutes: int | None, text: str) -> None:
    assert format_minutes(minutes) == text


@given(st.integers(min_value=1, max_value=999 * 60 + 59))
def test_formatted_minutes_parse_back(minutes: int) -> None:
    assert parse_duration(format_minutes(minutes)) == minutes


@given(st.integers(min_value=0, max_value=10_000 * 60))
def test_decimal_hours_parse_to_the_nearest_minute(minutes: int) -> None:
    assert parse_duration(str(hours(minutes))[:12]) in (minutes, minutes - 1, minutes + 1)
    assert parse_duration(str(hours(minutes)).replace(".", ",")[:12]) in (minutes, minutes - 1, minutes + 1)


def test_hours_are_exact() -> None:
    assert hours(90) == Decimal("1.5")
    assert hours(1) * 60 == 1


def test_week_start_is_the_monday_of_the_iso_week() -> None:
    monday = date(2026, 3, 2)
    for offset in range(7):
        assert week_start(monday + timedelta(days=offset)) == monday
    assert week_start(monday - timedelta(days=1)) == date(2026, 2, 23)
    assert week_start(date(2027, 1, 1)) == date(2026, 12, 28)  # across the year boundary


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_week_start_property(day: date) -> None:
    monday = week_start(day)
    assert monday.weekday() == 0
    assert 0 <= (day - monday).days < 7
    assert day in week_days(monday)


def test_week_days() -> None:
    days = week_days(date(2026, 3, 2))
    assert len(days) == 7
    assert days[0] == date(2026, 3, 2) and days[-1] == date(2026, 3, 8)


def test_month_ends_run_from_the_first_day_s_month_to_the_last_complete_one() -> None:
    from datetime import date

    from margin.core.periods import month_end, month_ends

    assert month_end(date(2024, 2, 10)) == date(2024, 2, 29)
    assert month_ends(date(2025, 11, 15), date(2026, 2, 27)) == [
        date(2025, 11, 30),
        date(2025, 12, 31),
        date(2026, 1, 31),
    ]
    assert month_ends(date(2026, 3, 1), date(2026, 3, 30)) == []
