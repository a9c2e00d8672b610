"""POST /invoices/send: e-mail every issued invoice not sent yet (or the ones named) in the background, and
follow it at GET /invoices/runs/{id}; refusals change nothing."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.core import mail

from margin.api.tests.conftest import error_of, unchanged
from margin.billing.tests.issued import Line, kunde_invoice
from margin.core.models import JobRun
from tests.firm import Firm


def test_sending_every_issued_invoice_reports_what_was_sent_and_why_not(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    first = kunde_invoice(firm, "RE-2026-0001")
    kunde_invoice(firm, "RE-2026-0002")
    kunde_invoice(
        firm, "RE-2026-0003", lines=[Line("Beratung", Decimal(1), Decimal(120), category="", rate=Decimal(0))]
    )
    kunde_invoice(firm, "RE-2026-0004", issue=False)  # a draft is not sent
    finance = api_as(firm.finance_user)

    response = finance.post("/invoices/send", {"message": "Thank you."})
    assert response.status_code == 202, response.content
    run = finance.get(f"/invoices/runs/{response.json()['id']}").json()
    assert (run["kind"], run["status"], run["done"], run["total"]) == ("invoice_sending", "done", 3, 3)
    assert run["result"]["count"] == 2
    assert list(run["result"]["failed"]) == ["RE-2026-0003"]
    assert "no tax category" in run["result"]["failed"]["RE-2026-0003"]
    assert sorted(m.subject.split()[1] for m in mail.outbox) == ["RE-2026-0001", "RE-2026-0002"]
    assert all(m.body.startswith("Thank you.") for m in mail.outbox)

    # Named invoices: one sent already is skipped, nothing goes twice.
    again = finance.post("/invoices/send", {"invoice_ids": [first.pk]}).json()
    assert finance.get(f"/invoices/runs/{again['id']}").json()["result"]["skipped"] == [first.pk]
    assert len(mail.outbox) == 2


def test_refusals_change_nothing(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    invoice = kunde_invoice(firm, "RE-2026-0001")
    finance = api_as(firm.finance_user)
    with unchanged():
        error_of(api_as(firm.member_user).post("/invoices/send", {}), 403)
        rival = User.objects.get(pk=firm.other_admin.user_id)
        error_of(api_as(rival).post("/invoices/send", {"invoice_ids": [invoice.pk]}), 404)
        error_of(finance.post("/invoices/send", {"invoice_ids": [invoice.pk, 987654]}), 404)
        error_of(finance.post("/invoices/send", {"invoice_ids": "all"}), 422)
    assert not JobRun.objects.exists() and mail.outbox == []
    finance.post("/invoices/send", {})
    mail.outbox.clear()
    error_of(finance.post("/invoices/send", {}), 422)  # nothing left to send
    assert mail.outbox == []
