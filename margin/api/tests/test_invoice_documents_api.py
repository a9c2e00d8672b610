"""An invoice's documents through the API: the PDF with its Factur-X, the UBL and the CII for whoever may read the
invoice (404 for anyone else), 422 saying what to fix for an invoice that cannot be an e-invoice, 409 for a
draft; sending for finance only, with nothing changed by a refusal."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.core import mail
from pypdf import PdfReader

from margin.accounts.models import Company
from margin.api.tests.conftest import error_of, unchanged
from margin.billing.einvoice.pdfa import facturx_xml_of
from margin.billing.einvoice.validate import check_cii, check_ubl
from margin.billing.models import Invoice
from margin.billing.tests.issued import Line, client, german_seller, issued, project_of
from margin.crm.models import Client
from tests.firm import Firm

D = Decimal


def _german(firm: Firm, **changes: object) -> Invoice:
    seller = german_seller(firm)
    buyer = client(firm, "Kunde AG")
    values: dict[str, object] = {
        "company": seller,
        "buyer": buyer,
        "project": project_of(firm, seller, buyer, "KUN-1"),
        "number": "RE-2026-0001",
        "buyer_reference": "PO-4711",
        "lines": [Line("Beratung", D(10), D(120))],
        **changes,
    }
    return issued(**values)  # type: ignore[arg-type]


def _american(firm: Firm) -> Invoice:
    """GLX-1's own invoice (its manager may read it): a US firm's services, not subject to EU VAT."""
    Company.objects.filter(pk=firm.usd.pk).update(
        legal_name="Acme US Inc.",
        address="200 Atlantic Avenue\nBoston, MA 02110",
        country="US",
        email="ar@acme.example",
    )
    Client.objects.filter(pk=firm.client.pk).update(country="US", billing_email="ap@globex.example")
    firm.usd.refresh_from_db()
    firm.client.refresh_from_db()
    return issued(
        company=firm.usd,
        buyer=firm.client,
        project=firm.project,
        number="2026-0001",
        currency="USD",
        lines=[Line("Design — Consultant", D(3), D(100), category="O", rate=D(0))],
    )


def test_the_pdf_carries_a_factur_x_that_passes(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    invoice = _german(firm)
    response = api_as(firm.finance_user).get(f"/invoices/{invoice.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="RE-2026-0001.pdf"'
    assert list(PdfReader(BytesIO(response.content)).attachments) == ["factur-x.xml"]
    assert check_cii(facturx_xml_of(response.content)) == []


def test_the_ubl_and_the_cii(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    invoice = _german(firm)
    finance = api_as(firm.finance_user)
    ubl = finance.get(f"/invoices/{invoice.pk}/ubl")
    assert (ubl.status_code, ubl["Content-Type"]) == (200, "application/xml")
    assert ubl["Content-Disposition"] == 'attachment; filename="RE-2026-0001.xml"'
    assert check_ubl(ubl.content) == []
    cii = finance.get(f"/invoices/{invoice.pk}/cii")
    assert (cii.status_code, cii["Content-Type"]) == (200, "application/xml")
    assert cii["Content-Disposition"] == 'attachment; filename="RE-2026-0001.cii.xml"'
    assert check_cii(cii.content) == []


@pytest.mark.parametrize(("who", "status"), [("manager", 200), ("member", 404), ("other", 404)])
def test_read_like_the_invoice(firm: Firm, api_as, who: str, status: int) -> None:  # type: ignore[no-untyped-def]
    invoice = _american(firm)
    user = {"manager": firm.manager_user, "member": firm.member_user}.get(who)
    if user is None:
        from django.contrib.auth.models import User

        user = User.objects.get(username="rival-admin")
    for kind in ("pdf", "ubl", "cii"):
        response = api_as(user).get(f"/invoices/{invoice.pk}/{kind}")
        assert response.status_code == status, (kind, response.content[:300])


def test_an_invoice_without_tax_categories_is_422_saying_why(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    invoice = _german(firm, lines=[Line("Beratung", D(10), D(120), category="", rate=D(0))])
    for kind in ("pdf", "ubl", "cii"):
        body = error_of(
            api_as(firm.finance_user).get(f"/invoices/{invoice.pk}/{kind}"), 422, "lines_without_tax_category"
        )
        assert "line 1 (Beratung) has no tax category" in body["detail"]


def test_a_draft_has_no_documents_409(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    invoice = _german(firm, issue=False)
    error_of(api_as(firm.finance_user).get(f"/invoices/{invoice.pk}/pdf"), 409, "conflict")


def test_send(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    invoice = _german(firm)
    response = api_as(firm.finance_user).post(
        f"/invoices/{invoice.pk}/send", {"to": "controller@kunde.example", "message": "Hallo!"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["number"] == "RE-2026-0001"
    (email,) = mail.outbox
    assert email.to == ["controller@kunde.example"]
    assert [name for name, _, _ in email.attachments] == ["RE-2026-0001.pdf", "RE-2026-0001.xml"]
    invoice.refresh_from_db()
    assert invoice.sent_to == "controller@kunde.example"


def test_send_is_finance_s_and_a_refusal_changes_nothing(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    invoice = _american(firm)
    with unchanged(invoice):
        error_of(api_as(firm.manager_user).post(f"/invoices/{invoice.pk}/send", {}), 403, "forbidden")
        error_of(api_as(firm.member_user).post(f"/invoices/{invoice.pk}/send", {}), 404, "not_found")
        bad = error_of(api_as(firm.finance_user).post(f"/invoices/{invoice.pk}/send", {"to": "nobody"}), 422)
        assert bad["field"] == "to"
    draft = _german(firm, issue=False)
    with unchanged(draft):
        error_of(api_as(firm.finance_user).post(f"/invoices/{draft.pk}/send", {}), 409, "conflict")
    Client.objects.filter(pk=draft.client_id).update(billing_email="")
    german = issued(
        company=draft.company, buyer=draft.client, project=draft.project, number="RE-2", lines=[Line("x", D(1), D(1))]
    )
    with unchanged(german):
        body = error_of(api_as(firm.finance_user).post(f"/invoices/{german.pk}/send", {}), 422, "invalid")
        assert body["field"] == "to"
    assert mail.outbox == []
