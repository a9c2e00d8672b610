"""Money: minor units, one rounding rule, refusals, and allocation that always adds up."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from margin.core.money import MINOR_UNITS, CurrencyError, Money, minor_units, sum_money

CURRENCIES = ["JPY", "EUR", "USD", "KWD"]


# --- minor units ------------------------------------------------------------------------------


@pytest.mark.parametrize(("currency", "digits"), [("JPY", 0), ("EUR", 2), ("USD", 2), ("KWD", 3), ("CLF", 4)])
def test_minor_units_follow_iso_4217(currency: str, digits: int) -> None:
    assert minor_units(currency) == digits


def test_from_minor_places_the_decimal_point_by_currency() -> None:
    assert Money.from_minor(1234, "JPY").amount == Decimal("1234")
    assert Money.from_minor(1234, "EUR").amount == Decimal("12.34")
    assert Money.from_minor(1234, "KWD").amount == Decimal("1.234")
    assert Money.from_minor(-5, "EUR").amount == Decimal("-0.05")


def test_to_minor_rounds_to_the_currency_first() -> None:
    assert Money(Decimal("1234.5"), "JPY").to_minor() == 1235
    assert Money(Decimal("12.345"), "EUR").to_minor() == 1235
    assert Money(Decimal("1.2345"), "KWD").to_minor() == 1235
    assert Money(Decimal("12.344"), "EUR").to_minor() == 1234


@pytest.mark.parametrize("code", ["XYZ", "usd", "EURO", "", "€"])
def test_unknown_currency_is_refused(code: str) -> None:
    with pytest.raises(CurrencyError, match="Unknown currency"):
        Money(Decimal(1), code)
    with pytest.raises(CurrencyError):
        Money.from_minor(100, code)
    with pytest.raises(CurrencyError):
        minor_units(code)


def test_non_finite_amounts_are_refused() -> None:
    for text in ("NaN", "Infinity", "-Infinity"):
        with pytest.raises(ValueError):
            Money(Decimal(text), "EUR")


@pytest.mark.parametrize("text", ["abc", "1,5", "", "1e13", "-1e14", "inf", "NaN"])
def test_parse_refuses_garbage_and_absurd_amounts(text: str) -> None:
    with pytest.raises(ValueError):
        Money.parse(text, "EUR")


def test_parse_reads_exact_decimals() -> None:
    assert Money.parse(" 1234.565 ", "EUR").amount == Decimal("1234.565")
    assert Money.parse(7, "JPY") == Money(Decimal(7), "JPY")


# --- arithmetic -------------------------------------------------------------------------------


def test_same_currency_arithmetic() -> None:
    a, b = Money(Decimal("10.10"), "EUR"), Money(Decimal("0.95"), "EUR")
    assert a + b == Money(Decimal("11.05"), "EUR")
    assert a - b == Money(Decimal("9.15"), "EUR")
    assert -a == Money(Decimal("-10.10"), "EUR")
    assert b < a and a > b and a >= a and b <= b
    assert sum_money([a, b, b], "EUR") == Money(Decimal("12.00"), "EUR")
    assert sum_money([], "KWD") == Money.zero("KWD")


def test_mixed_currency_arithmetic_is_refused() -> None:
    eur, usd = Money(Decimal(1), "EUR"), Money(Decimal(1), "USD")
    for operation in (lambda: eur + usd, lambda: eur - usd, lambda: eur < usd, lambda: eur >= usd):
        with pytest.raises(CurrencyError, match="Cannot combine EUR with USD"):
            operation()
    with pytest.raises(CurrencyError):
        sum_money([eur, usd], "EUR")


def test_money_does_not_mix_with_plain_numbers() -> None:
    eur = Money(Decimal(1), "EUR")
    with pytest.raises(TypeError):
        eur + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        eur - Decimal(1)  # type: ignore[operator]


def test_multiplication_takes_exact_factors_only() -> None:
    eur = Money(Decimal("10.00"), "EUR")
    assert eur * Decimal("1.5") == Money(Decimal("15"), "EUR")
    assert 3 * eur == Money(Decimal("30"), "EUR")
    with pytest.raises(TypeError, match="float"):
        eur * 1.1  # type: ignore[operator]
    with pytest.raises(TypeError):
        1.1 * eur  # type: ignore[operator]
    with pytest.raises(TypeError):
        eur * eur  # type: ignore[operator]


def test_str_shows_the_rounded_amount_and_currency() -> None:
    assert str(Money(Decimal("1234.5"), "USD")) == "1,234.50 USD"
    assert str(Money(Decimal("1234.5"), "JPY")) == "1,235 JPY"
    assert str(Money(Decimal("-0.0005"), "KWD")) == "-0.001 KWD"


# --- rounding: ROUND_HALF_UP, halves away from zero ----------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.5", "JPY", "3"),
        ("-2.5", "JPY", "-3"),
        ("3.5", "JPY", "4"),  # not banker's rounding (which would also give 4) ...
        ("2.5000001", "JPY", "3"),
        ("2.4999999", "JPY", "2"),
        ("0.125", "EUR", "0.13"),  # ... and here banker's rounding would give 0.12
        ("-0.125", "EUR", "-0.13"),
        ("0.005", "EUR", "0.01"),
        ("-0.005", "EUR", "-0.01"),
        ("-0.0049", "EUR", "0.00"),
        ("1.0005", "KWD", "1.001"),
        ("-1.0005", "KWD", "-1.001"),
        ("1.0004", "KWD", "1.000"),
    ],
)
def test_rounding_is_half_up(amount: str, currency: str, expected: str) -> None:
    rounded = Money(Decimal(amount), currency).rounded()
    assert rounded.amount == Decimal(expected)
    assert rounded.amount.as_tuple().exponent == -minor_units(currency)


amounts = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=6, allow_nan=False)
currencies = st.sampled_from(CURRENCIES)


def _half_up_oracle(amount: Decimal, digits: int) -> Fraction:
    """An independent statement of the rule: |x| · 10^d + ½, floored, with the sign put back."""
    scaled = abs(Fraction(amount)) * 10**digits + Fraction(1, 2)
    magnitude = scaled.numerator // scaled.denominator
    return Fraction(magnitude if amount >= 0 else -magnitude, 10**digits)


@given(amount=amounts, currency=currencies)
def test_rounding_matches_the_half_up_rule(amount: Decimal, currency: str) -> None:
    rounded = Money(amount, currency).rounded()
    assert Fraction(rounded.amount) == _half_up_oracle(amount, minor_units(currency))
    assert abs(Fraction(rounded.amount) - Fraction(amount)) <= Fraction(1, 2 * 10 ** minor_units(currency))


@given(amount=amounts, currency=currencies)
def test_rounding_is_idempotent(amount: Decimal, currency: str) -> None:
    once = Money(amount, currency).rounded()
    assert once.rounded() == once
    assert once.rounded().amount.as_tuple() == once.amount.as_tuple()


@given(minor=st.integers(min_value=-(10**15), max_value=10**15), currency=st.sampled_from(sorted(MINOR_UNITS)))
def test_minor_units_round_trip(minor: int, currency: str) -> None:
    assert Money.from_minor(minor, currency).to_minor() == minor


@given(amount=amounts, currency=currencies)
def test_to_minor_and_back_is_the_rounded_amount(amount: Decimal, currency: str) -> None:
    money = Money(amount, currency)
    assert Money.from_minor(money.to_minor(), currency) == money.rounded()


# --- allocation by largest remainder --------------------------------------------------------------


def test_allocate_gives_leftover_units_to_the_largest_remainders() -> None:
    parts = Money(Decimal("100"), "EUR").allocate([1, 1, 1])
    assert [p.amount for p in parts] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    parts = Money(Decimal("0.05"), "EUR").allocate([3, 7])
    assert [p.to_minor() for p in parts] == [2, 3]  # 1.5 and 3.5: the tie goes to the earlier part
    parts = Money(Decimal("-100"), "JPY").allocate([1, 2])
    assert [p.amount for p in parts] == [Decimal("-33"), Decimal("-67")]
    parts = Money(Decimal("10.005"), "EUR").allocate([1, 0, 1])  # the rounded total, 10.01, is split
    assert [p.to_minor() for p in parts] == [501, 0, 500]


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_allocate_refuses_meaningless_weights(weights: list[int]) -> None:
    with pytest.raises(ValueError, match="allocate"):
        Money(Decimal(10), "EUR").allocate(weights)


weights_lists = st.lists(
    st.one_of(st.integers(min_value=0, max_value=10_000), st.decimals(min_value=0, max_value=1000, places=3)),
    min_size=1,
    max_size=12,
).filter(lambda ws: sum(Decimal(w) for w in ws) > 0)


@given(amount=amounts, currency=currencies, weights=weights_lists)
def test_allocation_always_adds_up_and_stays_within_one_unit(
    amount: Decimal, currency: str, weights: list[int | Decimal]
) -> None:
    total = Money(amount, currency)
    parts = total.allocate(weights)
    assert len(parts) == len(weights)
    assert all(p.currency == currency for p in parts)
    minors = [p.to_minor() for p in parts]
    assert sum(minors) == total.to_minor()
    assert sum_money(parts, currency) == total.rounded()
    weight_sum = sum(Fraction(Decimal(w)) for w in weights)
    for minor, weight in zip(minors, weights, strict=True):
        exact = Fraction(total.to_minor()) * Fraction(Decimal(weight)) / weight_sum
        assert abs(minor - exact) < 1
        if weight == 0:
            assert minor == 0
        if exact.denominator == 1:  # an exact share is never moved
            assert minor == exact
