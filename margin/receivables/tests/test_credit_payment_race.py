"""A credit note issued while a payment is allocated to the same invoice (PostgreSQL, real threads): an
invoice never holds more payment and credit than was open at the moment each was made."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.models import Sum

from margin.billing.actions import invoice_draft_create, invoice_issue
from margin.billing.crediting import credit_note_create
from margin.billing.models import Invoice, InvoiceStatus
from margin.billing.tests.test_contract_invoicing import MARCH_END, march
from margin.receivables.actions import AllocationIn, payment_record
from tests.firm import Firm
from tests.test_concurrency import race

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
]


def test_a_credit_note_and_a_payment_at_the_same_moment_never_settle_more_than_the_total(firm: Firm) -> None:
    march(firm)
    draft = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=MARCH_END)
    invoice = invoice_issue(viewer=firm.finance, invoice=draft, issue_date=date(2026, 4, 1))
    note = credit_note_create(
        viewer=firm.finance, invoice=invoice, reason="Wrong month", amount_minor=invoice.net_minor
    )
    results = race(
        lambda: invoice_issue(viewer=firm.finance, invoice=note, issue_date=date(2026, 4, 2)),
        lambda: payment_record(
            viewer=firm.finance,
            company=firm.usd,
            client=firm.client,
            received_on=date(2026, 4, 2),
            currency="USD",
            amount_minor=invoice.total_minor,
            allocations=[AllocationIn(invoice, invoice.total_minor)],
        ),
    )
    invoice.refresh_from_db()
    credited = (
        Invoice.objects.filter(credited_invoice=invoice, status=InvoiceStatus.ISSUED).aggregate(
            total=Sum("total_minor")
        )["total"]
        or 0
    )
    allocated = invoice.allocations.aggregate(total=Sum("amount_minor"))["total"] or 0  # type: ignore[attr-defined]
    assert (invoice.credited_minor, invoice.paid_minor) == (credited, allocated)
    # Either the credit came first and the payment found nothing open (refused, or kept as the client's
    # credit), or the payment came first and the credit note leaves the client in credit: never both
    # counted against what is open at the same time.
    assert credited == invoice.total_minor
    assert allocated in (0, invoice.total_minor), results
