"""Billable approved expenses become invoice lines (with markup) on the project's next invoice, once."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from margin.billing import actions as billing
from margin.billing.models import BilledExpense, InvoiceLine
from margin.core.errors import Invalid
from margin.expenses import actions
from margin.expenses.models import ExpenseCategory, ExpenseLine
from margin.expenses.tests.conftest import FxTable, install_fx, make_categories
from margin.timesheets.actions import time_entries_approve, time_entries_submit, time_entry_create
from tests.checks import audit_row, refused
from tests.firm import Firm

Cats = dict[str, ExpenseCategory]
DAY = date(2026, 3, 10)
UP_TO = timezone.localdate()


@pytest.fixture
def fx(monkeypatch: pytest.MonkeyPatch) -> FxTable:
    return install_fx(monkeypatch)


@pytest.fixture
def cats(firm: Firm) -> Cats:
    return make_categories(firm)


def approved_expenses(firm: Firm, cats: Cats, *, submit: bool = True, approve: bool = True) -> list[ExpenseLine]:
    claim = actions.claim_create(viewer=firm.member, title="Client visit")
    lines = [
        actions.line_add(
            viewer=firm.member,
            claim=claim,
            date=DAY,
            category=cats["travel"],
            merchant="Lufthansa",
            amount_minor=20_000,
            currency="EUR",
            project=firm.project,
            task=firm.design,
            billable=True,
            markup_percent=Decimal("10"),
        ),
        actions.line_add(
            viewer=firm.member,
            claim=claim,
            date=DAY + timedelta(days=1),
            category=cats["meals"],
            amount_minor=3_000,
            currency="USD",
            project=firm.project,
            billable=True,
        ),
        # Not billable: reimbursed to the person, never invoiced.
        actions.line_add(
            viewer=firm.member, claim=claim, date=DAY, category=cats["meals"], amount_minor=999, project=firm.project
        ),
    ]
    if submit:
        actions.claim_submit(viewer=firm.member, claim=claim)
    if submit and approve:
        actions.claim_approve(viewer=firm.manager, claim=claim)
    return lines


def test_billable_expenses_go_on_the_next_invoice_once(firm: Firm, cats: Cats, fx: FxTable) -> None:
    flight, meal, _private = approved_expenses(firm, cats)
    invoice = billing.invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=UP_TO)
    lines = list(InvoiceLine.objects.filter(invoice=invoice).order_by("position"))
    assert [(line.description, line.amount_minor, line.minutes) for line in lines] == [
        ("Expense 2026-03-10 — Travel — Lufthansa (+10 %)", 24_200, 0),  # 200 EUR × 1.1 = 220 USD, +10 %
        ("Expense 2026-03-11 — Meals", 3_000, 0),
    ]
    assert invoice.total_minor == 27_200
    assert {b.expense_line_id: b.line_id for b in BilledExpense.objects.all()} == {
        flight.pk: lines[0].pk,
        meal.pk: lines[1].pk,
    }
    assert audit_row("invoice.draft", invoice).after["expenses"] == 2
    # Billed once: nothing left for a second draft or a company run.
    with refused(Invalid, match="no approved billable time or expenses"):
        billing.invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=UP_TO)
    assert billing.invoices_draft_all(viewer=firm.finance, company=firm.usd, up_to=UP_TO) == []
    # Discarding the draft frees them for the next one.
    billing.invoice_discard(viewer=firm.finance, invoice=invoice)
    assert not BilledExpense.objects.exists()
    again = billing.invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=UP_TO)
    assert again.total_minor == 27_200
    issued = billing.invoice_issue(viewer=firm.finance, invoice=again)
    assert issued.number


def test_expenses_join_time_on_the_same_invoice(firm: Firm, cats: Cats, fx: FxTable) -> None:
    approved_expenses(firm, cats)
    monday = UP_TO - timedelta(days=UP_TO.weekday() + 7)
    entry = time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=monday, minutes=120)
    time_entries_submit(viewer=firm.member, monday=monday)
    time_entries_approve(viewer=firm.admin, entry_ids=[entry.pk])
    invoice = billing.invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=UP_TO)
    lines = list(InvoiceLine.objects.filter(invoice=invoice).order_by("position"))
    assert [line.minutes for line in lines] == [120, 0, 0]  # time first, then the expenses
    assert invoice.total_minor == 20_000 + 27_200  # 2 h × 100 USD + expenses
    assert invoice.total_minutes == 120


@pytest.mark.parametrize(("submit", "approve"), [(False, False), (True, False)])
def test_unapproved_expenses_are_not_billed(firm: Firm, cats: Cats, fx: FxTable, submit: bool, approve: bool) -> None:
    approved_expenses(firm, cats, submit=submit, approve=approve)
    with refused(Invalid, match="no approved billable time or expenses"):
        billing.invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=UP_TO)


def test_expenses_dated_after_the_period_wait(firm: Firm, cats: Cats, fx: FxTable) -> None:
    approved_expenses(firm, cats)
    with refused(Invalid):
        billing.invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=DAY - timedelta(days=1))
    invoice = billing.invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=DAY)
    assert invoice.total_minor == 24_200  # the flight only; the meal is dated the day after


def test_an_expense_cannot_be_linked_twice(firm: Firm, cats: Cats, fx: FxTable) -> None:
    flight, *_ = approved_expenses(firm, cats)
    invoice = billing.invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=UP_TO)
    line = InvoiceLine.objects.filter(invoice=invoice).first()
    assert line is not None
    # The expense line is the link's primary key: a second link fails in the database itself.
    with pytest.raises(IntegrityError), transaction.atomic():
        BilledExpense.objects.create(expense_line=flight, line=line)
    assert BilledExpense.objects.filter(expense_line=flight).count() == 1


def test_the_database_freezes_the_expenses_of_an_issued_invoice(firm: Firm, cats: Cats, fx: FxTable) -> None:
    flight, meal, private = approved_expenses(firm, cats)
    invoice = billing.invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=UP_TO)
    billing.invoice_issue(viewer=firm.finance, invoice=invoice)
    other_line = InvoiceLine.objects.filter(invoice=invoice).exclude(billed_expenses__expense_line=flight).first()
    assert other_line is not None

    def refused(change) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
            change()

    refused(lambda: BilledExpense.objects.filter(expense_line=flight).update(line=other_line))
    refused(lambda: ExpenseLine.objects.filter(pk=flight.pk).update(bill_amount_minor=1))
    refused(lambda: BilledExpense.objects.create(expense_line=private, line=other_line))
    # Columns that do not touch what was billed may still change (notes).
    ExpenseLine.objects.filter(pk=meal.pk).update(notes="ok")
