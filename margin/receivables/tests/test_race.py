"""Payments allocated at the same moment (PostgreSQL, real threads): an invoice is never paid more than is open
on it, a payment never allocates more than it settles, and `paid_minor` stays the sum of the allocations."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from margin.billing.models import Invoice
from margin.core.errors import Invalid
from margin.receivables.actions import AllocationIn, payment_allocate, payment_record
from margin.receivables.models import Payment, PaymentAllocation
from margin.receivables.tests.factories import issued_invoice
from tests.firm import Firm
from tests.test_concurrency import race

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
]


def _payment(firm: Firm, amount: int, allocations: Any = ()) -> Payment:
    return payment_record(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        received_on=timezone.localdate(),
        currency="USD",
        amount_minor=amount,
        allocations=allocations,
    )


def _allocated(invoice: Invoice) -> int:
    return int(PaymentAllocation.objects.filter(invoice=invoice).aggregate(t=Sum("amount_minor"))["t"] or 0)


def test_two_payments_on_one_invoice_at_once(firm: Firm) -> None:
    invoice = issued_invoice(firm, 10_000)
    first, second = _payment(firm, 7_000), _payment(firm, 7_000)
    for _ in range(3):  # a few rounds: the threads meet in a different order each time
        results = race(
            lambda: payment_allocate(viewer=firm.finance, payment=first, allocations=[AllocationIn(invoice, 7_000)]),
            lambda: payment_allocate(viewer=firm.finance, payment=second, allocations=[AllocationIn(invoice, 7_000)]),
        )
        assert sum(isinstance(r, Payment) for r in results) == 1, results
        assert sum(isinstance(r, Invalid) and r.code == "over_open_amount" for r in results) == 1, results
        invoice.refresh_from_db()
        assert invoice.paid_minor == 7_000 == _allocated(invoice)
        PaymentAllocation.objects.all().delete()
        Invoice.objects.filter(pk=invoice.pk).update(paid_minor=0)


def test_new_payments_allocating_everything_open_at_once(firm: Firm) -> None:
    """Five payments recorded at once, each allocating 'as much as is open' to the same two invoices."""
    a, b = issued_invoice(firm, 10_000), issued_invoice(firm, 5_000)
    results = race(
        *[lambda: _payment(firm, 6_000, [AllocationIn(a), AllocationIn(b)]) for _ in range(5)],
    )
    made = [r for r in results if isinstance(r, Payment)]
    assert all(isinstance(r, Payment | Invalid) for r in results), results
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.paid_minor == _allocated(a) and b.paid_minor == _allocated(b)
    assert a.paid_minor <= 10_000 and b.paid_minor <= 5_000
    # In whatever order they run: the first takes 60.00 of `a`, the second the last 40.00 of `a` and 20.00 of
    # `b`; the others find nothing open on `a` and are refused whole.
    assert (a.paid_minor, b.paid_minor) == (10_000, 2_000)
    assert len(made) == 2
    assert all(r.code == "nothing_open" for r in results if isinstance(r, Invalid))


def test_one_payment_allocated_to_two_invoices_at_once(firm: Firm) -> None:
    a, b = issued_invoice(firm, 10_000), issued_invoice(firm, 10_000)
    payment = _payment(firm, 8_000)
    results = race(
        lambda: payment_allocate(viewer=firm.finance, payment=payment, allocations=[AllocationIn(a, 6_000)]),
        lambda: payment_allocate(viewer=firm.finance, payment=payment, allocations=[AllocationIn(b, 6_000)]),
    )
    assert sum(isinstance(r, Payment) for r in results) == 1, results
    assert sum(isinstance(r, Invalid) and r.code == "over_unallocated" for r in results) == 1, results
    assert PaymentAllocation.objects.filter(payment=payment).aggregate(t=Sum("amount_minor"))["t"] == 6_000
