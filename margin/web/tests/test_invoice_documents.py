"""The Documents card of an issued invoice: download the PDF, UBL and CII; send them to the client. Refusals are
messages on the card (or the page), never a 500, and change nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from margin.billing.einvoice.validate import check_ubl
from margin.billing.models import Invoice
from margin.billing.tests.issued import Line, client, german_seller, issued, project_of
from tests.checks import table_counts
from tests.firm import Firm

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


def _invoice(firm: Firm, **changes: object) -> Invoice:
    seller = german_seller(firm)
    buyer = client(firm, "Kunde <AG>")
    values: dict[str, object] = {
        "company": seller,
        "buyer": buyer,
        "project": project_of(firm, seller, buyer, "KUN-1"),
        "number": "RE-2026-0001",
        "lines": [Line("Beratung", D(10), D(120))],
        **changes,
    }
    return issued(**values)  # type: ignore[arg-type]


def test_an_issued_invoice_has_a_documents_card(sign_in: Callable[[User], Client], firm: Firm) -> None:
    invoice = _invoice(firm)
    page = sign_in(firm.finance_user).get(reverse("web:invoice", args=[invoice.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="invoice-documents"' in html
    for name in ("web:invoice_pdf", "web:invoice_ubl", "web:invoice_cii", "web:invoice_send"):
        assert reverse(name, args=[invoice.pk]) in html
    assert 'value="ap@kunde.example"' in html


def test_a_draft_has_none(sign_in: Callable[[User], Client], firm: Firm) -> None:
    draft = _invoice(firm, issue=False)
    html = sign_in(firm.finance_user).get(reverse("web:invoice", args=[draft.pk])).content.decode()
    assert "invoice-documents" not in html


def test_downloads(sign_in: Callable[[User], Client], firm: Firm) -> None:
    invoice = _invoice(firm)
    finance = sign_in(firm.finance_user)
    pdf = finance.get(reverse("web:invoice_pdf", args=[invoice.pk]))
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf["Content-Disposition"] == 'attachment; filename="RE-2026-0001.pdf"'
    assert pdf.content.startswith(b"%PDF-")
    ubl = finance.get(reverse("web:invoice_ubl", args=[invoice.pk]))
    assert (ubl.status_code, ubl["Content-Type"]) == (200, "application/xml")
    assert check_ubl(ubl.content) == []
    assert finance.get(reverse("web:invoice_cii", args=[invoice.pk])).status_code == 200
    member = sign_in(firm.member_user)
    for name in ("web:invoice_pdf", "web:invoice_ubl", "web:invoice_cii"):
        assert member.get(reverse(name, args=[invoice.pk])).status_code == 404


def test_a_download_that_cannot_be_made_says_why(sign_in: Callable[[User], Client], firm: Firm) -> None:
    invoice = _invoice(firm, lines=[Line("Beratung", D(10), D(120), category="", rate=D(0))])
    response = sign_in(firm.finance_user).get(reverse("web:invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 422
    assert "has no tax category" in response.content.decode()


def test_send_from_the_card(sign_in: Callable[[User], Client], firm: Firm) -> None:
    invoice = _invoice(firm)
    response = sign_in(firm.finance_user).post(
        reverse("web:invoice_send", args=[invoice.pk]), {"to": "controller@kunde.example", "message": "Hallo"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Invoice RE-2026-0001 was sent to controller@kunde.example." in html
    assert 'data-testid="sent-to"' in html and "Send again" in html
    assert [m.to for m in mail.outbox] == [["controller@kunde.example"]]


def test_send_without_htmx_comes_back_to_the_invoice(sign_in: Callable[[User], Client], firm: Firm) -> None:
    invoice = _invoice(firm)
    finance = sign_in(firm.finance_user)
    response = finance.post(reverse("web:invoice_send", args=[invoice.pk]), {"to": "", "message": ""})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:invoice", args=[invoice.pk])
    assert mail.outbox[0].to == ["ap@kunde.example"]
    page = finance.get(response["Location"]).content.decode()
    assert "was sent to ap@kunde.example" in page


def test_refusals_are_messages_on_the_card(sign_in: Callable[[User], Client], firm: Firm) -> None:
    invoice = _invoice(firm)
    finance = sign_in(firm.finance_user)
    url = reverse("web:invoice_send", args=[invoice.pk])
    counts = table_counts()
    bad = finance.post(url, {"to": "not an address", "message": "<b>kept</b>"}, **HTMX)
    assert bad.status_code == 422
    html = bad.content.decode()
    assert 'data-testid="send-error"' in html and "Recipient: Enter a valid email address." in html
    assert "&lt;b&gt;kept&lt;/b&gt;" in html  # what was typed comes back, escaped
    assert table_counts() == counts
    draft = issued(
        company=invoice.company, buyer=invoice.client, project=invoice.project, number="RE-2", lines=[], issue=False
    )
    assert table_counts() != counts  # (the draft is new)
    counts = table_counts()
    conflict = finance.post(reverse("web:invoice_send", args=[draft.pk]), {"to": ""}, **HTMX)
    assert conflict.status_code == 409
    assert "cannot be sent: issue it first" in conflict.content.decode()
    assert table_counts() == counts
    assert mail.outbox == []


def test_only_finance_sends(sign_in: Callable[[User], Client], firm: Firm) -> None:
    invoice = _invoice(firm)
    url = reverse("web:invoice_send", args=[invoice.pk])
    assert sign_in(firm.member_user).post(url, {"to": ""}).status_code == 404
    assert sign_in(firm.admin_user).get(url).status_code == 405
    assert mail.outbox == []
