"""The expense screens in a closed period: the refusal names the company and the lock date, in the
form or as a message, and nothing changes (no 500)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.contrib.auth.models import User
from django.test import Client

from margin.closing.actions import period_close
from margin.expenses import actions
from margin.expenses.models import ClaimStatus, ExpenseClaim, ExpenseLine
from tests.firm import Firm

CLOSED_MESSAGE = "The period up to 2026-03-31 is closed for Acme US; an expense dated 2026-03-10"


def _claim_with_line(firm: Firm) -> tuple[ExpenseClaim, ExpenseLine]:
    meals = actions.category_create(viewer=firm.finance, name="Meals")
    claim = actions.claim_create(viewer=firm.member, title="March")
    line = actions.line_add(
        viewer=firm.member, claim=claim, date=date(2026, 3, 10), category=meals, amount_minor=1_250, currency="USD"
    )
    return claim, line


def test_closed_period_refusals_on_the_claim_screen(firm: Firm, sign_in: Callable[[User], Client]) -> None:
    claim, line = _claim_with_line(firm)
    period_close(viewer=firm.finance, company=firm.usd, through=date(2026, 3, 31))
    client = sign_in(firm.member_user)
    form = {"date": "2026-03-10", "category": line.category_id, "amount": "5", "currency": "USD"}
    response = client.post(f"/expenses/{claim.pk}/lines/", form)
    assert response.status_code == 422 and CLOSED_MESSAGE in response.content.decode()
    for url in (f"/expenses/lines/{line.pk}/delete/", f"/expenses/{claim.pk}/submit/"):
        response = client.post(url, follow=True)
        assert response.status_code == 200 and CLOSED_MESSAGE in response.content.decode(), url
    assert list(ExpenseLine.objects.values_list("pk", "amount_minor")) == [(line.pk, 1_250)]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT
