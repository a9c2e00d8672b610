"""The billing models of a contract (margin.contracts.rules): capped time and materials, fixed fees in
instalments, progress billing, retainers and overage. Hand-worked examples with the arithmetic in comments,
properties that hold for any input, and the refusals. No database."""

from __future__ import annotations

import ast
import sys
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from margin.contracts import rules
from margin.contracts.rules import (
    Cap,
    CapEntry,
    CapShare,
    Due,
    Instalment,
    PeriodBalance,
    ProgressBill,
    RetainerTerms,
    apply_cap,
    instalments_due,
    overage_value_minor,
    period_of,
    period_starts,
    progress_to_bill,
    retainer_ledger,
    split_fee,
)
from margin.core.errors import Invalid
from margin.rates.rules import value_of_minutes

D = Decimal
H = 60  # minutes in an hour


def test_module_imports_nothing_but_the_standard_library_core_money_errors_and_the_valuation_of_time() -> None:
    tree = ast.parse(Path(rules.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    own = {name for name in imported if name.startswith("margin")}
    assert own <= {"margin.core.money", "margin.core.errors", "margin.rates.rules"}
    assert {name.split(".")[0] for name in imported - own} <= set(sys.stdlib_module_names) | {"__future__"}


# --- capped time and materials --------------------------------------------------------------------

JAN = date(2026, 1, 5)


def entry(entry_id: int, day: int, minutes: int, value_minor: int) -> CapEntry:
    return CapEntry(entry_id, JAN + timedelta(days=day), minutes, value_minor)


def test_an_hours_cap_bills_up_to_the_cap_and_holds_the_rest() -> None:
    # Cap 8 h, nothing billed yet. 5 h (€500) fits: 3 h left. 4 h (€400) crosses it: 3 h billed, worth
    # €400 × 3/4 = €300, 1 h (€100) held. The last entry (1 h, €100) is held whole.
    shares = apply_cap(
        [entry(3, 2, 1 * H, 10000), entry(1, 0, 5 * H, 50000), entry(2, 1, 4 * H, 40000)],
        cap=Cap("minutes", 8 * H),
        used_minutes=0,
        used_minor=0,
    )
    assert shares == [
        CapShare(1, 5 * H, 50000, 0, 0),
        CapShare(2, 3 * H, 30000, 1 * H, 10000),
        CapShare(3, 0, 0, 1 * H, 10000),
    ]


def test_a_money_cap_counts_what_earlier_invoices_billed() -> None:
    # Cap €1,000 of which €250 billed: €750 left. 2 h for €300 fits (€450 left). 3 h for €500 crosses it:
    # €450 billed for 180 × 450/500 = 162 minutes; 18 minutes and €50 held. Minutes already billed don't count.
    shares = apply_cap(
        [entry(1, 0, 2 * H, 30000), entry(2, 1, 3 * H, 50000), entry(3, 2, 30, 5000)],
        cap=Cap("money", 100000),
        used_minutes=999,
        used_minor=25000,
    )
    assert shares == [
        CapShare(1, 120, 30000, 0, 0),
        CapShare(2, 162, 45000, 18, 5000),
        CapShare(3, 0, 0, 30, 5000),
    ]


def test_the_split_value_is_rounded_so_that_billed_and_held_add_up() -> None:
    # 3 of the 7 minutes fit; €10.00 × 3/7 = €4.2857… → €4.29 billed, €5.71 held.
    assert apply_cap([entry(1, 0, 7, 1000)], cap=Cap("minutes", 3), used_minutes=0, used_minor=0) == [
        CapShare(1, 3, 429, 4, 571)
    ]


def test_entries_are_taken_by_work_date_then_id() -> None:
    shares = apply_cap(
        [entry(9, 0, 60, 100), entry(4, 1, 60, 100), entry(2, 1, 60, 100)],
        cap=Cap("minutes", 120),
        used_minutes=0,
        used_minor=0,
    )
    assert [(s.entry_id, s.billed_minutes) for s in shares] == [(9, 60), (2, 60), (4, 0)]


def test_a_cap_already_used_up_holds_everything() -> None:
    shares = apply_cap([entry(1, 0, 60, 100)], cap=Cap("minutes", 120), used_minutes=150, used_minor=0)
    assert shares == [CapShare(1, 0, 0, 60, 100)]


def test_nothing_is_billed_out_of_order_once_the_cap_is_crossed() -> None:
    # Money cap €1: the first entry (€2) crosses it; a later entry worth nothing (internal time at a zero
    # rate) would "fit", but is held so that nothing later is billed before what waits.
    shares = apply_cap(
        [entry(1, 0, 0, 0), entry(2, 1, 60, 200), entry(3, 2, 30, 0)],
        cap=Cap("money", 100),
        used_minutes=0,
        used_minor=0,
    )
    assert shares == [CapShare(1, 0, 0, 0, 0), CapShare(2, 30, 100, 30, 100), CapShare(3, 0, 0, 30, 0)]


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Cap("minutes", 0), "cap_limit"),
        (lambda: Cap("money", -100), "cap_limit"),
        (lambda: Cap("hours", 10), "cap_kind"),
        (lambda: CapEntry(1, JAN, -5, 100), "minutes"),
        (lambda: CapEntry(1, JAN, 5, -100), "value_minor"),
        (lambda: apply_cap([], cap=Cap("minutes", 60), used_minutes=-1, used_minor=0), "used_minutes"),
        (lambda: apply_cap([], cap=Cap("money", 60), used_minutes=0, used_minor=-1), "used_minor"),
        (
            lambda: apply_cap(
                [entry(1, 0, 5, 5), entry(1, 1, 5, 5)], cap=Cap("money", 60), used_minutes=0, used_minor=0
            ),
            "entries",
        ),
    ],
)
def test_bad_cap_input_is_refused(make: object, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        make()  # type: ignore[operator]
    assert caught.value.field == field


cap_entries = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 600), st.integers(0, 200_000)), max_size=12).map(
    lambda rows: [CapEntry(n, JAN + timedelta(days=d), m, v) for n, (d, m, v) in enumerate(rows)]
)


