"""The plan's text grammar (margin.projects.rules), tested without a database."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from margin.core.errors import Invalid
from margin.projects.rules import (
    LinkSpec,
    days_text,
    lag_text,
    parse_day,
    parse_days,
    parse_lag,
    parse_predecessors,
)


def test_texts_of_durations_and_lags() -> None:
    assert [days_text(m) for m in (0, 30, 240, 90, 480, 720, 2400)] == ["0d", "30m", "4h", "1.5h", "1d", "1.5d", "5d"]
    assert [parse_days(t, field="d") for t in ("5", "5d", "2.5 d", "4h", "30m", "1w", "3 days", "2,5d")] == [
        2400, 2400, 1200, 240, 30, 2400, 1440, 1200,
    ]  # fmt: skip
    assert parse_lag("-1d") == (-480, None) and parse_lag("+50%") == (0, 50) and parse_lag("") == (0, None)
    assert [lag_text("FS", 960, None), lag_text("SS", -240, None), lag_text("FF", 0, 50), lag_text("FS", 0, None)] == [
        "FS+2d", "SS-4h", "FF+50%", "FS",
    ]  # fmt: skip


@pytest.mark.parametrize("text", ["", "x", "-1d", "5q", "nan", "inf", "200000d"])
def test_a_duration_that_is_not_one_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_days(text, field="duration")
    assert refused.value.field == "duration"


def test_days_are_read_in_the_usual_ways() -> None:
    assert {parse_day(t, field="start") for t in ("2026-03-02", "2 Mar 2026", "March 2, 2026", "02.03.2026")} == {
        date(2026, 3, 2)
    }
    with pytest.raises(Invalid, match="not a date"):
        parse_day("next week", field="start")


def test_predecessors_are_read_as_ms_project_writes_them() -> None:
    numbers = {1: 101, 2: 102, 3: 103, 5: 105}
    assert parse_predecessors("3FS+2d, 5ss; 1 ff-50%, 2", numbers) == {
        103: LinkSpec("FS", 960, None),
        105: LinkSpec("SS", 0, None),
        101: LinkSpec("FF", 0, -50),
        102: LinkSpec("FS", 0, None),
    }
    assert parse_predecessors(" , ", numbers) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [("4", "no row 4"), ("3, 3SS", "given twice"), ("3XX", "not a predecessor"), ("3FS+2q", "not a duration")],
)
def test_bad_predecessors_are_refused(text: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        parse_predecessors(text, {3: 103})


@given(st.integers(min_value=0, max_value=10_000_000))
def test_a_shown_duration_reads_back_within_a_minute_a_day(minutes: int) -> None:
    back = parse_days(days_text(minutes), field="d")
    assert abs(back - minutes) <= max(1, minutes // 10_000 + 3)
