"""The pure rules of the books: balance, conversion of a document's parts, the chain hash."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from margin.books.rules import GENESIS, LineSpec, check_balanced, convert_parts, entry_hash, line_tuple
from margin.core.errors import Invalid


def _line(amount: int) -> LineSpec:
    return LineSpec(account_id=1, amount_minor=amount, currency="EUR", amount_currency_minor=amount)


def test_a_balanced_entry_passes() -> None:
    check_balanced([_line(1000), _line(-600), _line(-400)])


@pytest.mark.parametrize(
    ("amounts", "code"),
    [([1000], "too_few_lines"), ([1000, -999], "unbalanced"), ([1000, 0, -1000], "zero_line"), ([], "too_few_lines")],
)
def test_an_entry_that_cannot_balance_is_refused(amounts: list[int], code: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_balanced([_line(a) for a in amounts])
    assert refused.value.code == code


@given(
    parts=st.lists(st.integers(min_value=-(10**9), max_value=10**9), min_size=1, max_size=8),
    rate=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("500"), places=6),
)
def test_converted_parts_add_up_to_the_converted_total(parts: list[int], rate: Decimal) -> None:
    from margin.books.rules import convert_minor

    total = convert_minor(sum(parts), rate, "USD", "EUR")
    converted = convert_parts(parts, rate, "USD", "EUR", total)
    assert sum(converted) == total
    assert all(
        abs(c - convert_minor(p, rate, "USD", "EUR")) <= len(parts) for c, p in zip(converted, parts, strict=True)
    )


def test_conversion_respects_minor_units() -> None:
    # 1,000 JPY (no minor unit) at 0.0061 EUR per yen is 6.10 EUR: 610 cents.
    assert convert_parts([1000], Decimal("0.0061"), "JPY", "EUR", 610) == [610]


def _hash(**changes: object) -> str:
    values: dict[str, object] = {
        "prev_hash": GENESIS,
        "company_id": 1,
        "seq": 1,
        "day": date(2026, 12, 1),
        "description": "Invoice 2026-0001",
        "source_kind": "invoice",
        "source_id": 7,
        "reverses_id": None,
        "currency": "EUR",
        "lines": [line_tuple(1, _line(1190)), line_tuple(2, _line(-1190))],
    }
    values.update(changes)
    return entry_hash(**values)  # type: ignore[arg-type]


def test_the_hash_covers_every_field_the_lines_and_the_previous_hash() -> None:
    original = _hash()
    assert _hash() == original
    assert _hash(day="2026-12-01") == original  # a date read back as text hashes alike
    changed = [
        _hash(prev_hash="1" * 64),
        _hash(seq=2),
        _hash(day=date(2026, 12, 2)),
        _hash(description="Invoice 2026-0002"),
        _hash(source_id=8),
        _hash(reverses_id=3),
        _hash(currency="USD"),
        _hash(lines=[line_tuple(1, _line(1191)), line_tuple(2, _line(-1191))]),
        _hash(lines=[line_tuple(1, _line(1190))]),
    ]
    assert original not in changed
    assert len(set(changed)) == len(changed)