@settings(max_examples=200, deadline=None)
@given(
    cap_entries,
    st.sampled_from(["minutes", "money"]),
    st.integers(1, 500_000),
    st.integers(0, 600_000),
    st.integers(0, 600_000),
)
def test_held_time_is_never_lost_and_nothing_is_billed_beyond_the_cap(
    entries: list[CapEntry], kind: str, limit: int, used_minutes: int, used_minor: int
) -> None:
    shares = apply_cap(entries, cap=Cap(kind, limit), used_minutes=used_minutes, used_minor=used_minor)
    by_id = {e.entry_id: e for e in entries}
    assert sorted(s.entry_id for s in shares) == sorted(by_id)
    for s in shares:
        e = by_id[s.entry_id]
        assert s.billed_minutes + s.held_minutes == e.minutes and s.billed_minor + s.held_minor == e.value_minor
        assert min(s.billed_minutes, s.held_minutes, s.billed_minor, s.held_minor) >= 0
    assert sum(s.billed_minutes + s.held_minutes for s in shares) == sum(e.minutes for e in entries)
    assert sum(s.billed_minor + s.held_minor for s in shares) == sum(e.value_minor for e in entries)
    room = max(limit - (used_minutes if kind == "minutes" else used_minor), 0)
    billed = sum(s.billed_minutes if kind == "minutes" else s.billed_minor for s in shares)
    assert billed <= room
    if sum(e.minutes if kind == "minutes" else e.value_minor for e in entries) <= room:
        assert all(s.held_minutes == s.held_minor == 0 for s in shares)  # under the cap: all billed
    else:
        assert billed == room  # over it: billed exactly up to the cap
    # In work order: whole entries, then at most one split one, then held ones.
    order = [(by_id[s.entry_id].work_date, s.entry_id) for s in shares]
    assert order == sorted(order)
    crossed = False
    for s in shares:
        if crossed:
            assert s.billed_minutes == s.billed_minor == 0
        crossed = crossed or s.held_minutes > 0 or s.held_minor > 0
    assert sum(1 for s in shares if (s.billed_minutes or s.billed_minor) and (s.held_minutes or s.held_minor)) <= 1


