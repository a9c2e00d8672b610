"""Races on PostgreSQL with real threads: invoice runs over contracts of every kind at the same moment bill
every entry, instalment and retainer period once, and issuing their drafts at once leaves no gap in the
numbers. (A credit note against a payment: margin/receivables/tests/test_credit_payment_race.py.)"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from margin.billing.actions import invoice_draft_for_contract, invoice_issue, invoices_draft_all
from margin.billing.models import BilledInstalment, BilledPeriod, BilledTime, Invoice, InvoiceStatus
from margin.billing.tests.test_contract_invoicing import MARCH_END, fixed_contract, march, retainer
from tests.firm import Firm
from tests.test_concurrency import race

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
]


def test_racing_runs_bill_every_entry_instalment_and_retainer_period_once(firm: Firm) -> None:
    contract = retainer(firm)
    entries = march(firm)
    fixed, _project, _milestone = fixed_contract(firm)
    results = race(
        lambda: invoices_draft_all(viewer=firm.finance, company=firm.usd, up_to=MARCH_END),
        lambda: invoices_draft_all(viewer=firm.finance, company=firm.usd, up_to=MARCH_END),
        lambda: invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END),
        lambda: invoice_draft_for_contract(viewer=firm.finance, contract=fixed, up_to=MARCH_END),
    )
    assert all(isinstance(r, list) or type(r).__name__ == "Invalid" for r in results), results
    assert BilledTime.objects.count() == len(entries)
    assert BilledInstalment.objects.count() == 1  # the kick-off; the go-live milestone is not done
    assert sorted(BilledPeriod.objects.values_list("period_start", "part")) == [
        (date(2026, 2, 1), "fee"),
        (date(2026, 2, 1), "usage"),
        (date(2026, 3, 1), "fee"),
        (date(2026, 3, 1), "usage"),
    ]
    drafts = list(Invoice.objects.filter(status=InvoiceStatus.DRAFT).order_by("id"))
    assert sum(d.net_minor for d in drafts) == 2 * 500_000 + 300_000
    # Issue them all at once: numbers without a gap or a repeat.
    issued = race(
        *[lambda d=d: invoice_issue(viewer=firm.finance, invoice=d, issue_date=date(2026, 4, 1)) for d in drafts]
    )
    numbers = sorted(int(i.number.split("-")[-1]) for i in issued)
    assert numbers == list(range(1, len(drafts) + 1))
