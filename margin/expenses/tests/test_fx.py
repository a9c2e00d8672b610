"""Conversion through the rates app's real exchange-rate table (no stand-in): the rate and the date
of its quote are stored on the line; a missing rate names the pair and the date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from margin.core.errors import Invalid
from margin.expenses import actions
from margin.expenses.models import ExpenseCategory
from margin.rates.models import ExchangeRate
from tests.checks import refused
from tests.firm import Firm


def test_line_uses_the_latest_quote_on_or_before_its_date(firm: Firm, cats: dict[str, ExpenseCategory]) -> None:
    org = firm.usd.organisation_id
    ExchangeRate.objects.create(
        organisation_id=org, from_currency="EUR", to_currency="USD", day=date(2026, 3, 2), rate=Decimal("1.08")
    )
    ExchangeRate.objects.create(
        organisation_id=org, from_currency="EUR", to_currency="USD", day=date(2026, 3, 20), rate=Decimal("1.2")
    )
    claim = actions.claim_create(viewer=firm.member, title="Paris")
    line = actions.line_add(
        viewer=firm.member,
        claim=claim,
        date=date(2026, 3, 10),
        category=cats["meals"],
        amount_minor=10_000,
        currency="EUR",
    )
    line.refresh_from_db()
    assert (line.converted_minor, line.exchange_rate, line.rate_date) == (10_800, Decimal("1.08"), date(2026, 3, 2))
    with refused(Invalid, claim, match=r"No EUR→USD rate on or before 2026-03-01") as info:
        actions.line_add(
            viewer=firm.member,
            claim=claim,
            date=date(2026, 3, 1),
            category=cats["meals"],
            amount_minor=1,
            currency="EUR",
        )
    assert info.value.field == "currency"
    with refused(Invalid, claim, match="No CHF→USD rate"):
        actions.line_add(
            viewer=firm.member,
            claim=claim,
            date=date(2026, 3, 10),
            category=cats["meals"],
            amount_minor=1,
            currency="CHF",
        )