# --- fixed fee in instalments ---------------------------------------------------------------------


def test_split_fee_by_weights_adds_up_exactly() -> None:
    # €30,000 as 30/40/30: €9,000, €12,000, €9,000.
    assert split_fee(3_000_000, "EUR", [30, 40, 30]) == [900_000, 1_200_000, 900_000]
    # €100.00 in three: 33.333… each; floors 33.33 ×3 leave one cent, to the earliest: 33.34, 33.33, 33.33.
    assert split_fee(10_000, "EUR", [1, 1, 1]) == [3334, 3333, 3333]
    # ¥100,000 in three, in whole yen.
    assert split_fee(100_000, "JPY", [1, 1, 1]) == [33334, 33333, 33333]
    # 1.000 KWD as 1/2 (fils): 333.33… and 666.66… → 333 and 667.
    assert split_fee(1000, "KWD", [D(1), D(2)]) == [333, 667]


@pytest.mark.parametrize(
    ("total", "currency", "weights", "field"),
    [
        (-1, "EUR", [1], "price_minor"),
        (100, "EUR", [], "weights"),
        (100, "EUR", [1, -1], "weights"),
        (100, "EUR", [0, 0], "weights"),
        (100, "EURO", [1], "currency"),
    ],
)
def test_bad_fee_splits_are_refused(total: int, currency: str, weights: list[int], field: str) -> None:
    with pytest.raises(Invalid) as caught:
        split_fee(total, currency, weights)
    assert caught.value.field == field


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**12), st.lists(st.integers(0, 1000), min_size=1, max_size=8).filter(any))
def test_split_fee_always_adds_up(total: int, weights: list[int]) -> None:
    parts = split_fee(total, "EUR", weights)
    assert sum(parts) == total and all(p >= 0 for p in parts)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - Fraction(total * weight, sum(weights))) < 1


FEB_28 = date(2026, 2, 28)


def test_instalments_due_by_date_and_by_milestone() -> None:
    plan = [
        Instalment(1, 900_000, due_date=date(2026, 1, 31)),  # date passed
        Instalment(2, 1_200_000, milestone_task_id=7),  # task 7 finished 10 Feb
        Instalment(3, 300_000, milestone_task_id=8),  # task 8 not finished
        Instalment(4, 300_000, milestone_task_id=9),  # task 9 cancelled
        Instalment(5, 300_000, due_date=date(2026, 3, 31)),  # not yet
        Instalment(6, 300_000, due_date=date(2026, 1, 1)),  # billed already
        Instalment(7, 300_000, milestone_task_id=10),  # task 10 finished after the invoice date
    ]
    answer = instalments_due(
        plan,
        up_to=FEB_28,
        finished={7: date(2026, 2, 10), 10: date(2026, 3, 2)},
        cancelled={9},
        already_billed={6},
    )
    assert answer == [
        Due(1, 900_000, date(2026, 1, 31), False, "Due on 2026-01-31."),
        Due(2, 1_200_000, date(2026, 2, 10), False, "Milestone task 7 was finished on 2026-02-10."),
        Due(
            4,
            300_000,
            None,
            True,
            "Its milestone (task 9) was cancelled: bill it by hand, move it to another milestone or drop it.",
        ),
    ]


def test_a_cancelled_milestone_blocks_even_a_dated_instalment() -> None:
    plan = [Instalment(1, 500, due_date=date(2026, 1, 1), milestone_task_id=9)]
    [only] = instalments_due(plan, up_to=FEB_28, finished={9: date(2026, 1, 2)}, cancelled={9}, already_billed=set())
    assert only.blocked and only.due_on is None


