"""Sending every issued invoice from the invoices list: the card counts what waits, the button starts the job,
its progress and result (sent, and why any could not be) replace the card; only finance sends."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth.models import User
from django.core import mail
from django.test import Client as WebClient
from django.urls import reverse

from margin.billing.jobs import INVOICE_SENDING
from margin.billing.tests.issued import Line, kunde_invoice
from margin.core.models import JobRun
from tests.firm import Firm

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_finance_sends_every_issued_invoice_from_the_list(firm: Firm, sign_in: Callable[[User], WebClient]) -> None:
    kunde_invoice(firm, "RE-2026-0001")
    kunde_invoice(firm, "RE-2026-0002")
    kunde_invoice(
        firm, "RE-2026-0003", lines=[Line("Beratung", Decimal(1), Decimal(120), category="", rate=Decimal(0))]
    )
    web = sign_in(firm.finance_user)
    listing = web.get(reverse("web:invoices")).content.decode()
    assert "3 issued invoices or credit notes not e-mailed yet." in listing
    assert 'data-testid="send-all"' in listing

    card = web.post(reverse("web:invoices_send"), **HTMX)
    assert card.status_code == 200
    html = card.content.decode()
    assert 'data-status="done"' in html and "3 / 3 invoices" in html
    assert "2 sent." in html
    assert "RE-2026-0003</span>: " in html and "no tax category" in html
    assert len(mail.outbox) == 2
    # What is left is counted, and can be tried again (it fails again, nothing goes twice).
    assert "1 issued invoice or credit note not e-mailed yet." in html
    # The list reads each invoice's state: two sent, one still only issued.
    states = web.get(reverse("web:invoices")).content.decode()
    assert states.count('data-testid="invoice-state">Sent<') == 2
    assert states.count('data-testid="invoice-state">Issued<') == 1
    run = JobRun.objects.get(kind=INVOICE_SENDING)
    status = web.get(reverse("web:invoices_send_status", args=[run.pk])).content.decode()
    assert "2 sent." in status and "Invoices" in status
    web.post(reverse("web:invoices_send"), **HTMX)
    assert len(mail.outbox) == 2 and JobRun.objects.filter(kind=INVOICE_SENDING).count() == 2


def test_nothing_to_send_starts_nothing_and_members_cannot_send(
    firm: Firm, sign_in: Callable[[User], WebClient]
) -> None:
    web = sign_in(firm.finance_user)
    assert 'data-testid="invoice-sending"' not in web.get(reverse("web:invoices")).content.decode()
    response = web.post(reverse("web:invoices_send"))
    assert response.status_code == 302 and not JobRun.objects.exists()
    kunde_invoice(firm, "RE-2026-0001")
    member = sign_in(firm.member_user)
    assert member.post(reverse("web:invoices_send")).status_code == 403
    assert not JobRun.objects.exists() and mail.outbox == []
