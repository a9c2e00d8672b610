"""An issued invoice's documents pass the official checks: the Factur-X CII taken out of its PDF and its Peppol UBL
give no finding at all (no error, no warning) from the XSDs and the CEN EN 16931 schematron, for every shape a
firm issues (domestic 19 %, reverse charge to an EU business, export, two rates, a foreign currency, a credit
note, a discount); a broken file fires the rule a receiving platform would cite; what cannot be a valid
e-invoice is refused saying how to fix it; and the PDF is a PDF/A-3 of the company's page size with its logo.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from lxml import etree
from PIL import Image
from pypdf import PdfReader

from margin.accounts.models import Company
from margin.billing.documents import (
    cii_of,
    document_of,
    epc_payload,
    file_name,
    parties_of,
    pdf_context,
    pdf_of,
    postal_address,
    ubl_of,
)
from margin.billing.einvoice.document import Address
from margin.billing.einvoice.pdfa import facturx_xml_of
from margin.billing.einvoice.validate import Finding, check_cii, check_ubl
from margin.billing.models import DocumentKind, Invoice, LineKind
from margin.billing.tests.issued import (
    NOVEMBER,
    Line,
    american_client,
    client,
    french_business,
    german_seller,
    issued,
    project_of,
)
from margin.core.errors import Conflict, Invalid
from margin.crm.models import Client
from tests.checks import refused
from tests.firm import Firm

D = Decimal
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
CII_NS = {"ram": RAM, "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"}
UBL_NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
A4 = (595.276, 841.89)
LETTER = (612.0, 792.0)


# the invoices a German consultancy issues ------------------------------------------------------------------------
def _domestic(firm: Firm, **changes: object) -> Invoice:
    seller = german_seller(firm)
    buyer = client(firm, "Kunde AG")
    project = project_of(firm, seller, buyer, "KUN-1")
    values: dict[str, object] = {
        "company": seller,
        "buyer": buyer,
        "project": project,
        "number": "RE-2026-0001",
        "buyer_reference": "PO-4711",
        "lines": [
            Line("Beratung — Senior Consultant", D("12.5"), D("120"), period=NOVEMBER, minutes=750),
            Line("Workshop München (fixed fee)", D(1), D(2000), unit="C62", kind=LineKind.FIXED),
        ],
        **changes,
    }
    return issued(**values)  # type: ignore[arg-type]


def domestic(firm: Firm) -> Invoice:
    """Germany to Germany at 19 %: hours for November and a fixed fee."""
    return _domestic(firm)


def reverse_charge(firm: Firm) -> Invoice:
    """Germany to a French business with a VAT id: the buyer accounts for the VAT (AE)."""
    seller = german_seller(firm)
    buyer = french_business(firm)
    return issued(
        company=seller,
        buyer=buyer,
        project=project_of(firm, seller, buyer, "CIN-1"),
        number="RE-2026-0002",
        lines=[Line("Projektleitung", D(10), D(150), category="AE", rate=D(0), period=NOVEMBER, minutes=600)],
    )


def export(firm: Firm) -> Invoice:
    """Germany to a US business: an export, no VAT charged (G)."""
    seller = german_seller(firm)
    buyer = american_client(firm)
    return issued(
        company=seller,
        buyer=buyer,
        project=project_of(firm, seller, buyer, "BLU-1"),
        number="RE-2026-0003",
        lines=[Line("Remote consulting", D(20), D("135.50"), category="G", rate=D(0), minutes=1200)],
    )


def multi_rate(firm: Firm) -> Invoice:
    """19 % consulting and a 7 % book, VAT rounded once per rate."""
    return _domestic(
        firm,
        number="RE-2026-0004",
        rounding="per_document",
        lines=[
            Line("Beratung", D(20), D(100), period=NOVEMBER, minutes=1200),
            Line("Fachbuch „Agile Controlling“", D(1), D("45.50"), rate=D(7), unit="C62", kind=LineKind.EXPENSE),
        ],
    )


def foreign_currency(firm: Firm) -> Invoice:
    """A USD invoice of the EUR company: the VAT is also stated in EUR at the rate the invoice kept (BT-6, BT-111)."""
    return _domestic(
        firm,
        number="RE-2026-0005",
        currency="USD",
        exchange_rate=D("0.92"),
        exchange_rate_date=date(2026, 11, 30),
        lines=[Line("Consulting (USD contract)", D(10), D(200), minutes=600)],
    )


def credit_note(firm: Firm) -> Invoice:
    """A credit note for two hours of the domestic invoice, stored with negative amounts."""
    invoice = domestic(firm)
    return issued(
        company=invoice.company,
        buyer=invoice.client,
        project=invoice.project,
        number="GS-2026-0001",
        kind=DocumentKind.CREDIT_NOTE,
        credited=invoice,
        reason="Two hours were logged twice.",
        issue_date=date(2026, 12, 10),
        due_days=14,
        sign=-1,
        lines=[Line("Beratung — Senior Consultant (not due)", D(2), D(120), period=NOVEMBER, minutes=120)],
    )


def discount(firm: Firm) -> Invoice:
    """A 200 EUR discount on the 19 % consulting: a document-level allowance in the files."""
    return _domestic(
        firm,
        number="RE-2026-0006",
        lines=[
            Line("Beratung", D(20), D(100), period=NOVEMBER, minutes=1200),
            Line("Fachbuch", D(1), D("45.50"), rate=D(7), unit="C62", kind=LineKind.EXPENSE),
            Line("Rahmenvertragsrabatt", kind=LineKind.DISCOUNT, amount_minor=-20000, unit="C62"),
        ],
    )


def outside_scope(firm: Firm) -> Invoice:
    """A US firm's services to a US client: not subject to EU VAT (O), so no VAT id is written at all (BR-O-02)."""
    Company.objects.filter(pk=firm.usd.pk).update(
        legal_name="Acme US Inc.",
        tax_id="EIN 84-2719364",
        address="200 Atlantic Avenue, Suite 400\nBoston, MA 02110\nUnited States",
        country="US",
        email="ar@acme.example",
    )
    firm.usd.refresh_from_db()
    buyer = american_client(firm)
    return issued(
        company=firm.usd,
        buyer=buyer,
        project=project_of(firm, firm.usd, buyer, "BLU-2"),
        number="2026-0001",
        currency="USD",
        lines=[Line("Design — Consultant", D(3), D(100), category="O", rate=D(0))],
    )