def test_with_a_date_and_a_milestone_the_earlier_one_counts() -> None:
    plan = [
        Instalment(1, 500, due_date=date(2026, 2, 20), milestone_task_id=3),
        Instalment(2, 500, due_date=date(2026, 2, 1), milestone_task_id=4),
    ]
    answer = instalments_due(
        plan, up_to=FEB_28, finished={3: date(2026, 2, 5), 4: date(2026, 2, 27)}, cancelled=set(), already_billed=set()
    )
    assert [(d.instalment_id, d.due_on) for d in answer] == [(2, date(2026, 2, 1)), (1, date(2026, 2, 5))]
    assert answer[1].reason == "Milestone task 3 was finished on 2026-02-05."


def test_a_finished_milestone_is_due_on_the_day_itself() -> None:
    plan = [Instalment(1, 500, milestone_task_id=3), Instalment(2, 500, due_date=FEB_28)]
    answer = instalments_due(plan, up_to=FEB_28, finished={3: FEB_28}, cancelled=set(), already_billed=set())
    assert [d.instalment_id for d in answer] == [1, 2]


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Instalment(1, 0, due_date=FEB_28), "amount_minor"),
        (lambda: Instalment(1, -500, due_date=FEB_28), "amount_minor"),
        (lambda: Instalment(1, 500), "due_date"),
    ],
)
def test_bad_instalments_are_refused(make: object, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        make()  # type: ignore[operator]
    assert caught.value.field == field


# --- progress billing -----------------------------------------------------------------------------


def test_progress_bills_what_was_earned_less_what_was_billed() -> None:
    # €50,000 at 35 % complete: €17,500 earned; €10,000 billed already → bill €7,500.
    assert progress_to_bill(5_000_000, D(35), 1_000_000, "EUR") == ProgressBill(750_000, 1_750_000, 0)


def test_progress_that_falls_back_reports_over_billing_instead_of_a_negative_line() -> None:
    # Re-estimated to 30 %: €15,000 earned, €17,500 billed → nothing to bill, €2,500 over-billed.
    assert progress_to_bill(5_000_000, D(30), 1_750_000, "EUR") == ProgressBill(0, 1_500_000, 250_000)


def test_progress_rounds_the_earned_amount_once() -> None:
    # €999.99 × 33.33 % = €333.296667 → €333.30.
    assert progress_to_bill(99_999, D("33.33"), 0, "EUR").earned_minor == 33_330
    # ¥999 × 12.5 % = ¥124.875 → ¥125; 1.999 KWD × 50 % = 0.9995 → 1.000 (half up).
    assert progress_to_bill(999, D("12.5"), 0, "JPY").earned_minor == 125
    assert progress_to_bill(1999, D(50), 0, "KWD").earned_minor == 1000


def test_progress_at_0_and_100_percent() -> None:
    assert progress_to_bill(123_457, D(0), 0, "EUR") == ProgressBill(0, 0, 0)
    assert progress_to_bill(123_457, D(100), 100_000, "EUR") == ProgressBill(23_457, 123_457, 0)


@pytest.mark.parametrize(
    ("price", "percent", "billed", "currency", "field"),
    [
        (100, D("100.01"), 0, "EUR", "percent_complete"),
        (100, D(-1), 0, "EUR", "percent_complete"),
        (100, D("NaN"), 0, "EUR", "percent_complete"),
        (100, 50.0, 0, "EUR", "percent_complete"),
        (-100, D(50), 0, "EUR", "price_minor"),
        (100, D(50), -1, "EUR", "billed_to_date_minor"),
        (100, D(50), 0, "XXX", "currency"),
    ],
)
def test_bad_progress_input_is_refused(price: int, percent: Decimal, billed: int, currency: str, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        progress_to_bill(price, percent, billed, currency)
    assert caught.value.field == field


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 10**11),
    st.decimals(min_value=0, max_value=100, places=2),
    st.integers(0, 10**11),
    st.sampled_from(["JPY", "EUR", "KWD"]),
)
def test_progress_never_bills_a_negative_amount(price: int, percent: Decimal, billed: int, currency: str) -> None:
    bill = progress_to_bill(price, percent, billed, currency)
    assert bill.to_bill_minor >= 0 and bill.over_billed_minor >= 0
    assert bill.to_bill_minor * bill.over_billed_minor == 0
    assert bill.to_bill_minor - bill.over_billed_minor == bill.earned_minor - billed
    assert 0 <= bill.earned_minor <= price
    # Billing it leaves nothing more to bill at the same progress.
    assert progress_to_bill(price, percent, billed + bill.to_bill_minor, currency).to_bill_minor == 0


