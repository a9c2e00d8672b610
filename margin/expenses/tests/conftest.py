"""Expense fixtures: categories, company rates, and a stand-in exchange-rate table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from margin.core.errors import Invalid
from margin.expenses import actions
from margin.expenses.models import ExpenseCategory, ExpenseKind
from tests.firm import Firm

FxTable = dict[tuple[str, str], list[tuple[date, Decimal]]]


@pytest.fixture
def fx(monkeypatch: pytest.MonkeyPatch) -> FxTable:
    return install_fx(monkeypatch)


@pytest.fixture
def cats(firm: Firm) -> dict[str, ExpenseCategory]:
    return make_categories(firm)


def install_fx(monkeypatch: pytest.MonkeyPatch) -> FxTable:
    """A dated rate table the actions read through `exchange_rate` (the real one is tested in
    test_fx.py when the rates app's ExchangeRate table exists)."""
    table: FxTable = {("EUR", "USD"): [(date(2026, 1, 2), Decimal("1.1"))], ("GBP", "USD"): []}

    def lookup(organisation_id: int, from_ccy: str, to_ccy: str, day: date) -> tuple[Decimal, date]:
        if from_ccy == to_ccy:
            return Decimal(1), day
        rows = [r for r in table.get((from_ccy, to_ccy), []) if r[0] <= day]
        if not rows:
            raise Invalid(f"No {from_ccy}→{to_ccy} rate on or before {day.isoformat()}.", field="currency")
        found = max(rows)
        return found[1], found[0]

    monkeypatch.setattr(actions, "exchange_rate", lookup)
    return table


def make_categories(firm: Firm) -> dict[str, ExpenseCategory]:
    make: Callable[..., ExpenseCategory] = actions.category_create
    return {
        "travel": make(viewer=firm.finance, name="Travel", billable_default=True),
        "meals": make(viewer=firm.finance, name="Meals"),
        "car": make(viewer=firm.finance, name="Car", kind=ExpenseKind.MILEAGE, billable_default=True),
        "per_diem": make(viewer=firm.finance, name="Per diem", kind=ExpenseKind.PER_DIEM),
    }