GOOD: dict[str, Callable[[Firm], Invoice]] = {
    "domestic": domestic,
    "reverse_charge": reverse_charge,
    "export": export,
    "multi_rate": multi_rate,
    "foreign_currency": foreign_currency,
    "credit_note": credit_note,
    "discount": discount,
    "outside_scope": outside_scope,
}


def _rules(findings: list[Finding]) -> set[str]:
    return {finding.rule for finding in findings}


def _pages(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in _pages(pdf).pages)


# nothing to report -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", GOOD)
def test_the_pdfs_factur_x_and_the_ubl_pass_every_check(name: str, firm: Firm) -> None:
    invoice = GOOD[name](firm)
    pdf = pdf_of(invoice)
    xml = facturx_xml_of(pdf)
    assert xml == cii_of(invoice)  # the CII inside the PDF is the CII handed out
    assert check_cii(xml) == []
    assert check_ubl(ubl_of(invoice)) == []


# what the files say ------------------------------------------------------------------------------------------------
def test_a_domestic_invoice_names_parties_period_payment_and_reference(firm: Firm) -> None:
    invoice = domestic(firm)
    cii = etree.fromstring(cii_of(invoice))
    ubl = etree.fromstring(ubl_of(invoice))
    assert ubl.findtext("cbc:InvoiceTypeCode", namespaces=UBL_NS) == "380"
    assert ubl.findtext("cbc:BuyerReference", namespaces=UBL_NS) == "PO-4711"  # BT-10
    seller = ubl.find("cac:AccountingSupplierParty/cac:Party", UBL_NS)
    assert seller.findtext("cac:PartyTaxScheme/cbc:CompanyID", namespaces=UBL_NS) == "DE123456789"
    assert seller.findtext("cac:PartyLegalEntity/cbc:RegistrationName", namespaces=UBL_NS) == "Acme Beratung GmbH"
    address = seller.find("cac:PostalAddress", UBL_NS)
    assert [address.findtext(f"cbc:{n}", namespaces=UBL_NS) for n in ("StreetName", "CityName", "PostalZone")] == [
        "Friedrichstraße 68",
        "Berlin",
        "10117",
    ]
    assert ubl.findtext("cac:PaymentMeans/cbc:PaymentMeansCode", namespaces=UBL_NS) == "58"
    assert ubl.findtext("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", namespaces=UBL_NS) == (
        "DE89370400440532013000"
    )
    assert ubl.findtext("cbc:DueDate", namespaces=UBL_NS) == "2026-12-31"
    assert cii.findtext(".//ram:BillingSpecifiedPeriod/ram:EndDateTime/*", namespaces=CII_NS) == "20261130"
    line = ubl.find("cac:InvoiceLine", UBL_NS)
    assert line.find("cbc:InvoicedQuantity", UBL_NS).get("unitCode") == "HUR"
    assert line.findtext("cbc:InvoicedQuantity", namespaces=UBL_NS) == "12.5"
    assert ubl.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=UBL_NS) == "4165.00"