# --- retainer periods -----------------------------------------------------------------------------


def test_period_starts_monthly_and_quarterly() -> None:
    assert period_starts(date(2026, 1, 1), "month", date(2026, 4, 15)) == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
        date(2026, 4, 1),
    ]
    assert period_starts(date(2026, 1, 1), "quarter", date(2026, 12, 31)) == [
        date(2026, 1, 1),
        date(2026, 4, 1),
        date(2026, 7, 1),
        date(2026, 10, 1),
    ]
    assert period_starts(date(2026, 1, 1), "month", date(2025, 12, 31)) == []


def test_a_period_starting_on_the_31st_keeps_its_day_where_the_month_has_it() -> None:
    assert period_starts(date(2026, 1, 31), "month", date(2026, 5, 31)) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]
    assert period_of(date(2026, 3, 30), date(2026, 1, 31), "month") == (date(2026, 2, 28), date(2026, 3, 30))
    assert period_of(date(2028, 2, 29), date(2027, 11, 30), "quarter") == (date(2028, 2, 29), date(2028, 5, 29))


def test_period_of_a_day() -> None:
    assert period_of(date(2026, 2, 14), date(2026, 1, 1), "month") == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_of(date(2026, 5, 1), date(2026, 1, 1), "quarter") == (date(2026, 4, 1), date(2026, 6, 30))
    assert period_of(date(2026, 1, 1), date(2026, 1, 1), "quarter") == (date(2026, 1, 1), date(2026, 3, 31))
    assert period_of(date(2026, 3, 14), date(2026, 1, 15), "month") == (date(2026, 2, 15), date(2026, 3, 14))


def test_bad_period_input_is_refused() -> None:
    with pytest.raises(Invalid, match="before the first period") as caught:
        period_of(date(2025, 12, 31), date(2026, 1, 1), "month")
    assert caught.value.field == "day"
    with pytest.raises(Invalid, match="Unknown period 'week'") as caught:
        period_starts(date(2026, 1, 1), "week", date(2026, 2, 1))
    assert caught.value.field == "frequency"


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    st.integers(0, 3000),
    st.sampled_from(["month", "quarter"]),
)
def test_every_day_falls_in_exactly_one_period(first: date, offset: int, frequency: str) -> None:
    day = first + timedelta(days=offset)
    start, end = period_of(day, first, frequency)
    assert start <= day <= end
    starts = period_starts(first, frequency, day)
    assert starts[0] == first and starts[-1] == start
    following, _ = period_of(end + timedelta(days=1), first, frequency)
    assert following == end + timedelta(days=1)


# --- retainer ledger ------------------------------------------------------------------------------


