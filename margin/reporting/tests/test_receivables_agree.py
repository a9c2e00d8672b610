"""The home's issued invoices by days past due (reporting.invoicing) count what is open on them, as the
receivables ageing does: on the same invoices, the two agree bucket by bucket."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from margin.receivables.actions import AllocationIn, payment_record
from margin.receivables.queries import ageing_of
from margin.receivables.tests.factories import issued_invoice
from margin.reporting.invoicing import invoicing_of
from tests.firm import Firm

TODAY = timezone.localdate()


def _due(days_past_due: int) -> dict[str, Any]:
    return {"issue_date": TODAY - timedelta(days=100), "due_date": TODAY - timedelta(days=days_past_due)}


def test_the_home_agrees_with_the_ageing(firm: Firm) -> None:
    """The home's issued invoices by days past due (a project's invoices) add up to the ageing's buckets."""
    project = firm.project
    paid = issued_invoice(firm, 4_000, project=project, **_due(3))
    issued_invoice(firm, 6_000, project=project, **_due(3))
    issued_invoice(firm, 7_000, project=project, **_due(45))
    issued_invoice(firm, 1_500, project=project, **_due(-10))
    payment_record(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        received_on=TODAY,
        currency="USD",
        amount_minor=5_000,
        allocations=[AllocationIn(paid)],
    )  # all of one, 1,000 on account
    home = invoicing_of(firm.finance, TODAY)
    [usd] = ageing_of(firm.finance, as_of=TODAY, company=firm.usd)
    assert tuple(b.by_currency.get("USD", 0) for b in home.issued_ages) == usd.by_currency["USD"]
    assert tuple(b.count for b in home.issued_ages) == (1, 1, 1, 0, 0)
    assert paid.pk not in [i.invoice.pk for i in home.issued_late]
