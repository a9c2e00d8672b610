"""Stored money is exact in SQL: 20,000 random amounts summed by the database equal Python's exact sum.

Amounts are stored as integer minor units (ADR 0001), so `SUM` is integer arithmetic on SQLite and on
PostgreSQL alike. The test runs on whichever database the suite uses (CI runs it on both).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.apps import apps
from django.db.models import Sum

from margin.core.money import Money
from tests.firm import Firm

# Looked up by name: core sits below billing in the layers, but any table with a `*_minor` column will do.
Invoice = apps.get_model("billing", "Invoice")
InvoiceLine = apps.get_model("billing", "InvoiceLine")

N = 20_000
GROUPS = 7


def _random_amounts(seed: int, currency_digits: int) -> list[Decimal]:
    rng = random.Random(seed)
    # Between minus a million and a billion, every minor digit used: a double's sum would drift here.
    scale = 10**currency_digits
    return [Decimal(rng.randint(-(10**6) * scale, 10**9 * scale)).scaleb(-currency_digits) for _ in range(N)]


def test_sql_sum_of_20000_amounts_is_exact(firm: Firm) -> None:
    invoice = Invoice.objects.create(
        organisation_id=firm.project.organisation_id,
        company=firm.usd,
        client=firm.client,
        project=firm.project,
        currency="USD",
        period_end=date(2026, 1, 31),
    )
    amounts = _random_amounts(seed=20_000, currency_digits=2)
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=invoice,
                position=i % GROUPS,
                description="amount",
                minutes=1,
                hourly_rate=Decimal(0),
                amount_minor=Money(amount, "USD").to_minor(),
            )
            for i, amount in enumerate(amounts)
        ],
        batch_size=2000,
    )
    assert InvoiceLine.objects.filter(invoice=invoice).count() == N

    exact = sum(amounts, Decimal(0))
    stored = InvoiceLine.objects.filter(invoice=invoice).aggregate(total=Sum("amount_minor"))["total"]
    assert isinstance(stored, int)
    assert Money.from_minor(stored, "USD") == Money(exact, "USD")

    by_group: dict[int, Decimal] = defaultdict(Decimal)
    for i, amount in enumerate(amounts):
        by_group[i % GROUPS] += amount
    grouped = dict(
        InvoiceLine.objects.filter(invoice=invoice)
        .values("position")
        .annotate(total=Sum("amount_minor"))
        .order_by()
        .values_list("position", "total")
    )
    assert {g: Money.from_minor(t, "USD") for g, t in grouped.items()} == {
        g: Money(t, "USD") for g, t in by_group.items()
    }


def test_three_decimal_currency_sums_exactly(firm: Firm) -> None:
    invoice = Invoice.objects.create(
        organisation_id=firm.project.organisation_id,
        company=firm.usd,
        client=firm.client,
        project=firm.project,
        currency="KWD",
        period_end=date(2026, 1, 31),
    )
    amounts = _random_amounts(seed=3, currency_digits=3)[:5000]
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=invoice,
                description="amount",
                minutes=1,
                hourly_rate=Decimal(0),
                amount_minor=Money(a, "KWD").to_minor(),
            )
            for a in amounts
        ],
        batch_size=2000,
    )
    stored = InvoiceLine.objects.filter(invoice=invoice).aggregate(total=Sum("amount_minor"))["total"]
    assert Money.from_minor(stored, "KWD") == Money(sum(amounts, Decimal(0)), "KWD")