def balances(ledger: list[PeriodBalance]) -> list[tuple[int, int, int, int, int, int]]:
    """(carried_in, used, used_from_allowance, overage, expired, left) per period, in hours."""
    return [
        (b.carried_in // H, b.used // H, b.used_from_allowance // H, b.overage // H, b.expired // H, b.left // H)
        for b in ledger
    ]


def test_forty_hours_a_month_rolling_over_one_month() -> None:
    # 40 h a month, unused hours usable in the next month only.
    # Jan: 40 available, 30 used → 10 left (January's, valid to the end of February).
    # Feb: 10 carried + 40 = 50; 45 used: the 10 of January first, then 35 of February's → 5 left.
    # Mar: 5 carried + 40 = 45; 60 used: 45 from the allowance, 15 h overage → nothing left.
    ledger = retainer_ledger(RetainerTerms(40 * H, "periods", 1), [30 * H, 45 * H, 60 * H])
    assert balances(ledger) == [(0, 30, 30, 0, 0, 10), (10, 45, 45, 0, 0, 5), (5, 60, 45, 15, 0, 0)]
    assert all(b.allowance == 40 * H for b in ledger)


def test_carried_hours_expire_after_their_one_month() -> None:
    # Jan: 10 used → 30 left. Feb: 30 carried + 40; 10 used, from January's → January's other 20 expire
    # at the end of February; February's 40 are left. Mar: 40 carried + 40, nothing used → February's 40
    # expire, March's 40 are left. 120 given = 20 used + 60 expired + 40 left.
    ledger = retainer_ledger(RetainerTerms(40 * H, "periods", 1), [10 * H, 10 * H, 0])
    assert balances(ledger) == [(0, 10, 10, 0, 0, 30), (30, 10, 10, 0, 20, 40), (40, 0, 0, 0, 40, 40)]


def test_no_rollover_expires_at_the_end_of_each_period() -> None:
    # Jan: 30 of 40 used, 10 expire. Feb: nothing carried, 50 used: 40 from the allowance, 10 h overage.
    ledger = retainer_ledger(RetainerTerms(40 * H), [30 * H, 50 * H])
    assert balances(ledger) == [(0, 30, 30, 0, 10, 0), (0, 50, 40, 10, 0, 0)]


def test_unlimited_rollover_never_expires() -> None:
    # Jan: 30 used → 10 left. Feb: 10 + 40, 10 used → 40 left. Mar: 40 + 40 = 80, 50 used → 30 left.
    ledger = retainer_ledger(RetainerTerms(40 * H, "unlimited"), [30 * H, 10 * H, 50 * H])
    assert balances(ledger) == [(0, 30, 30, 0, 0, 10), (10, 10, 10, 0, 0, 40), (40, 50, 50, 0, 0, 30)]


def test_the_oldest_carried_units_are_used_first() -> None:
    # 10 a period, valid for 2 more periods. P0, P1: nothing used → 10, then 20 left.
    # P2: 20 carried + 10; 15 used: P0's 10 first, then 5 of P1's. P0's lot ends now, empty: nothing expires.
    # P3: P1's remaining 5 reach their last period unused → expire; P2's 10 and P3's 10 are left.
    ledger = retainer_ledger(RetainerTerms(10, "periods", 2), [0, 0, 15, 0])
    assert [(b.carried_in, b.used_from_allowance, b.expired, b.left) for b in ledger] == [
        (0, 0, 0, 10),
        (10, 0, 0, 20),
        (20, 15, 0, 15),
        (15, 0, 5, 20),
    ]


def test_a_prepaid_amount_works_the_same_in_minor_units() -> None:
    # €5,000 a quarter, no rollover: Q1 uses €5,600.50 → €600.50 overage; Q2 uses €1,200 → €3,800 expire.
    ledger = retainer_ledger(RetainerTerms(500_000), [560_050, 120_000])
    assert [(b.used_from_allowance, b.overage, b.expired, b.left) for b in ledger] == [
        (500_000, 60_050, 0, 0),
        (120_000, 0, 380_000, 0),
    ]


def test_an_empty_ledger() -> None:
    assert retainer_ledger(RetainerTerms(10), []) == []


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: RetainerTerms(0), "allowance"),
        (lambda: RetainerTerms(-10), "allowance"),
        (lambda: RetainerTerms(10, "periods"), "rollover_periods"),
        (lambda: RetainerTerms(10, "periods", 0), "rollover_periods"),
        (lambda: RetainerTerms(10, "none", 2), "rollover_periods"),
        (lambda: RetainerTerms(10, "forever"), "rollover"),
        (lambda: RetainerTerms(10, overage_rate=D(-1)), "overage_rate"),
        (lambda: retainer_ledger(RetainerTerms(10), [5, -1]), "usage"),
    ],
)
def test_bad_retainer_input_is_refused(make: object, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        make()  # type: ignore[operator]
    assert caught.value.field == field


terms = st.one_of(
    st.builds(RetainerTerms, st.integers(1, 5000), st.just("none")),
    st.builds(RetainerTerms, st.integers(1, 5000), st.just("periods"), st.integers(1, 4)),
    st.builds(RetainerTerms, st.integers(1, 5000), st.just("unlimited")),
)


@settings(max_examples=200, deadline=None)
@given(terms, st.lists(st.integers(0, 12_000), max_size=15))
def test_retainer_units_are_neither_created_nor_lost(retainer: RetainerTerms, usage: list[int]) -> None:
    ledger = retainer_ledger(retainer, usage)
    assert len(ledger) == len(usage)
    given_units = sum(b.allowance for b in ledger)
    final_left = ledger[-1].left if ledger else 0
    assert given_units == sum(b.used_from_allowance for b in ledger) + sum(b.expired for b in ledger) + final_left
    carried = 0
    for balance, used in zip(ledger, usage, strict=True):
        fields = (balance.carried_in, balance.used_from_allowance, balance.overage, balance.expired, balance.left)
        assert min(fields) >= 0
        assert balance.used == used == balance.used_from_allowance + balance.overage
        assert balance.carried_in == carried
        assert balance.carried_in + balance.allowance == balance.used_from_allowance + balance.expired + balance.left
        if balance.overage:
            assert balance.left == 0 and balance.expired == 0  # overage only when everything was used
        carried = balance.left
    if retainer.rollover == "none":
        assert all(b.left == 0 for b in ledger)
    elif retainer.rollover == "periods":
        # What is left came from the last N periods at most.
        assert all(b.left <= retainer.rollover_periods * retainer.allowance for b in ledger)
    else:
        assert all(b.expired == 0 for b in ledger)


# --- overage --------------------------------------------------------------------------------------


def test_overage_value() -> None:
    # 15 h at €120/h = €1,800.00.
    assert overage_value_minor(15 * H, D(120), "EUR") == 180_000
    # 7 minutes at €100/h = €11.666… → €11.67.
    assert overage_value_minor(7, D(100), "EUR") == 1167
    # 7 minutes at ¥10,000/h = ¥1,166.67 → ¥1,167; at 25.5 KWD/h = 2.975 KWD.
    assert overage_value_minor(7, D(10_000), "JPY") == 1167
    assert overage_value_minor(7, D("25.5"), "KWD") == 2975
    assert overage_value_minor(0, D(120), "EUR") == 0


@pytest.mark.parametrize(
    ("minutes", "rate", "currency", "field"),
    [
        (-1, D(100), "EUR", "overage_minutes"),
        (60, D(-1), "EUR", "overage_rate"),
        (60, 100.0, "EUR", "overage_rate"),
        (60, D(100), "ZZZ", "currency"),
    ],
)
def test_bad_overage_input_is_refused(minutes: int, rate: Decimal, currency: str, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        overage_value_minor(minutes, rate, currency)
    assert caught.value.field == field


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 10**6),
    st.decimals(min_value=0, max_value=10_000, places=4),
    st.sampled_from(["JPY", "EUR", "KWD"]),
)
def test_overage_is_valued_like_any_other_time(minutes: int, rate: Decimal, currency: str) -> None:
    assert overage_value_minor(minutes, rate, currency) == value_of_minutes(minutes, rate, currency).to_minor()
