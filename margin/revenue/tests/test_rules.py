"""Recognition arithmetic against published worked examples, to the cent (amounts in minor units)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from margin.revenue.rules import (
    CATCH_UP,
    COST_TO_COST,
    DELIVERED,
    HOURS,
    MILESTONES,
    ON_COMPLETION,
    PROSPECTIVE,
    STRAIGHT_LINE,
    LineInputs,
    Modification,
    recognise,
    round_half_up,
)

DAY = date(2026, 12, 31)


def _cents(dollars: int) -> int:
    return dollars * 100


def test_cost_to_cost_hamilton_construction() -> None:
    """Kieso, Weygandt & Warfield, Intermediate Accounting, exercise "Hamilton Construction Company": price
    $2,200,000; 2014 costs $640,000 with $960,000 to complete, billed $420,000; 2015 costs $1,425,000 more, done,
    billed $1,680,000 more. Revenue 2014 $880,000 (40 %), 2015 $1,320,000; at the end of 2014 the costs and
    recognised profit exceed billings by $460,000 (a contract asset)."""
    price = _cents(2_200_000)
    first = recognise(
        LineInputs(
            COST_TO_COST,
            date(2014, 12, 31),
            price_minor=price,
            billed_minor=_cents(420_000),
            cost_to_date_minor=_cents(640_000),
            estimated_cost_minor=_cents(1_600_000),
        )
    )
    assert first.progress == Fraction(2, 5) and first.recognised_minor == _cents(880_000)
    assert (first.contract_asset_minor, first.contract_liability_minor) == (_cents(460_000), 0)
    assert first.backlog_minor == _cents(1_320_000) and first.loss_provision_minor == 0
    second = recognise(
        LineInputs(
            COST_TO_COST,
            date(2015, 12, 31),
            price_minor=price,
            billed_minor=_cents(2_100_000),
            cost_to_date_minor=_cents(2_065_000),
            estimated_cost_minor=_cents(2_065_000),
        )
    )
    assert second.recognised_minor - first.recognised_minor == _cents(1_320_000)
    assert second.contract_asset_minor == _cents(100_000) and second.backlog_minor == 0


def test_cost_to_cost_howard_construction_with_a_catch_up() -> None:
    """Kieso et al., exercise "Howard Construction Co.": a $3,000,000 bridge; 2004 costs $990,000 with $810,000 to
    complete: 55 %, revenue $1,650,000; billed $1,000,000. 2005 costs $825,000 more and done: gross profit 2005 =
    $3,000,000 − $1,815,000 − $660,000 = $525,000 (revenue $1,350,000 − cost $825,000)."""
    price = _cents(3_000_000)
    y1 = recognise(
        LineInputs(
            COST_TO_COST,
            DAY,
            price_minor=price,
            billed_minor=_cents(1_000_000),
            cost_to_date_minor=_cents(990_000),
            estimated_cost_minor=_cents(1_800_000),
        )
    )
    assert y1.recognised_minor == _cents(1_650_000) and y1.contract_asset_minor == _cents(650_000)
    y2 = recognise(
        LineInputs(
            COST_TO_COST,
            DAY,
            price_minor=price,
            cost_to_date_minor=_cents(1_815_000),
            estimated_cost_minor=_cents(1_815_000),
        )
    )
    assert (y2.recognised_minor - y1.recognised_minor) - _cents(825_000) == _cents(525_000)


def test_a_loss_contract_books_the_whole_loss_at_once_suncoast() -> None:
    """Spiceland, Nelson & Thomas, Intermediate Accounting, illustration "Suncoast": price $900,000; 2017 costs
    $380,000 with $570,000 to come: an expected loss of $50,000, 40 % complete, revenue $360,000, construction
    expense $410,000 — the cost incurred plus $30,000 of the loss on the work still to do, so the whole $50,000
    is recognised in 2017."""
    result = recognise(
        LineInputs(
            COST_TO_COST,
            DAY,
            price_minor=_cents(900_000),
            cost_to_date_minor=_cents(380_000),
            estimated_cost_minor=_cents(950_000),
        )
    )
    assert result.progress == Fraction(2, 5) and result.recognised_minor == _cents(360_000)
    assert result.expected_loss_minor == _cents(50_000) and result.loss_provision_minor == _cents(30_000)
    assert _cents(380_000) + result.loss_provision_minor - result.recognised_minor == _cents(50_000)
    done = recognise(
        LineInputs(
            COST_TO_COST,
            DAY,
            price_minor=_cents(900_000),
            cost_to_date_minor=_cents(950_000),
            estimated_cost_minor=_cents(950_000),
        )
    )
    assert done.loss_provision_minor == 0  # released as it was used


def test_on_completion_arrow_construction_projected_loss() -> None:
    """Spiceland et al., exercise 5-14 "Arrow Construction" (completed-contract method): price $8,000,000. 2013
    costs $2,000,000, $4,000,000 to come: nothing recognised. 2014 costs $2,500,000 more, $3,600,000 to come: a
    projected loss of $100,000, recognised at once. 2015 costs $3,800,000 more: revenue $8,000,000 at completion."""
    price = _cents(8_000_000)
    y1 = recognise(
        LineInputs(
            ON_COMPLETION,
            DAY,
            price_minor=price,
            cost_to_date_minor=_cents(2_000_000),
            estimated_cost_minor=_cents(6_000_000),
        )
    )
    assert (y1.recognised_minor, y1.loss_provision_minor) == (0, 0)
    y2 = recognise(
        LineInputs(
            ON_COMPLETION,
            DAY,
            price_minor=price,
            cost_to_date_minor=_cents(4_500_000),
            estimated_cost_minor=_cents(8_100_000),
        )
    )
    assert (y2.recognised_minor, y2.loss_provision_minor) == (0, _cents(100_000))
    y3 = recognise(
        LineInputs(
            ON_COMPLETION,
            DAY,
            price_minor=price,
            completed=True,
            cost_to_date_minor=_cents(8_300_000),
            estimated_cost_minor=_cents(8_300_000),
        )
    )
    assert (y3.recognised_minor, y3.loss_provision_minor) == (price, 0)


def test_hours_to_hours_efforts_expended() -> None:
    """CCIFP (Certified Construction Industry Financial Professional) practice question on the efforts-expended
    method: 4,000 of an estimated 10,000 labour hours is 40 % complete, that share of the contract value."""
    result = recognise(
        LineInputs(HOURS, DAY, price_minor=_cents(250_000), minutes_to_date=4_000 * 60, estimated_minutes=10_000 * 60)
    )
    assert result.progress == Fraction(2, 5) and result.recognised_minor == _cents(100_000)


def test_milestones_reached_share_of_the_price() -> None:
    """IFRS 15 §B15 (output methods: milestones reached): two of three milestones worth €30,000, €50,000 and €20,000
    reached is €80,000 of €100,000, 80 %."""
    result = recognise(
        LineInputs(
            MILESTONES,
            DAY,
            price_minor=_cents(100_000),
            milestones_done_minor=_cents(80_000),
            milestones_total_minor=_cents(100_000),
        )
    )
    assert result.progress == Fraction(4, 5) and result.recognised_minor == _cents(80_000)


def test_straight_line_prorated_by_day() -> None:
    """IFRS 15 §B14 and ASC 606-10-55-16 (time elapsed): a €12,000.00 service from 1 January to 31 December 2026
    has earned 31/365 of it by 31 January — €1,019.18 — and half of it, €6,000.00 less a day's rounding, by
    1 July (182 of 365 days: €5,983.56)."""
    year = {"price_minor": 1_200_000, "service_start": date(2026, 1, 1), "service_end": date(2026, 12, 31)}
    assert recognise(LineInputs(STRAIGHT_LINE, date(2026, 1, 31), **year)).recognised_minor == 101_918  # type: ignore[arg-type]
    assert recognise(LineInputs(STRAIGHT_LINE, date(2026, 7, 1), **year)).recognised_minor == 598_356  # type: ignore[arg-type]
    assert recognise(LineInputs(STRAIGHT_LINE, date(2025, 12, 31), **year)).recognised_minor == 0  # type: ignore[arg-type]
    assert recognise(LineInputs(STRAIGHT_LINE, date(2027, 3, 1), **year)).recognised_minor == 1_200_000  # type: ignore[arg-type]


def test_delivered_time_is_capped_at_the_not_to_exceed() -> None:
    result = recognise(
        LineInputs(DELIVERED, DAY, delivered_minor=_cents(12_000), billed_minor=_cents(9_000), cap_minor=_cents(10_000))
    )
    assert result.recognised_minor == _cents(10_000) and result.contract_asset_minor == _cents(1_000)


def test_modifications_prospective_and_cumulative_catch_up() -> None:
    """ASC 606-10-25-13: a $1,000,000 contract 40 % done ($400,000 recognised) is raised to $1,300,000. Treated
    prospectively, the remaining $900,000 follows the remaining 60 % of progress: at 70 % it has earned
    $400,000 + $900,000 × 30/60 = $850,000. With a cumulative catch-up it has earned 70 % × $1,300,000 = $910,000."""
    change = Modification(
        date(2026, 6, 1), _cents(1_000_000), _cents(1_300_000), PROSPECTIVE, Fraction(2, 5), _cents(400_000)
    )
    inputs = {"price_minor": _cents(1_300_000), "cost_to_date_minor": 70, "estimated_cost_minor": 100}
    prospective = recognise(LineInputs(COST_TO_COST, DAY, modifications=(change,), **inputs))  # type: ignore[arg-type]
    assert prospective.recognised_minor == _cents(850_000)
    caught_up = LineInputs(
        COST_TO_COST, DAY, modifications=(Modification(**{**change.__dict__, "treatment": CATCH_UP}),), **inputs
    )  # type: ignore[arg-type]
    assert recognise(caught_up).recognised_minor == _cents(910_000)
    before = recognise(LineInputs(COST_TO_COST, date(2026, 5, 31), modifications=(change,), **inputs))  # type: ignore[arg-type]
    assert before.price_minor == _cents(1_000_000) and before.recognised_minor == _cents(700_000)


@given(
    price=st.integers(min_value=1, max_value=10**12),
    cost=st.integers(min_value=0, max_value=10**9),
    extra=st.integers(min_value=0, max_value=10**9),
)
def test_recognised_never_exceeds_the_price(price: int, cost: int, extra: int) -> None:
    result = recognise(
        LineInputs(COST_TO_COST, DAY, price_minor=price, cost_to_date_minor=cost, estimated_cost_minor=cost + extra)
    )
    assert 0 <= result.recognised_minor <= price
    assert (
        result.recognised_minor - result.billed_minor == result.contract_asset_minor - result.contract_liability_minor
    )


def test_rounding_is_half_up() -> None:
    assert [round_half_up(Fraction(n, 2)) for n in (1, 3, -1, -3)] == [1, 2, -1, -2]
