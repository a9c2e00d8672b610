"""Receivables reports: the ageing (buckets, currencies, conversion, as of a past day), the statement of account
with its running balance, DSO; a fixed number of queries. (The home's issued invoices agree with the ageing:
margin/reporting/tests/test_receivables_agree.py.)"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from margin.billing.models import DocumentKind, Invoice
from margin.core.errors import Forbidden, NotFound
from margin.crm import actions as crm
from margin.receivables.actions import AllocationIn, payment_record
from margin.receivables.queries import ageing_of, dso_of, statement_of_account
from tests.firm import Firm

TODAY = timezone.localdate()


def _due(days_past_due: int) -> dict[str, Any]:
    """An invoice issued 100 days ago and due `days_past_due` days before today."""
    return {"issue_date": TODAY - timedelta(days=100), "due_date": TODAY - timedelta(days=days_past_due)}


def _pay(firm: Firm, amount: int, *allocations: AllocationIn, day: Any = None, currency: str = "USD") -> Any:
    return payment_record(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        received_on=day or TODAY,
        currency=currency,
        amount_minor=amount,
        allocations=allocations,
    )


def test_buckets_by_days_past_due(firm: Firm, invoice_of: Any) -> None:
    # due today: not yet due; 1 and 30: first bucket; 31; 60; 61; 90; 91 and 400: over 90
    for days, amount in [(-5, 1), (0, 2), (1, 10), (30, 20), (31, 100), (60, 200), (61, 1_000), (90, 2_000)]:
        invoice_of(amount, **_due(days))
    invoice_of(10_000, **_due(91))
    invoice_of(20_000, issue_date=TODAY - timedelta(days=500), due_date=TODAY - timedelta(days=400))
    [usd] = ageing_of(firm.finance, as_of=TODAY, company=firm.usd)
    assert usd.by_currency == {"USD": (3, 30, 300, 3_000, 30_000)}
    assert usd.converted == (3, 30, 300, 3_000, 30_000)
    [line] = usd.lines
    assert (line.client_name, line.invoices, line.total) == ("Globex", 10, 33_333)


def test_open_amounts_paid_credited_drafts_and_credit_notes(firm: Firm, invoice_of: Any) -> None:
    paid = invoice_of(5_000, **_due(10))
    part = invoice_of(8_000, **_due(10))
    credited = invoice_of(3_000, **_due(10))
    Invoice.objects.filter(pk=credited.pk).update(credited_minor=1_000)
    invoice_of(1_000, kind=DocumentKind.CREDIT_NOTE, credited=credited, **_due(10))  # counted on its invoice
    invoice_of(7_000, draft=True)
    _pay(firm, 7_000, AllocationIn(paid), AllocationIn(part, 2_000))
    [usd] = ageing_of(firm.finance, as_of=TODAY, company=firm.usd)
    assert usd.by_currency == {"USD": (0, 8_000, 0, 0, 0)}  # 6,000 of `part` + 2,000 of `credited`
    assert usd.invoices == 2


def test_as_of_a_past_day_adds_back_later_payments_and_credit_notes(firm: Firm, invoice_of: Any) -> None:
    invoice = invoice_of(10_000, issue_date=TODAY - timedelta(days=60), due_date=TODAY - timedelta(days=30))
    _pay(firm, 4_000, AllocationIn(invoice), day=TODAY - timedelta(days=20))
    _pay(firm, 1_000, AllocationIn(invoice), day=TODAY - timedelta(days=5))
    Invoice.objects.filter(pk=invoice.pk).update(credited_minor=500)
    invoice_of(500, kind=DocumentKind.CREDIT_NOTE, credited=invoice, issue_date=TODAY - timedelta(days=2))
    invoice_of(999, issue_date=TODAY - timedelta(days=1))  # issued after the day asked about
    now = ageing_of(firm.finance, as_of=TODAY, company=firm.usd)[0]
    assert now.by_currency["USD"] == (999, 4_500, 0, 0, 0)
    ten_days_ago = ageing_of(firm.finance, as_of=TODAY - timedelta(days=10), company=firm.usd)[0]
    assert ten_days_ago.by_currency["USD"] == (0, 6_000, 0, 0, 0)  # 10,000 − 4,000 (the later payment back)
    before_all = ageing_of(firm.finance, as_of=TODAY - timedelta(days=31), company=firm.usd)[0]
    assert before_all.by_currency["USD"] == (10_000, 0, 0, 0, 0)


def test_currencies_apart_and_converted_into_the_company_currency(firm: Firm, invoice_of: Any) -> None:
    invoice_of(10_000, **_due(5))
    invoice_of(10_000, currency="EUR", exchange_rate="1.100000000000", **_due(5))
    invoice_of(10_001, currency="EUR", exchange_rate="1.100000000000", **_due(45))
    invoice_of(1_000, currency="JPY", exchange_rate="0.006500000000", **_due(-1))
    other = crm.client_create(viewer=firm.admin, name="Acme Widgets", currency="EUR")
    invoice_of(5_000, currency="EUR", exchange_rate="1.2", client=other, **_due(100))
    [usd] = ageing_of(firm.finance, as_of=TODAY, company=firm.usd)
    assert usd.by_currency == {
        "EUR": (0, 10_000, 10_001, 0, 5_000),
        "JPY": (1_000, 0, 0, 0, 0),
        "USD": (0, 10_000, 0, 0, 0),
    }
    # 100.00 EUR × 1.1 = 110.00 USD; 100.01 × 1.1 = 110.011 → 110.01; ¥1,000 × 0.0065 = 6.50; 50 × 1.2 = 60.00
    assert usd.converted == (650, 21_000, 11_001, 0, 6_000)
    by_client = {c.client_name: c.buckets for c in usd.clients}
    assert by_client == {"Globex": (650, 21_000, 11_001, 0, 0), "Acme Widgets": (0, 0, 0, 0, 6_000)}
    assert [c.client_name for c in usd.clients] == ["Globex", "Acme Widgets"]  # the largest first
    assert [(line.client_name, line.currency) for line in usd.lines] == [
        ("Acme Widgets", "EUR"),
        ("Globex", "EUR"),
        ("Globex", "JPY"),
        ("Globex", "USD"),
    ]


def test_every_company_and_only_finance(firm: Firm, invoice_of: Any) -> None:
    invoice_of(1_000, **_due(1))
    invoice_of(2_000, company=firm.eur, currency="EUR", **_due(1))
    both = ageing_of(firm.finance, as_of=TODAY)
    assert {a.company.name: a.total for a in both} == {"Acme EU": 2_000, "Acme US": 1_000}
    with pytest.raises(Forbidden):
        ageing_of(firm.manager, as_of=TODAY)
    with pytest.raises(NotFound):
        ageing_of(firm.other_admin, as_of=TODAY, company=firm.usd)
    assert ageing_of(firm.other_admin, as_of=TODAY)[0].total == 0


def test_the_ageing_costs_the_same_queries_whatever_the_number_of_invoices(firm: Firm, invoice_of: Any) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            ageing_of(firm.finance, as_of=TODAY)
        return len(queries)

    invoice_of(1_000, **_due(3))
    few = count()
    other = crm.client_create(viewer=firm.admin, name="Initrode", currency="USD")
    for n in range(12):
        invoice_of(1_000 + n, client=other if n % 2 else firm.client, **_due(n * 10))
    assert count() == few <= 5


def test_statement_of_account(firm: Firm, invoice_of: Any) -> None:
    start = TODAY - timedelta(days=30)
    invoice_of(1_000, issue_date=start - timedelta(days=5))  # before the period: the opening balance
    _pay(firm, 400, day=start - timedelta(days=1))
    a = invoice_of(5_000, issue_date=start + timedelta(days=2), number="INV-A")
    b = invoice_of(2_500, issue_date=start + timedelta(days=10), number="INV-B")
    invoice_of(500, kind=DocumentKind.CREDIT_NOTE, credited=b, issue_date=start + timedelta(days=10), number="CN-1")
    payment_record(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        received_on=start + timedelta(days=10),
        currency="USD",
        amount_minor=4_950,
        bank_charges_minor=50,
        reference="Thank you",
        allocations=[AllocationIn(a)],
    )
    invoice_of(900, currency="EUR", issue_date=start + timedelta(days=3))
    invoice_of(99, issue_date=TODAY + timedelta(days=1))  # after the period
    statement = statement_of_account(firm.finance, client=firm.client, first=start, last=TODAY)
    eur, usd = statement.accounts
    assert (eur.currency, eur.opening_minor, eur.closing_minor) == ("EUR", 0, 900)
    assert usd.opening_minor == 600
    rows = [(line.entry.kind, line.entry.reference, line.balance_minor) for line in usd.lines]
    assert rows == [
        ("invoice", "INV-A", 5_600),
        ("invoice", "INV-B", 8_100),
        ("credit_note", "CN-1", 7_600),
        ("payment", "Bank transfer", 2_600),  # 4,950 received + 50 the bank kept
    ]
    assert "bank charges 0.50 USD" in usd.lines[-1].entry.note
    assert (usd.debits, usd.credits, usd.closing_minor) == (7_500, 5_500, 2_600)
    with pytest.raises(Forbidden):
        statement_of_account(firm.manager, client=firm.client, first=start, last=TODAY)


def test_days_sales_outstanding(firm: Firm, invoice_of: Any) -> None:
    invoice_of(30_000, issue_date=TODAY - timedelta(days=10))  # open, sold in the period
    sold_and_paid = invoice_of(60_000, issue_date=TODAY - timedelta(days=50))
    invoice_of(50_000, issue_date=TODAY - timedelta(days=200))  # open, sold before the period
    _pay(firm, 60_000, AllocationIn(sold_and_paid))
    dso = dso_of(firm.finance, company=firm.usd, as_of=TODAY, days=90)
    assert (dso.receivables_minor, dso.credit_sales_minor) == (80_000, 90_000)
    assert dso.dso == Decimal("80.0")  # 80,000 / 90,000 × 90
    empty = dso_of(firm.finance, company=firm.eur, as_of=TODAY, days=30)
    assert empty.dso is None and empty.receivables_minor == 0
