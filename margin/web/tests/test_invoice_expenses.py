"""The invoices screen lists every project with something to invoice — approved, unbilled, billable time
or expenses — and a project with expenses only is listed, drafted by the run and invoiceable. The
project and home pages show the expenses' share of the cost."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from margin.billing.models import BilledExpense, Invoice, InvoiceLine
from margin.billing.queries import to_invoice_visible
from margin.expenses import actions as expenses
from margin.expenses.models import ExpenseCategory, ExpenseLine
from margin.expenses.tests.conftest import FxTable, install_fx, make_categories
from margin.projects import actions as projects
from margin.projects.models import Project
from margin.timesheets.models import TimeEntry
from tests.firm import Firm

HTMX = {"HTTP_HX_REQUEST": "true"}
Cats = dict[str, ExpenseCategory]


@pytest.fixture
def fx(monkeypatch: pytest.MonkeyPatch) -> FxTable:
    return install_fx(monkeypatch)


@pytest.fixture
def cats(firm: Firm) -> Cats:
    return make_categories(firm)


@pytest.fixture
def expense_only(firm: Firm, cats: Cats, fx: FxTable) -> Project:
    """A second project with no time at all, only an approved claim: a billable flight of 200.00 EUR
    (220.00 USD at 1.1, +10 % = 242.00 USD), a billable taxi of 30.00 USD, a private meal."""
    project = projects.project_create(
        viewer=firm.admin, company=firm.usd, client=firm.client, manager=firm.manager_person, code="EXP-1", name="Trip"
    )
    projects.project_member_add(viewer=firm.admin, project=project, person=firm.member_person)
    claim = expenses.claim_create(viewer=firm.member, title="Client visit")
    add = {"viewer": firm.member, "claim": claim, "date": date(2026, 3, 10), "project": project}
    expenses.line_add(
        **add, category=cats["travel"], amount_minor=20_000, currency="EUR", billable=True, markup_percent=Decimal(10)
    )
    expenses.line_add(**add, category=cats["travel"], amount_minor=3_000, currency="USD", billable=True)
    expenses.line_add(**add, category=cats["meals"], amount_minor=999, currency="USD")
    expenses.claim_submit(viewer=firm.member, claim=claim)
    expenses.claim_approve(viewer=firm.manager, claim=claim)
    return project


def _row(html: str, code: str) -> str:
    found = re.search(rf'<tr data-project="{code}">(.*?)</tr>', html, re.S)
    assert found, f"{code} is not listed"
    return " ".join(found.group(1).split())


def test_a_project_with_only_expenses_is_ready_to_invoice(
    sign_in: Callable[[User], Client], firm: Firm, expense_only: Project, approved: list[TimeEntry]
) -> None:
    html = sign_in(firm.finance_user).get(reverse("web:invoices")).content.decode()
    assert "Ready to invoice" in html
    row = _row(html, "EXP-1")
    assert "2 items" in row and "272.00" in row and "272.00 USD" in row and "Acme US" in row
    # The time-only project is listed as before: 9:30 h at 100 USD.
    time_row = _row(html, "GLX-1")
    assert "9:30 h" in time_row and "950.00 USD" in time_row
    ready = to_invoice_visible(firm.finance, up_to=timezone.localdate())
    assert [(r.project.code, r.time_value_minor, r.expense_count, r.expense_value_minor) for r in ready] == [
        ("EXP-1", 0, 2, 27_200),
        ("GLX-1", 95_000, 0, 0),
    ]
    # Up to the expenses' day, the time (logged last week) is not ready yet; the day before, nothing is.
    assert [r.project.code for r in to_invoice_visible(firm.finance, up_to=date(2026, 3, 10))] == ["EXP-1"]
    assert to_invoice_visible(firm.finance, up_to=date(2026, 3, 9)) == []


def test_the_invoice_run_drafts_the_expense_only_project(
    sign_in: Callable[[User], Client], firm: Firm, expense_only: Project
) -> None:
    client = sign_in(firm.finance_user)
    response = client.post(reverse("web:invoice_run"), {"company": firm.usd.pk, "up_to": "2026-03-31"}, **HTMX)
    assert response.status_code == 200
    invoice = Invoice.objects.get()
    assert (invoice.project_id, invoice.total_minor, invoice.total_minutes) == (expense_only.pk, 27_200, 0)
    assert "1 draft invoice created" in response.content.decode()
    assert sorted(InvoiceLine.objects.filter(invoice=invoice).values_list("amount_minor", flat=True)) == [3_000, 24_200]
    assert BilledExpense.objects.count() == 2
    # Drafted: nothing left to invoice.
    html = client.get(reverse("web:invoices")).content.decode()
    assert 'data-project="EXP-1"' not in html and "Nothing to invoice" in html


def test_the_row_drafts_an_invoice_of_the_project(
    sign_in: Callable[[User], Client], firm: Firm, expense_only: Project
) -> None:
    client = sign_in(firm.finance_user)
    html = client.get(reverse("web:invoices")).content.decode()
    assert reverse("web:project_invoice_draft", args=[expense_only.pk]) in _row(html, "EXP-1")
    response = client.post(
        reverse("web:project_invoice_draft", args=[expense_only.pk]), {"up_to": timezone.localdate().isoformat()}
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("web:invoice", args=[invoice.pk])
    assert invoice.total_minor == 27_200
    assert not ExpenseLine.objects.filter(project=expense_only, billable=True, billing__isnull=True).exists()


def test_the_list_is_finance_only_and_of_ones_own_firm(
    sign_in: Callable[[User], Client], firm: Firm, expense_only: Project
) -> None:
    assert sign_in(firm.manager_user).get(reverse("web:invoices")).status_code == 403
    rival = sign_in(User.objects.get(username="rival-admin")).get(reverse("web:invoices")).content.decode()
    assert "EXP-1" not in rival and "Nothing to invoice" in rival


def test_the_project_page_splits_cost_into_time_and_expenses(
    sign_in: Callable[[User], Client], firm: Firm, expense_only: Project
) -> None:
    client = sign_in(firm.finance_user)
    html = client.get(reverse("web:project", args=[expense_only.pk])).content.decode()
    split = re.search(r'data-testid="cost-split">(.*?)</div>', html, re.S)
    assert split is not None
    # 220.00 + 30.00 + 9.99 USD of approved expenses, no time.
    assert " ".join(split.group(1).split()) == "Time 0.00 (0:00 h) · Expenses 259.99"
    assert "259.99" in html.split('data-testid="project-figures"')[1].split("Margin")[0]
    home = sign_in(firm.admin_user).get(reverse("web:home")).content.decode()  # the firm's projects
    assert 'title="Time 0.00 USD · Expenses 259.99 USD"' in home
