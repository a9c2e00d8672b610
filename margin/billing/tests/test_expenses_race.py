"""Two invoice drafts of the same project at the same moment (PostgreSQL, real threads): every billable
expense is billed exactly once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from margin.billing.actions import invoice_draft_create, invoices_draft_all
from margin.billing.models import BilledExpense, Invoice, InvoiceLine
from margin.core.errors import Invalid
from margin.expenses import actions
from margin.expenses.models import ExpenseLine
from margin.expenses.tests.conftest import FxTable, install_fx, make_categories
from tests.firm import Firm
from tests.test_concurrency import race

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
]


@pytest.fixture
def fx(monkeypatch: pytest.MonkeyPatch) -> FxTable:
    return install_fx(monkeypatch)


def test_racing_drafts_bill_each_expense_once(firm: Firm, fx: FxTable) -> None:
    cats = make_categories(firm)
    claim = actions.claim_create(viewer=firm.member, title="Racing")
    for n in range(40):
        actions.line_add(
            viewer=firm.member,
            claim=claim,
            date=timezone.localdate().replace(day=1),
            category=cats["travel"],
            amount_minor=1_000 + n,
            project=firm.project,
            billable=True,
        )
    actions.claim_submit(viewer=firm.member, claim=claim)
    actions.claim_approve(viewer=firm.manager, claim=claim)
    up_to = timezone.localdate()
    results = race(
        lambda: invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=up_to),
        lambda: invoices_draft_all(viewer=firm.finance, company=firm.usd, up_to=up_to),
        lambda: invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=up_to),
    )
    drafted = [r for r in results if isinstance(r, Invoice) or (isinstance(r, list) and r)]
    assert len(drafted) == 1, results
    assert all(isinstance(r, Invoice | list | Invalid) for r in results), results
    assert BilledExpense.objects.count() == 40 == ExpenseLine.objects.filter(billing__isnull=False).count()
    total = InvoiceLine.objects.aggregate(total=Sum("amount_minor"))["total"]
    assert total == sum(1_000 + n for n in range(40))
