"""A credit note that takes a fixed-fee instalment or a retainer period back in full: due again when it returns
work (credit and re-bill), settled for good when it writes work off; a partial credit changes nothing of it.
The database lets exactly those billing links leave an issued invoice."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from margin.billing.actions import invoice_draft_for_contract, invoice_issue
from margin.billing.crediting import CreditLine, credit_note_create
from margin.billing.models import (
    BilledInstalment,
    BilledPeriod,
    BilledTime,
    CreditedInstalment,
    CreditedPeriod,
    Invoice,
    InvoiceLine,
    LineKind,
)
from margin.billing.ready import ready_to_bill
from margin.billing.tests.test_contract_invoicing import APRIL_END, MARCH_END, fixed_contract, log, march, retainer
from margin.contracts.models import Contract
from tests.firm import Firm

ISSUED_ON = date(2026, 4, 1)


def _kick_off_invoiced(firm: Firm) -> tuple[Contract, Invoice, InvoiceLine]:
    """The fixed fee's 3,000.00 kick-off instalment (due 15 March), invoiced and issued."""
    contract, _project, _milestone = fixed_contract(firm)
    (draft,) = invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)
    invoice = invoice_issue(viewer=firm.finance, invoice=draft, issue_date=ISSUED_ON)
    return contract, invoice, InvoiceLine.objects.get(invoice=invoice, kind=LineKind.FIXED)


def _credit(firm: Firm, invoice: Invoice, line: InvoiceLine, *, returns_work: bool, part: int | None = None) -> None:
    note = credit_note_create(
        viewer=firm.finance,
        invoice=invoice,
        reason="Invoiced before the kick-off meeting",
        lines=[CreditLine(line.pk, part)],
        returns_work=returns_work,
    )
    invoice_issue(viewer=firm.finance, invoice=note, issue_date=ISSUED_ON)


def test_an_instalment_credited_in_full_is_due_again_and_billed_once_more(firm: Firm) -> None:
    contract, invoice, line = _kick_off_invoiced(firm)
    assert ready_to_bill([contract], MARCH_END)[contract.pk].items == []
    _credit(firm, invoice, line, returns_work=True)

    assert not BilledInstalment.objects.exists()
    (credited,) = CreditedInstalment.objects.all()
    assert (credited.original_line_id, credited.written_off) == (line.pk, False)
    again = ready_to_bill([contract], MARCH_END)[contract.pk].items
    assert [(i.kind, i.amount_minor, i.description) for i in again] == [("fixed", 300_000, "Launch — Kick-off")]
    (rebill,) = invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)
    assert rebill.net_minor == 300_000
    assert BilledInstalment.objects.get().line.invoice_id == rebill.pk
    assert ready_to_bill([contract], MARCH_END)[contract.pk].items == []  # and not a third time


def test_an_instalment_credited_and_written_off_is_never_billed_again(firm: Firm) -> None:
    contract, invoice, line = _kick_off_invoiced(firm)
    _credit(firm, invoice, line, returns_work=False)
    assert BilledInstalment.objects.get().line_id == line.pk
    assert CreditedInstalment.objects.get().written_off
    assert ready_to_bill([contract], MARCH_END)[contract.pk].items == []


def test_a_partial_credit_keeps_the_instalment_billed(firm: Firm) -> None:
    contract, invoice, line = _kick_off_invoiced(firm)
    _credit(firm, invoice, line, returns_work=True, part=100_000)
    assert BilledInstalment.objects.get().line_id == line.pk
    assert not CreditedInstalment.objects.exists()
    assert ready_to_bill([contract], MARCH_END)[contract.pk].items == []


def test_a_retainer_fee_and_an_overage_credited_in_full_are_billed_again(firm: Firm) -> None:
    contract = retainer(firm)
    march(firm)
    (draft,) = invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)
    invoice = invoice_issue(viewer=firm.finance, invoice=draft, issue_date=ISSUED_ON)
    fee = InvoiceLine.objects.get(invoice=invoice, kind=LineKind.RETAINER, period_start=date(2026, 3, 1))
    _credit(firm, invoice, fee, returns_work=True)
    (credited,) = CreditedPeriod.objects.all()
    assert (credited.period_start, credited.part, credited.written_off) == (date(2026, 3, 1), "fee", False)
    # March's fee is due again; its usage (nothing over the allowance) and February stay billed.
    assert sorted(BilledPeriod.objects.values_list("period_start", "part")) == [
        (date(2026, 2, 1), "fee"),
        (date(2026, 2, 1), "usage"),
        (date(2026, 3, 1), "usage"),
    ]
    again = ready_to_bill([contract], MARCH_END)[contract.pk].items
    assert [(i.kind, i.amount_minor, i.period_start) for i in again] == [("retainer", 500_000, date(2026, 3, 1))]
    invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)

    # April goes 1:55 h over at 120/h; crediting that overage gives the period's usage and its time back.
    april = log(
        firm, firm.project, ("member", firm.build, date(2026, 4, 6), 500), ("member", firm.build, date(2026, 4, 7), 500)
    )
    (draft,) = invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=APRIL_END)
    invoice = invoice_issue(viewer=firm.finance, invoice=draft, issue_date=date(2026, 5, 1))
    usage = InvoiceLine.objects.get(invoice=invoice, kind=LineKind.USAGE)
    assert usage.amount_minor == 23_000
    _credit(firm, invoice, usage, returns_work=True)
    assert not BilledPeriod.objects.filter(period_start=date(2026, 4, 1), part="usage").exists()
    assert not BilledTime.objects.filter(time_entry__in=april).exists()
    (rebill,) = invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=APRIL_END)
    rebilled = InvoiceLine.objects.get(invoice=rebill, kind=LineKind.USAGE)
    assert rebilled.amount_minor == 23_000
    assert set(BilledTime.objects.filter(line=rebilled).values_list("time_entry_id", flat=True)) == {
        e.pk for e in april
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite leaves deletes to the actions")
def test_the_database_keeps_an_issued_invoices_instalments_and_periods_unless_a_credit_note_took_them(
    firm: Firm,
) -> None:
    _kick_off_invoiced(firm)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        BilledInstalment.objects.all().delete()
    assert BilledInstalment.objects.count() == 1
    contract = retainer(firm)
    march(firm)
    (draft,) = invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)
    invoice_issue(viewer=firm.finance, invoice=draft, issue_date=ISSUED_ON)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        BilledPeriod.objects.all().delete()
    assert BilledPeriod.objects.count() == 4
