"""The database itself refuses to change an issued invoice, its lines, or the time it billed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import DatabaseError, transaction
from django.db.models import F

from margin.billing.actions import invoice_draft_create, invoice_issue
from margin.billing.models import BilledTime, Invoice, InvoiceLine
from margin.timesheets.models import TimeEntry
from tests.firm import Firm
from tests.scenarios import approved_entries


@pytest.fixture
def issued(firm: Firm) -> Invoice:
    approved_entries(firm, count=3)
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=date.today())
    return invoice_issue(viewer=firm.finance, invoice=invoice)


def _refused(change) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        change()


def test_issued_invoice_rows_cannot_be_updated(issued: Invoice) -> None:
    _refused(lambda: Invoice.objects.filter(pk=issued.pk).update(total_minor=1))
    _refused(lambda: InvoiceLine.objects.filter(invoice=issued).update(amount_minor=1))
    line = issued.lines.first()
    assert line is not None
    _refused(
        lambda: InvoiceLine.objects.create(
            invoice=issued, description="sneaked in", minutes=60, hourly_rate=1, amount_minor=100
        )
    )
    issued.refresh_from_db()
    assert issued.total_minor == sum(issued.lines.values_list("amount_minor", flat=True))


def test_billed_time_cannot_be_released_or_changed(issued: Invoice) -> None:
    billed = TimeEntry.objects.filter(billing__line__invoice=issued)
    assert billed.count() == 3
    _refused(lambda: BilledTime.objects.filter(line__invoice=issued).update(line=F("line")))
    _refused(lambda: billed.update(minutes=1))
    # A note is not what was billed: it may still be corrected.
    assert billed.update(note="typo fixed") == 3


def test_draft_invoices_stay_editable(firm: Firm) -> None:
    approved_entries(firm, count=2)
    draft = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=date.today() + timedelta(days=1))
    assert Invoice.objects.filter(pk=draft.pk).update(due_date=date.today()) == 1
