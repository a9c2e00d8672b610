"""Baselines: the 11-slot limit, capture, and variance of the current plan against a baseline. No database."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from margin.core.errors import Conflict, Invalid
from margin.scheduling.baselines import (
    MAX_BASELINES,
    BaselineError,
    BaselineSlotTaken,
    baseline_capture,
    baseline_name,
    baseline_slot,
    variance,
)
from margin.scheduling.calendars import Calendar, CalendarSpec, standard_calendar
from margin.scheduling.cpm import schedule
from margin.scheduling.network import Link, Network, Task

CAL = standard_calendar("std", years=range(2026, 2027))
START = datetime(2026, 3, 2, 9)
DAY = 480


def test_names_follow_ms_project() -> None:
    assert MAX_BASELINES == 11
    assert [baseline_name(i) for i in (0, 1, 10)] == ["Baseline", "Baseline1", "Baseline10"]
    with pytest.raises(BaselineError, match="numbered 0 to 10"):
        baseline_name(11)


def test_the_slot_of_a_new_baseline_and_the_limit_of_eleven() -> None:
    assert baseline_slot([]) == 0
    assert baseline_slot([0, 1, 3]) == 2
    assert baseline_slot(range(10)) == 10
    with pytest.raises(BaselineError, match="All 11 baselines") as full:
        baseline_slot(range(11))
    assert isinstance(full.value, Invalid)
    assert baseline_slot([0, 1], 5) == 5
    with pytest.raises(BaselineSlotTaken, match="Baseline1 is already saved") as taken:
        baseline_slot([0, 1], 1)
    assert isinstance(taken.value, Conflict) and taken.value.status == 409
    assert baseline_slot([0, 1], 1, overwrite=True) == 1
    assert baseline_slot(range(11), 4, overwrite=True) == 4  # overwriting is always possible
    for bad in (-1, 11, "2"):
        with pytest.raises(BaselineError):
            baseline_slot([], bad)  # type: ignore[arg-type]
    with pytest.raises(BaselineError):
        baseline_slot([12])


def _plan(a_days: int = 2, extra: bool = False) -> Network:
    tasks = [
        Task("P", "Phase"),
        Task("A", "Design", a_days * DAY, parent="P", work=a_days * DAY, cost=a_days * 40_000),
        Task("B", "Build", 3 * DAY, parent="P", work=3 * DAY, cost=90_000),
        Task("C", "Review", DAY, work=DAY, cost=10_000, calendar="lea"),
    ]
    if extra:
        tasks.append(Task("N", "New work", DAY))
    mornings = dict.fromkeys(range(5), ((540, 780),))  # Lea works 09–13 Mon–Fri: her days are 240 minutes
    lea = Calendar(CalendarSpec(id="lea", parent=CAL.spec, week=mornings, minutes_per_day=240))
    return Network(tasks=tasks, links=[Link("A", "B"), Link("B", "C")], calendar=CAL, calendars={"lea": lea})


def test_capture_freezes_dates_work_and_cost() -> None:
    s = schedule(_plan(), START)
    b = baseline_capture(s, index=3, saved_at=datetime(2026, 3, 1, 12))
    assert (b.index, b.name) == (3, "Baseline3")
    a = b.tasks["A"]
    assert (a.start, a.finish, a.duration, a.work, a.cost) == (START, datetime(2026, 3, 3, 18), 960, 960, 80_000)
    assert (a.parent, a.summary, b.tasks["P"].summary) == ("P", False, True)
    assert b.tasks["C"].calendar == "lea"
    assert (b.work, b.cost) == (6 * DAY, 180_000)
    assert (b.start, b.finish) == (START, s.project_finish)
    with pytest.raises(TypeError):
        b.tasks["A"] = a  # type: ignore[index]
    assert baseline_capture(s, index=0, name="Signed off").name == "Signed off"
    with pytest.raises(BaselineError):
        baseline_capture(s, index=11)


def test_variance_after_a_slip() -> None:
    base = baseline_capture(schedule(_plan(), START))
    now = schedule(_plan(a_days=3, extra=True), START)  # Design takes a day longer; a task was added
    v = variance(now, base)
    a, bb, c, p = v.tasks["A"], v.tasks["B"], v.tasks["C"], v.tasks["P"]
    assert (a.start, a.finish, a.duration, a.work, a.cost) == (0, DAY, DAY, DAY, 40_000)
    assert (a.start_days, a.finish_days, a.duration_days) == (Decimal("0.00"), Decimal("1.00"), Decimal("1.00"))
    assert (bb.start, bb.finish, bb.duration, bb.cost) == (DAY, DAY, 0, 0)
    # Review is on Lea's calendar: the slip is 240 of her working minutes, one of her days.
    assert (c.start, c.finish) == (240, 240)
    assert (c.start_days, c.finish_days) == (Decimal("1.00"), Decimal("1.00"))
    assert (p.finish, p.duration, p.cost) == (DAY, DAY, 40_000)
    assert v.added == ("N",) and v.removed == ()
    assert v.project.task is None
    # The project ends Wednesday 13:00 instead of Tuesday 13:00: one day on the project calendar.
    assert (v.project.finish, v.project.cost, v.project.work) == (DAY, 40_000, DAY)
    assert v.baseline == "Baseline"


def test_variance_lists_removed_tasks_and_early_work() -> None:
    base = baseline_capture(schedule(_plan(a_days=3, extra=True), START))
    v = variance(schedule(_plan(), START), base)
    assert v.removed == ("N",)
    assert v.tasks["B"].start == -DAY and v.tasks["B"].start_days == Decimal("-1.00")
