"""Credit notes: by lines or by amount, never more than was invoiced, their own gapless numbers, and the
credited work unbilled again or written off — never billed twice."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from margin.billing.actions import invoice_draft_create, invoice_issue
from margin.billing.crediting import CreditLine, credit_note_create
from margin.billing.models import BilledTime, CreditedTime, HoldReason, Invoice, InvoiceLine, TimeHold
from margin.billing.ready import ready_to_bill
from margin.billing.rules import invoice_state
from margin.billing.tests.test_contract_invoicing import MARCH_END, contract_of, march
from margin.core.errors import Conflict, Invalid
from tests.checks import audit_row, refused
from tests.firm import Firm

ISSUED_ON = date(2026, 4, 1)


def issued(firm: Firm) -> Invoice:
    march(firm)
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=MARCH_END)
    return invoice_issue(viewer=firm.finance, invoice=invoice, issue_date=ISSUED_ON)


def test_a_full_credit_note_returns_the_time_to_unbilled_and_it_is_billed_once_more(firm: Firm) -> None:
    invoice = issued(firm)
    lines = list(InvoiceLine.objects.filter(invoice=invoice))
    note = credit_note_create(
        viewer=firm.finance,
        invoice=invoice,
        reason="Billed to the wrong client",
        lines=[CreditLine(li.pk) for li in lines],
    )
    assert (note.kind, note.status, note.total_minor, note.credited_invoice_id) == (
        "credit_note",
        "draft",
        invoice.total_minor,
        invoice.pk,
    )
    # A draft credit note changes nothing yet.
    assert BilledTime.objects.count() == 5
    note = invoice_issue(viewer=firm.finance, invoice=note, issue_date=ISSUED_ON)
    assert note.number == f"CN-{ISSUED_ON.year}-0001" and note.due_date == ISSUED_ON
    invoice.refresh_from_db()
    assert invoice.credited_minor == invoice.total_minor
    state = invoice_state(
        issued=True,
        sent=False,
        total_minor=invoice.total_minor,
        paid_minor=0,
        credited_minor=invoice.credited_minor,
        due_date=invoice.due_date,
        today=ISSUED_ON,
    )
    assert state == "credited"
    # The time left the credited invoice's lines, the history stays, and it is ready to bill again.
    assert BilledTime.objects.count() == 0 and CreditedTime.objects.count() == 5
    again = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=MARCH_END)
    assert again.total_minor == invoice.total_minor
    assert BilledTime.objects.filter(line__invoice=again).count() == 5
    assert audit_row("invoice.issue", note).after["number"] == note.number


def test_a_credit_note_that_writes_the_time_off(firm: Firm) -> None:
    invoice = issued(firm)
    line = InvoiceLine.objects.filter(invoice=invoice).order_by("position").first()
    assert line is not None
    note = credit_note_create(
        viewer=firm.finance, invoice=invoice, reason="Goodwill", lines=[CreditLine(line.pk)], returns_work=False
    )
    invoice_issue(viewer=firm.finance, invoice=note, issue_date=ISSUED_ON)
    written = set(TimeHold.objects.filter(reason=HoldReason.WRITTEN_OFF).values_list("time_entry_id", flat=True))
    assert written and written == set(CreditedTime.objects.values_list("time_entry_id", flat=True))
    assert not BilledTime.objects.filter(line=line).exists()
    assert ready_to_bill([contract_of(firm)], MARCH_END)[contract_of(firm).pk].items == []


def test_a_partial_credit_by_amount_keeps_the_time_billed(firm: Firm) -> None:
    invoice = issued(firm)
    note = credit_note_create(viewer=firm.finance, invoice=invoice, reason="Discount agreed", amount_minor=10_000)
    assert note.net_minor == 10_000
    assert sum(InvoiceLine.objects.filter(invoice=note).values_list("amount_minor", flat=True)) == 10_000
    invoice_issue(viewer=firm.finance, invoice=note, issue_date=ISSUED_ON)
    assert BilledTime.objects.count() == 5 and CreditedTime.objects.count() == 0
    invoice.refresh_from_db()
    assert invoice.credited_minor == 10_000


def test_a_credit_note_for_more_than_was_invoiced_is_refused(firm: Firm) -> None:
    invoice = issued(firm)
    with refused(Invalid) as error:
        credit_note_create(viewer=firm.finance, invoice=invoice, reason="Too much", amount_minor=invoice.net_minor + 1)
    assert error.value.code == "credit_exceeds_invoice"
    first = credit_note_create(viewer=firm.finance, invoice=invoice, reason="Half", amount_minor=invoice.net_minor // 2)
    invoice_issue(viewer=firm.finance, invoice=first, issue_date=ISSUED_ON)
    line = InvoiceLine.objects.filter(invoice=invoice).order_by("position").first()
    assert line is not None
    with refused(Invalid):
        credit_note_create(
            viewer=firm.finance, invoice=invoice, reason="Again", lines=[CreditLine(line.pk, line.amount_minor)]
        )
    with refused(Invalid, match="why"):
        credit_note_create(viewer=firm.finance, invoice=invoice, reason=" ", amount_minor=1)


def test_only_an_issued_invoice_is_credited(firm: Firm) -> None:
    march(firm)
    draft = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=MARCH_END)
    with refused(Conflict):
        credit_note_create(viewer=firm.finance, invoice=draft, reason="No", amount_minor=100)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite leaves deletes to the actions")
def test_the_database_keeps_billed_time_on_an_issued_invoice_unless_a_credit_note_took_it(firm: Firm) -> None:
    issued(firm)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        BilledTime.objects.all().delete()
    assert BilledTime.objects.count() == 5