def test_without_a_contract_or_a_reference_bt_10_is_the_project_code(firm: Firm) -> None:
    invoice = reverse_charge(firm)
    assert (invoice.buyer_reference, invoice.contract_id) == ("", None)
    assert document_of(invoice).buyer_reference == "CIN-1"


def test_outside_scope_names_no_vat_id(firm: Firm) -> None:
    document = document_of(outside_scope(firm))
    assert (document.seller.vat_id, document.buyer.vat_id) == ("", "")
    assert document.seller.legal_id == "EIN 84-2719364"  # BT-30: how the buyer's system knows the seller
    assert document.tax_subtotals[0].exemption_code == "VATEX-EU-O"


def test_reverse_charge_carries_both_vat_ids_and_the_exemption(firm: Firm) -> None:
    ubl = etree.fromstring(ubl_of(reverse_charge(firm)))
    buyer = ubl.find("cac:AccountingCustomerParty/cac:Party", UBL_NS)
    assert buyer.findtext("cac:PartyTaxScheme/cbc:CompanyID", namespaces=UBL_NS) == "FR44987654321"
    category = ubl.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", UBL_NS)
    assert category.findtext("cbc:ID", namespaces=UBL_NS) == "AE"
    assert category.findtext("cbc:TaxExemptionReasonCode", namespaces=UBL_NS) == "VATEX-EU-AE"


def test_an_american_tax_number_is_printed_but_not_written_as_a_vat_id(firm: Firm) -> None:
    invoice = export(firm)
    ubl = etree.fromstring(ubl_of(invoice))
    assert ubl.find("cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme", UBL_NS) is None
    city = ubl.findtext("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cbc:CityName", namespaces=UBL_NS)
    assert city == "Seattle, WA"
    assert "EIN 91-4827310" in _text(pdf_of(invoice))


def test_a_foreign_currency_invoice_states_the_vat_in_the_company_currency(firm: Firm) -> None:
    invoice = foreign_currency(firm)
    ubl = etree.fromstring(ubl_of(invoice))
    assert ubl.findtext("cbc:DocumentCurrencyCode", namespaces=UBL_NS) == "USD"
    assert ubl.findtext("cbc:TaxCurrencyCode", namespaces=UBL_NS) == "EUR"  # BT-6
    totals = ubl.findall("cac:TaxTotal/cbc:TaxAmount", UBL_NS)
    # 2,000.00 USD at 19 % = 380.00 USD; × 0.92 = 349.60 EUR (BT-111)
    assert [(t.get("currencyID"), t.text) for t in totals] == [("USD", "380.00"), ("EUR", "349.60")]
    assert "VAT in EUR: 349.60 EUR (1 USD = 0.92 EUR, rate of 30 November 2026)" in _text(pdf_of(invoice))


def test_a_credit_note_is_381_with_positive_amounts_and_its_invoice(firm: Firm) -> None:
    note = credit_note(firm)
    assert note.total_minor == -28560  # stored negative: 240.00 + 45.60 VAT
    document = document_of(note)
    assert (document.type_code, document.grand_total) == ("381", 28560)
    assert (document.preceding_invoice, document.preceding_invoice_date) == ("RE-2026-0001", date(2026, 12, 1))
    cii = etree.fromstring(cii_of(note))
    assert cii.findtext(".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=CII_NS) == "RE-2026-0001"
    ubl = etree.fromstring(ubl_of(note))
    assert etree.QName(ubl).localname == "CreditNote"
    assert ubl.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=UBL_NS) == "285.60"
    text = _text(pdf_of(note))
    assert "Credit note" in text and "corrects invoice RE-2026-0001" in text and "Two hours were logged twice." in text
    assert "Total credited 285.60 EUR" in text
    assert "Scan with your banking app" not in text  # the firm pays back: no payment QR code


