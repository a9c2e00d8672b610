"""In Chromium: finance opens an issued invoice, downloads its PDF (a Factur-X e-invoice) and sends it to the client
from the Documents card; a bad address is refused on the card and nothing is sent. Screenshots go to
/tmp/shots/invoice-documents/."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from margin.billing.einvoice.pdfa import facturx_xml_of
from margin.billing.einvoice.validate import check_cii
from margin.billing.models import Invoice
from margin.billing.tests.issued import NOVEMBER, Line, client, german_seller, issued, project_of
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/invoice-documents")


def test_download_and_send_from_the_invoice_page(page: Any, sign_in: Callable[[str], Any], browser_firm: Firm) -> None:
    firm = browser_firm
    seller = german_seller(firm)
    buyer = client(firm, "Kunde AG")
    invoice = issued(
        company=seller,
        buyer=buyer,
        project=project_of(firm, seller, buyer, "KUN-1"),
        number="RE-2026-0001",
        buyer_reference="PO-4711",
        lines=[
            Line("Beratung — Senior Consultant", Decimal("12.5"), Decimal(120), period=NOVEMBER),
            Line("Workshop", Decimal(1), Decimal(2000), unit="C62"),
        ],
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    sign_in("finn")
    page.goto(f"/invoices/{invoice.pk}/")
    card = page.get_by_test_id("invoice-documents")
    expect(card).to_be_visible()
    expect(page.get_by_test_id("send-to")).to_have_value("ap@kunde.example")
    page.screenshot(path=str(SHOTS / "1-card.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_test_id("download-pdf").click()
    assert download.value.suggested_filename == "RE-2026-0001.pdf"
    pdf = Path(download.value.path()).read_bytes()
    assert check_cii(facturx_xml_of(pdf)) == []

    page.get_by_test_id("send-to").fill("not an address")
    page.get_by_test_id("send-invoice").click()
    expect(page.get_by_test_id("send-error")).to_contain_text("Enter a valid email address")
    assert mail.outbox == []

    page.get_by_test_id("send-to").fill("controller@kunde.example")
    page.get_by_test_id("send-message").fill("Vielen Dank für den Auftrag.")
    page.get_by_test_id("send-invoice").click()
    expect(page.get_by_test_id("send-notice")).to_have_text(
        "Invoice RE-2026-0001 was sent to controller@kunde.example."
    )
    expect(page.get_by_test_id("sent-to")).to_contain_text("Sent to controller@kunde.example")
    page.screenshot(path=str(SHOTS / "2-sent.png"), full_page=True)
    (email,) = mail.outbox
    assert email.to == ["controller@kunde.example"]
    assert Invoice.objects.get(pk=invoice.pk).sent_to == "controller@kunde.example"
