"""Rate resolution and valuation, without the database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from margin.core.money import Money
from margin.rates.rules import DatedRate, latest_on, value_of_minutes

ROLE, OTHER_ROLE, PERSON = 1, 2, 7
CARD = [
    DatedRate(valid_from=date(2026, 1, 1), rate=Decimal("100"), role_id=ROLE),
    DatedRate(valid_from=date(2026, 4, 1), rate=Decimal("110"), role_id=ROLE),
    DatedRate(valid_from=date(2026, 1, 1), rate=Decimal("90"), role_id=OTHER_ROLE),
    DatedRate(valid_from=date(2026, 3, 1), rate=Decimal("130"), person_id=PERSON),
]


def test_latest_on_takes_the_row_in_force_that_day() -> None:
    rows = [r for r in CARD if r.role_id == ROLE]
    assert latest_on(rows, date(2025, 12, 31)) is None
    assert latest_on(rows, date(2026, 1, 1)).rate == 100  # type: ignore[union-attr]
    assert latest_on(rows, date(2026, 3, 31)).rate == 100  # type: ignore[union-attr]
    assert latest_on(rows, date(2026, 4, 1)).rate == 110  # type: ignore[union-attr]
    assert latest_on(list(reversed(rows)), date(2027, 1, 1)).rate == 110  # type: ignore[union-attr]


def test_value_of_minutes_rounds_half_up_once() -> None:
    assert value_of_minutes(90, Decimal("100"), "USD") == Money(Decimal("150.00"), "USD")
    assert value_of_minutes(1, Decimal("0.3"), "USD") == Money(Decimal("0.01"), "USD")  # 0.005 → 0.01
    assert value_of_minutes(1, Decimal("0.29"), "USD") == Money(Decimal("0.00"), "USD")  # 0.00483
    assert value_of_minutes(7, Decimal("100"), "JPY") == Money(Decimal("12"), "JPY")  # 11.67
    assert value_of_minutes(10, Decimal("33.3333"), "KWD").to_minor() == 5556  # 5.555550
    assert value_of_minutes(0, Decimal("100"), "EUR").to_minor() == 0


def test_a_timeline_answers_as_the_rule_on_every_day() -> None:
    """Evaluated at each start and bisected, the rule gives what it gives when asked day by day: before the
    first start, on a start, between starts, with two rows starting the same day, and after the last."""
    from datetime import timedelta

    from margin.rates.rules import Timeline

    rows = [
        DatedRate(date(2025, 3, 1), Decimal("110")),
        DatedRate(date(2025, 1, 1), Decimal("100")),
        DatedRate(date(2025, 6, 15), Decimal("130")),
        DatedRate(date(2025, 6, 15), Decimal("125")),  # same start: the rule keeps the first it met
    ]
    timeline = Timeline((r.valid_from for r in rows), lambda day: latest_on(rows, day))
    day = date(2024, 12, 1)
    while day <= date(2025, 12, 31):
        assert timeline.on(day) is latest_on(rows, day), day
        day += timedelta(days=1)
    assert timeline.on(date(2024, 12, 31)) is None
    assert timeline.on(date(2025, 6, 15)).rate == Decimal("130")  # type: ignore[union-attr]
    assert Timeline([], lambda day: latest_on([], day)).on(date(2025, 1, 1)) is None