def test_a_discount_line_becomes_an_allowance_of_its_rate(firm: Firm) -> None:
    invoice = discount(firm)
    document = document_of(invoice)
    assert [(a.amount_minor, a.reason, a.tax_category, a.tax_rate) for a in document.allowances] == [
        (20000, "Rahmenvertragsrabatt", "S", D(19))
    ]
    assert [line.line_id for line in document.lines] == ["1", "2"]  # the discount is not a line
    assert (document.line_total, document.allowance_total, document.grand_total) == (204550, 20000, 219069)
    ubl = etree.fromstring(ubl_of(invoice))
    assert ubl.findtext("cac:AllowanceCharge/cbc:ChargeIndicator", namespaces=UBL_NS) == "false"
    assert ubl.findtext("cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount", namespaces=UBL_NS) == "200.00"
    assert "Rahmenvertragsrabatt VAT 19 % -200.00" in _text(pdf_of(invoice))


def test_several_projects_are_grouped_on_the_pdf_and_named_on_the_lines(firm: Firm) -> None:
    seller = german_seller(firm)
    buyer = client(firm, "Kunde AG")
    first, second = project_of(firm, seller, buyer, "KUN-1"), project_of(firm, seller, buyer, "KUN-2")
    invoice = issued(
        company=seller,
        buyer=buyer,
        project=None,
        number="RE-2026-0010",
        lines=[
            Line("Analyse", D(4), D(100), project=first),
            Line("Umsetzung", D(6), D(100), project=second),
            Line("Review", D(1), D(100), project=first),
        ],
    )
    context = pdf_context(invoice, document_of(invoice))
    assert [(g["title"], [line["description"] for line in g["lines"]], g["subtotal"]) for g in context["groups"]] == [
        ("KUN-1 · KUN-1 work", ["Analyse", "Review"], "500.00"),
        ("KUN-2 · KUN-2 work", ["Umsetzung"], "600.00"),
    ]
    assert [line.note for line in document_of(invoice).lines] == [
        "Project KUN-1 KUN-1 work",
        "Project KUN-2 KUN-2 work",
        "Project KUN-1 KUN-1 work",
    ]
    assert check_ubl(ubl_of(invoice)) == []


def test_the_parties_are_those_of_the_day_of_issue(firm: Firm) -> None:
    invoice = domestic(firm)
    Company.objects.filter(pk=invoice.company_id).update(address="Neue Straße 1\n20095 Hamburg", iban="")
    Client.objects.filter(pk=invoice.client_id).update(name="Kunde AG (renamed)")
    invoice.refresh_from_db()
    document = document_of(invoice)
    assert document.seller.address.city == "Berlin"
    assert document.buyer.name == "Kunde AG"
    assert document.payment_means is not None and document.payment_means.iban == "DE89370400440532013000"


def test_an_invoice_issued_before_snapshots_reads_the_live_parties(firm: Firm) -> None:
    invoice = _domestic(firm, snapshot=False)
    assert invoice.parties == {}
    assert document_of(invoice).seller.vat_id == "DE123456789"
    assert check_ubl(ubl_of(invoice)) == []


def test_the_snapshot_is_plain_json_of_the_three_objects(firm: Firm) -> None:
    import json

    seller = german_seller(firm)
    buyer = french_business(firm)
    parties = parties_of(seller, buyer, None)
    assert json.loads(json.dumps(parties)) == parties
    assert parties["seller"]["tax_id"] == "DE123456789"
    assert parties["buyer"]["tax_treatment"] == "eu_business"
    assert parties["payment"] == {"bank_name": "Commerzbank", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}
    assert parties["contract"] is None


# broken files fire the rules a platform cites ---------------------------------------------------------------------
def _edit(xml: bytes, path: str, namespaces: dict[str, str], change: Callable[[str], str]) -> bytes:
    root = etree.fromstring(xml)
    (element,) = root.xpath(path, namespaces=namespaces)
    element.text = change(element.text)
    result: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return result


def _plus_one_cent(text: str) -> str:
    return str(D(text) + D("0.01"))


def test_a_tax_total_one_cent_off_fires_the_total_rules(firm: Firm) -> None:
    invoice = domestic(firm)
    cii = _edit(
        facturx_xml_of(pdf_of(invoice)),
        "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TaxTotalAmount",
        CII_NS,
        _plus_one_cent,
    )
    ubl = _edit(ubl_of(invoice), "/*/cac:TaxTotal/cbc:TaxAmount", UBL_NS, _plus_one_cent)
    # VAT total (BT-110) = sum of the breakdown's VAT amounts (BR-CO-14); total with VAT (BT-112) = BT-109 + BT-110.
    assert _rules(check_cii(cii)) >= {"BR-CO-14", "BR-CO-15"}
    assert _rules(check_ubl(ubl)) >= {"BR-CO-14", "BR-CO-15"}


