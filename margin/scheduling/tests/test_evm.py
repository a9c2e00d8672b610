"""Earned value from a baseline, % complete and actual cost at a status date. Figures worked out by hand in
the comments. No database."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from margin.scheduling.baselines import Baseline, BaselineTask, baseline_capture
from margin.scheduling.calendars import standard_calendar
from margin.scheduling.cpm import schedule
from margin.scheduling.evm import (
    EarnedValueError,
    earned_value,
    figures,
    planned_value,
    planned_value_curve,
)
from margin.scheduling.network import Link, Network, Task

CAL = standard_calendar("std", country="US", years=range(2026, 2027))
START = datetime(2026, 3, 2, 9)
DAY = 480


def _baseline() -> Baseline:
    # Phase P: A (5 days, Mon 2–Fri 6 March, $100.00) then B (5 days, 9–13 March, $200.00); a milestone M
    # after B carrying $10.00 (a sign-off fee).
    network = Network(
        tasks=[
            Task("P", "Phase"),
            Task("A", "Design", 5 * DAY, parent="P", cost=10_000),
            Task("B", "Build", 5 * DAY, parent="P", cost=20_000),
            Task("M", "Sign-off", 0, cost=1_000),
        ],
        links=[Link("A", "B"), Link("B", "M")],
        calendar=CAL,
    )
    return baseline_capture(schedule(network, START))


def test_earned_value_per_task_summary_and_project() -> None:
    report = earned_value(
        _baseline(),
        status_date=date(2026, 3, 4),  # the end of Wednesday: 3 of A's 5 days planned
        percent_complete={"A": 50},
        actual_cost={"A": 7_000},
        calendar=CAL,
    )
    a = report.tasks["A"]
    # BAC 10,000; PV = 10,000 × 3/5 = 6,000; EV = 10,000 × 50 % = 5,000; AC 7,000.
    assert (a.bac, a.pv, a.ev, a.ac, a.sv, a.cv) == (10_000, 6_000, 5_000, 7_000, -1_000, -2_000)
    # SPI = 5,000 / 6,000; CPI = 5,000 / 7,000; EAC = 10,000 / CPI = 14,000; ETC = 7,000; VAC = -4,000;
    # TCPI = (10,000 - 5,000) / (10,000 - 7,000).
    assert (a.spi, a.cpi) == (Decimal("0.8333"), Decimal("0.7143"))
    assert (a.eac, a.etc, a.vac, a.tcpi) == (14_000, 7_000, -4_000, Decimal("1.6667"))
    b = report.tasks["B"]
    assert (b.pv, b.ev, b.ac, b.spi, b.cpi, b.eac, b.etc, b.vac) == (0, 0, 0, None, None, None, None, None)
    assert b.tcpi == Decimal("1.0000")
    p = report.tasks["P"]  # the phase: A + B
    assert (p.bac, p.pv, p.ev, p.ac) == (30_000, 6_000, 5_000, 7_000)
    assert (p.eac, p.tcpi) == (42_000, Decimal("1.0870"))  # 30,000 × 7,000 / 5,000; 25,000 / 23,000
    whole = report.project
    assert whole.task is None
    assert (whole.bac, whole.pv, whole.ev, whole.ac) == (31_000, 6_000, 5_000, 7_000)
    assert (whole.spi, whole.cpi, whole.eac, whole.etc, whole.vac) == (
        Decimal("0.8333"), Decimal("0.7143"), 43_400, 36_400, -12_400,
    )  # fmt: skip
    assert report.status_date == datetime(2026, 3, 5)
    for value in (whole.bac, whole.pv, whole.ev, whole.ac, whole.sv, whole.cv, whole.eac, whole.etc, whole.vac):
        assert type(value) is int


def test_planned_value_is_spread_over_working_time() -> None:
    base = _baseline()
    a, m = base.tasks["A"], base.tasks["M"]
    assert planned_value(a, datetime(2026, 3, 2, 9), CAL) == 0
    assert planned_value(a, datetime(2026, 3, 2, 13), CAL) == 1_000  # 240 of 2,400 minutes
    assert planned_value(a, datetime(2026, 3, 2, 13, 45), CAL) == 1_000  # lunch earns nothing
    assert planned_value(a, datetime(2026, 3, 7, 12), CAL) == 10_000  # Saturday: all of it
    assert planned_value(a, date(2026, 2, 27), CAL) == 0
    # The milestone's value is planned at its date (Friday 13 March 18:00).
    assert planned_value(m, datetime(2026, 3, 13, 17, 59), CAL) == 0
    assert planned_value(m, datetime(2026, 3, 13, 18), CAL) == 1_000
    # Rounded half up to a minor unit: 1,000 over 3 days, one day in: 333.33 → 333; two: 666.67 → 667.
    odd = BaselineTask("X", START, datetime(2026, 3, 4, 18), 3 * DAY, 0, 1_000, "std")
    assert [planned_value(odd, date(2026, 3, d), CAL) for d in (2, 3, 4)] == [333, 667, 1_000]
    # Holidays are not working time: 25 Dec 2026 is a Friday off in the US.
    xmas = BaselineTask("Y", datetime(2026, 12, 24, 9), datetime(2026, 12, 28, 18), 2 * DAY, 0, 2_000, "std")
    assert planned_value(xmas, date(2026, 12, 25), CAL) == 1_000


def test_the_planned_value_curve() -> None:
    curve = planned_value_curve(_baseline(), [date(2026, 3, 2), date(2026, 3, 6), date(2026, 3, 13)], calendar=CAL)
    assert curve == [(date(2026, 3, 2), 2_000), (date(2026, 3, 6), 10_000), (date(2026, 3, 13), 31_000)]


def test_divisions_by_zero_give_none() -> None:
    zero = figures(0, 0, 0, 0)
    assert (zero.spi, zero.cpi, zero.eac, zero.etc, zero.vac, zero.tcpi) == (None, None, None, None, None, None)
    no_earned = figures(1_000, 500, 0, 300)  # money spent, nothing earned: CPI 0, no EAC
    assert (no_earned.cpi, no_earned.eac, no_earned.spi) == (Decimal("0.0000"), None, Decimal("0.0000"))
    over = figures(1_000, 1_000, 900, 1_000)  # the budget is spent: TCPI undefined
    assert over.tcpi is None and over.eac == 1_111


def test_unplanned_cost_counts_and_bad_progress_is_refused() -> None:
    report = earned_value(
        _baseline(), status_date=date(2026, 3, 20), percent_complete={"A": 100, "B": 100},
        actual_cost={"A": 10_000, "B": 20_000, "extra": 500}, calendar=CAL,
    )  # fmt: skip
    extra = report.tasks["extra"]
    assert (extra.bac, extra.ev, extra.ac, extra.cv) == (0, 0, 500, -500)
    assert (report.project.ac, report.project.ev, report.project.pv) == (30_500, 30_000, 31_000)
    with pytest.raises(EarnedValueError, match="between 0 and 100"):
        earned_value(_baseline(), status_date=START, percent_complete={"A": 101}, actual_cost={}, calendar=CAL)
    other = standard_calendar("other")
    with pytest.raises(EarnedValueError, match="calendar 'std'"):
        earned_value(_baseline(), status_date=START, percent_complete={}, actual_cost={}, calendar=other)
