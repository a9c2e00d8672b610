"""Expenses in the profitability figures, computed by hand: approved (and reimbursed) expense lines are
cost at their amount in the company's currency; billable ones are WIP at their billable amount (markup
included) until an issued invoice holds them, then billed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from margin.billing.actions import invoice_discard, invoice_draft_create, invoice_issue
from margin.expenses import actions as expenses
from margin.expenses.models import ExpenseCategory, ExpenseClaim
from margin.expenses.tests.conftest import FxTable, install_fx, make_categories
from margin.reporting.queries import profitability_visible, project_profitability
from margin.reporting.tests.test_queries import COST, SUNDAY, WIP, _story
from tests.firm import Firm

Cats = dict[str, ExpenseCategory]
DAY = date(2026, 3, 10)

# The approved claim: a flight of 200.00 EUR at 1.1 = 220.00 USD, billable with 10 % markup (242.00
# USD); a billable meal of 30.00 USD; a private meal of 9.99 USD (cost, never revenue).
EXPENSE_COST = 22_000 + 3_000 + 999
EXPENSE_VALUE = 24_200 + 3_000


@pytest.fixture
def fx(monkeypatch: pytest.MonkeyPatch) -> FxTable:
    return install_fx(monkeypatch)


@pytest.fixture
def cats(firm: Firm) -> Cats:
    return make_categories(firm)


def _claim(firm: Firm, cats: Cats, *, submit: bool = True, approve: bool = True) -> ExpenseClaim:
    claim = expenses.claim_create(viewer=firm.member, title="Client visit")
    add = {"viewer": firm.member, "claim": claim, "date": DAY, "project": firm.project}
    expenses.line_add(
        **add, category=cats["travel"], amount_minor=20_000, currency="EUR", billable=True, markup_percent=Decimal(10)
    )
    expenses.line_add(**add, category=cats["meals"], amount_minor=3_000, currency="USD", billable=True)
    expenses.line_add(**add, category=cats["meals"], amount_minor=999, currency="USD")
    # Not the project's: never in its figures.
    expenses.line_add(viewer=firm.member, claim=claim, date=DAY, category=cats["meals"], amount_minor=5_000)
    if submit:
        expenses.claim_submit(viewer=firm.member, claim=claim)
    if submit and approve:
        expenses.claim_approve(viewer=firm.finance, claim=claim)
    return claim


def _unapproved(firm: Firm, cats: Cats) -> None:
    """A draft, a submitted and a rejected claim of billable expenses on the project: not counted."""
    _claim(firm, cats, submit=False)
    _claim(firm, cats, approve=False)
    rejected = _claim(firm, cats, approve=False)
    expenses.claim_reject(viewer=firm.finance, claim=rejected, reason="No receipts")


def test_approved_expenses_are_cost_and_billable_ones_wip(firm: Firm, cats: Cats, fx: FxTable) -> None:
    _unapproved(firm, cats)
    assert project_profitability(firm.project).cost_minor == 0
    claim = _claim(firm, cats)
    figures = project_profitability(firm.project)
    assert (figures.billed_minor, figures.wip_minor, figures.cost_minor) == (0, EXPENSE_VALUE, EXPENSE_COST)
    assert (figures.expense_cost_minor, figures.time_cost_minor, figures.expense_wip_minor) == (EXPENSE_COST, 0, 27_200)
    assert (figures.revenue_minor, figures.margin_minor) == (27_200, 27_200 - 25_999)
    assert figures.margin_pct == Decimal("4.4")  # 1,201 of 27,200 = 4.415 %
    assert str(figures.expense_cost) == "259.99 USD" and str(figures.expense_wip) == "272.00 USD"
    # Reimbursing pays the person; the figures stay.
    expenses.claim_reimburse(viewer=firm.finance, claim=claim)
    assert project_profitability(firm.project) == figures


def test_billed_expenses_move_from_wip_to_billed_on_issue(firm: Firm, cats: Cats, fx: FxTable) -> None:
    _claim(firm, cats)
    draft = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=timezone.localdate())
    assert draft.total_minor == EXPENSE_VALUE
    during = project_profitability(firm.project)  # a draft is still work in progress
    assert (during.billed_minor, during.wip_minor, during.cost_minor) == (0, EXPENSE_VALUE, EXPENSE_COST)
    invoice_discard(viewer=firm.finance, invoice=draft)
    assert project_profitability(firm.project).wip_minor == EXPENSE_VALUE
    invoice_issue(
        viewer=firm.finance,
        invoice=invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=timezone.localdate()),
    )
    after = project_profitability(firm.project)
    assert (after.billed_minor, after.wip_minor, after.expense_wip_minor, after.cost_minor) == (
        EXPENSE_VALUE,
        0,
        0,
        EXPENSE_COST,
    )
    assert after.margin_minor == 27_200 - 25_999


def test_time_and_expenses_add_up(firm: Firm, cats: Cats, fx: FxTable) -> None:
    _story(firm)  # time: WIP 1,562.50 and cost 670.00 USD (test_queries)
    _claim(firm, cats)
    figures = project_profitability(firm.project)
    assert (figures.wip_minor, figures.cost_minor) == (WIP + EXPENSE_VALUE, COST + EXPENSE_COST)
    assert (figures.time_cost_minor, figures.expense_cost_minor) == (COST, EXPENSE_COST)
    issued = invoice_issue(
        viewer=firm.finance, invoice=invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    )
    # The invoice is dated up to last Sunday: it takes the time, and the expenses (dated 2026-03-10).
    assert issued.total_minor == WIP + EXPENSE_VALUE
    after = project_profitability(firm.project)
    assert (after.billed_minor, after.wip_minor, after.cost_minor) == (WIP + EXPENSE_VALUE, 0, COST + EXPENSE_COST)
    assert [f.cost_minor for f in profitability_visible(firm.finance)] == [COST + EXPENSE_COST]


def test_a_claim_in_another_currency_is_not_added_to_the_cost(firm: Firm, cats: Cats, fx: FxTable) -> None:
    claim = _claim(firm, cats)
    ExpenseClaim.objects.filter(pk=claim.pk).update(currency="EUR")  # as if the claimant were costed in EUR
    figures = project_profitability(firm.project)
    assert (figures.cost_minor, figures.wip_minor) == (0, EXPENSE_VALUE)  # what the client pays is in USD