def test_stored_totals_that_do_not_add_up_are_refused(firm: Firm) -> None:
    invoice = domestic(firm)
    invoice.tax_minor += 1  # as if the row said 665.01: never written to a file
    invoice.total_minor += 1
    with pytest.raises(Invalid, match="add up to 350000 \\+ 66500 = 416500"):
        document_of(invoice)


# refused, saying how to fix it --------------------------------------------------------------------------------------
def test_lines_without_a_tax_category_are_refused_naming_them(firm: Firm) -> None:
    # As invoices made before tax codes existed: lines without a category, no tax summary.
    invoice = _domestic(
        firm,
        lines=[
            Line("Beratung — Senior Consultant", D("12.5"), D("120"), category="", rate=D(0)),
            Line("Workshop München (fixed fee)", D(1), D(2000), category="", rate=D(0)),
        ],
    )
    for write in (pdf_of, ubl_of, cii_of):
        with refused(Invalid, invoice, match="lines 1 \\(Beratung — Senior Consultant\\); 2 \\(Workshop") as error:
            write(invoice)
        assert "no tax category" in error.value.message
        assert "credit note" in error.value.message
        assert error.value.status == 422


def test_a_draft_has_no_documents(firm: Firm) -> None:
    invoice = _domestic(firm, issue=False)
    with refused(Conflict, invoice, match="is a draft"):
        pdf_of(invoice)


def test_a_party_without_a_country_or_vat_id_is_refused(firm: Firm) -> None:
    seller = german_seller(firm, country="", tax_id="")
    buyer = client(firm, "Kunde AG", country="")
    invoice = issued(company=seller, buyer=buyer, project=None, number="RE-1", lines=[Line("Beratung", D(1), D(100))])
    with pytest.raises(Invalid) as error:
        ubl_of(invoice)
    message = error.value.message
    assert "the seller, Acme Beratung GmbH, has no country" in message
    assert "the client, Kunde AG, has no country" in message
    assert "has no VAT id" in message


def test_reverse_charge_without_the_buyers_vat_id_is_refused(firm: Firm) -> None:
    seller = german_seller(firm)
    buyer = client(firm, "Client SARL", country="FR", tax_id="", tax_treatment="domestic")
    invoice = issued(
        company=seller,
        buyer=buyer,
        project=None,
        number="RE-2",
        lines=[Line("x", D(1), D(1), category="AE", rate=D(0))],
    )
    with pytest.raises(Invalid, match="reverse charge needs the client's VAT id"):
        document_of(invoice)


