"""The close checklist and the closed period through the API: a close the checklist blocks is refused (409,
nothing written) unless a reason is given; an invoice issued or a payment recorded in a closed period is
refused with the one closed-period message, and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from margin.api.tests.conftest import error_of, unchanged
from margin.closing.actions import period_close
from margin.receivables.tests.factories import issued_invoice
from margin.timesheets.actions import time_entry_create
from tests.firm import Firm

TODAY = timezone.localdate()
THROUGH = TODAY - timedelta(days=20)
CLOSED = THROUGH - timedelta(days=5)


@pytest.fixture
def finn(firm: Firm, api_as):  # type: ignore[no-untyped-def]
    return api_as(firm.finance_user)


def test_the_checklist_and_a_blocked_close(firm: Firm, finn, api_as) -> None:  # type: ignore[no-untyped-def]
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=CLOSED, minutes=60)
    query = {"company": firm.usd.pk, "through": THROUGH.isoformat()}
    body = finn.get("/periods/checklist", query).json()
    assert (body["company_id"], body["through"], body["locked_through"], body["blocked"]) == (
        firm.usd.pk,
        THROUGH.isoformat(),
        None,
        True,
    )
    items = {item["key"]: item for item in body["items"]}
    assert items["unapproved_time"] | {"link": "-"} == {
        "key": "unapproved_time",
        "label": "Time not yet approved",
        "count": 1,
        "amounts": [],
        "blocking": True,
        "blocks": True,
        "link": "-",
    }
    assert items["unapproved_time"]["link"] == "/approvals/"
    assert items["unbilled_time"]["blocks"] is False
    error_of(api_as(firm.member_user).get("/periods/checklist", query), 403)
    error_of(api_as(User.objects.get(username="rival-admin")).get("/periods/checklist", query), 404)
    error_of(finn.get("/periods/checklist", {"company": firm.usd.pk, "through": "March"}), 422)

    close = {"company_id": firm.usd.pk, "through": THROUGH.isoformat()}
    with unchanged(firm.usd):
        refusal = error_of(finn.post("/periods", close), 409, "close_blocked")
    assert "Time not yet approved: 1" in refusal["detail"]
    made = finn.post("/periods", close | {"override_reason": "Tom's week is approved in the next period"})
    assert made.status_code == 201, made.content
    assert finn.get(f"/companies/{firm.usd.pk}/time-policy").json()["locked_through"] == THROUGH.isoformat()


def test_an_invoice_or_a_payment_in_a_closed_period_is_refused(firm: Firm, finn) -> None:  # type: ignore[no-untyped-def]
    draft = issued_invoice(firm, 10_000, draft=True)
    period_close(viewer=firm.finance, company=firm.usd, through=THROUGH)
    closed = f"The period up to {THROUGH.isoformat()} is closed for Acme US"
    with unchanged(draft):
        body = error_of(
            finn.post(f"/invoices/{draft.pk}/issue", {"issue_date": CLOSED.isoformat()}), 409, "period_closed"
        )
    assert body["field"] == "issue_date" and body["detail"].startswith(closed)
    payment = {
        "company_id": firm.usd.pk,
        "client_id": firm.client.pk,
        "received_on": CLOSED.isoformat(),
        "currency": "USD",
        "amount_minor": 1_000,
    }
    with unchanged():
        body = error_of(finn.post("/payments", payment), 409, "period_closed")
    assert body["field"] == "received_on" and body["detail"].startswith(closed)
    assert finn.post("/payments", payment | {"received_on": TODAY.isoformat()}).status_code == 201
