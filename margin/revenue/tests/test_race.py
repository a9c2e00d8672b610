"""A revenue run racing an invoice being issued on PostgreSQL: the run takes a SHARE lock on the invoices, so
whichever commits first, the run's billed figures and its journal entry are of one moment — the invoice is in
both or in neither — and the next month's run carries the books to what was earned."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from margin.billing.actions import invoice_draft_for_contract, invoice_issue
from margin.billing.models import Invoice
from margin.books.actions import journal_sync
from margin.books.models import JournalLine
from margin.books.rules import Role
from margin.revenue.actions import revenue_run_post
from margin.revenue.models import RevenueLine
from margin.revenue.tests.scenario import fixed_price_story
from tests.firm import Firm
from tests.test_period_close_race import race

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the race needs PostgreSQL's locks"),
]


@pytest.mark.parametrize("attempt", range(3))
def test_a_revenue_run_racing_an_invoice_being_issued(firm: Firm, attempt: int) -> None:
    story = fixed_price_story(firm, months=2, bill=False)
    [draft] = invoice_draft_for_contract(viewer=firm.finance, contract=story.contract, up_to=date(2026, 6, 30))
    issued, run = race(
        lambda: invoice_issue(viewer=firm.finance, invoice=draft, issue_date=date(2026, 6, 30)),
        lambda: revenue_run_post(viewer=firm.finance, company=firm.usd, year=2026, month=6),
    )
    assert isinstance(issued, Invoice) and not isinstance(run, BaseException), (issued, run)
    june = RevenueLine.objects.get(run=run, billing_line=story.line)
    assert june.billed_minor in (0, 900_000)  # the whole invoice or none of it, whichever committed first
    assert june.contract_liability_minor - june.contract_asset_minor == june.billed_minor - 800_000
    # July's run, with the invoice posted, leaves revenue to date in the books equal to what was earned.
    journal_sync(viewer=firm.finance, company=firm.usd, up_to=date(2026, 7, 31))
    july = revenue_run_post(viewer=firm.finance, company=firm.usd, year=2026, month=7)
    line = RevenueLine.objects.get(run=july, billing_line=story.line)
    revenue = -sum(
        JournalLine.objects.filter(account__role=Role.REVENUE_FIXED, contract=story.contract).values_list(
            "amount_minor", flat=True
        )
    )
    assert (line.recognised_minor, line.billed_minor, revenue) == (1_600_000, 900_000, 1_600_000)