# the PDF -------------------------------------------------------------------------------------------------------------
def test_the_pdf_is_pdf_a_3_with_factur_x_attached(firm: Firm) -> None:
    pdf = pdf_of(domestic(firm))
    reader = _pages(pdf)
    assert list(reader.attachments) == ["factur-x.xml"]
    root = reader.trailer["/Root"]
    assert root["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"
    xmp = root["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp
    assert b"<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert b"<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp


def _media_box(pdf: bytes) -> tuple[float, float]:
    box = _pages(pdf).pages[0].mediabox
    return (round(float(box.width), 3), round(float(box.height), 3))


def test_no_image_is_interpolated(firm: Firm) -> None:
    """PDF/A: an image's Interpolate key, when present, is false (the QR code and the logo)."""
    invoice = domestic(firm)
    picture = io.BytesIO()
    Image.new("RGB", (240, 80), (29, 78, 137)).save(picture, "PNG")
    invoice.company.logo.save("acme.png", ContentFile(picture.getvalue()), save=True)
    invoice.refresh_from_db()
    page = _pages(pdf_of(invoice)).pages[0]
    images = [x.get_object() for x in page["/Resources"]["/XObject"].values()]
    images = [x for x in images if x.get("/Subtype") == "/Image"]
    assert [str(x.get("/Interpolate", False)) for x in images] == ["False", "False"]


def test_the_page_size_is_the_companys(firm: Firm) -> None:
    invoice = domestic(firm)
    assert _media_box(pdf_of(invoice)) == A4
    Company.objects.filter(pk=invoice.company_id).update(invoice_page_size="Letter")
    invoice.refresh_from_db()
    assert _media_box(pdf_of(invoice)) == LETTER


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in _pages(pdf).pages)


def test_the_logo_is_printed_when_the_company_has_one(firm: Firm) -> None:
    invoice = domestic(firm)
    without = _images(pdf_of(invoice))
    picture = io.BytesIO()
    Image.new("RGB", (240, 80), (29, 78, 137)).save(picture, "PNG")
    invoice.company.logo.save("acme.png", ContentFile(picture.getvalue()), save=True)
    invoice.refresh_from_db()
    assert _images(pdf_of(invoice)) == without + 1


def test_the_pdf_shows_the_numbers_and_the_payment_qr_code(firm: Firm) -> None:
    invoice = domestic(firm)
    text = _text(pdf_of(invoice))
    for expected in (
        "Invoice",
        "RE-2026-0001",
        "Acme Beratung GmbH",
        "VAT ID DE123456789",
        "Kunde AG",
        "VAT ID DE987654321",
        "1 December 2026",
        "31 December 2026",
        "PO-4711",
        "Total due 4,165.00 EUR",
        "VAT 19 % 3,500.00 665.00",
        "DE89 3704 0044 0532 0130 00",
        "COBADEFFXXX",
        "Scan with your banking app",
    ):
        assert expected in text, expected
    context = pdf_context(invoice, document_of(invoice))
    assert context["qr"].startswith("data:image/png;base64,")


def test_reverse_charge_is_worded_on_the_pdf(firm: Firm) -> None:
    text = _text(pdf_of(reverse_charge(firm)))
    assert "Reverse charge: the recipient accounts for the VAT" in text
    assert "VAT ID FR44987654321" in text


def test_no_qr_code_for_another_currency_or_without_an_iban(firm: Firm) -> None:
    invoice = foreign_currency(firm)
    assert pdf_context(invoice, document_of(invoice))["qr"] == ""


def test_user_text_is_escaped(firm: Firm) -> None:
    from django.template.loader import render_to_string

    invoice = _domestic(firm, note='<img src="http://evil.example/x.png"> & <b>bold</b>')
    html = render_to_string("billing/invoice_pdf.html", pdf_context(invoice, document_of(invoice)))
    assert "&lt;img src=&quot;http://evil.example/x.png&quot;&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>bold" not in html
    assert "evil.example" in _text(pdf_of(invoice))  # printed as text


# small pure parts ----------------------------------------------------------------------------------------------------
def test_the_epc_payload_follows_epc069_12() -> None:
    payload = epc_payload(
        name="Acme Beratung GmbH",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        amount_minor=416500,
        currency="EUR",
        text="Invoice RE-2026-0001",
    )
    assert payload is not None
    assert payload.split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "COBADEFFXXX",
        "Acme Beratung GmbH",
        "DE89370400440532013000",
        "EUR4165.00",
        "",
        "",
        "Invoice RE-2026-0001",
    ]
    common = {"name": "A", "iban": "DE89370400440532013000", "bic": "", "text": "x"}
    assert epc_payload(amount_minor=100, currency="USD", **common) is None
    assert epc_payload(amount_minor=0, currency="EUR", **common) is None
    assert epc_payload(amount_minor=100_000_000_000, currency="EUR", **common) is None


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("Friedrichstraße 68\n10117 Berlin\nGermany", "DE", (("Friedrichstraße 68",), "Berlin", "10117")),
        (
            "200 Atlantic Avenue, Suite 400\nBoston, MA 02110",
            "US",
            (("200 Atlantic Avenue, Suite 400",), "Boston, MA", "02110"),
        ),
        ("10 Downing Street\nLondon SW1A 2AA\nUnited Kingdom", "GB", (("10 Downing Street",), "London", "SW1A 2AA")),
        ("Herengracht 1\n1015 BA Amsterdam", "NL", (("Herengracht 1",), "Amsterdam", "1015 BA")),
        ("1 Main St", "US", (("1 Main St",), "", "")),
        ("", "DE", ((), "", "")),
        ("a\nb\nc\nd\n75002 Paris", "FR", (("a", "b", "c, d"), "Paris", "75002")),
    ],
)
def test_postal_addresses_are_split(text: str, country: str, expected: tuple[tuple[str, ...], str, str]) -> None:
    lines, city, postcode = expected
    assert postal_address(text, country) == Address(lines, city, postcode, country)


def test_file_names_are_the_number(firm: Firm) -> None:
    invoice = domestic(firm)
    assert file_name(invoice, "pdf") == "RE-2026-0001.pdf"
    invoice.number = "2026/07 #3"
    assert re.fullmatch(r"2026-07-3\.xml", file_name(invoice, "xml"))
