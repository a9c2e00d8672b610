"""Write an `InvoiceDocument` as a UBL 2.1 Invoice or CreditNote following Peppol BIS Billing 3.0.

Why our own writer: there is no mature UBL library on PyPI, and the EN 16931 subset of UBL is about forty
elements. The UBL XSDs are sequences, so elements are appended in exactly the order the schema lists them;
`validate.check_ubl` proves it against the XSD and the CEN EN 16931 UBL rules. Peppol's own rules
(PEPPOL-EN16931-R*) are not available offline; the ones that matter are respected by construction and noted
where they apply. No Django.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from margin.billing.einvoice.document import (
    DocumentLine,
    InvoiceDocument,
    Party,
    TaxCategory,
    amount,
    amount_digits,
    plain,
)

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

# BT-24 and BT-23 of Peppol BIS Billing 3.0 (PEPPOL-EN16931-R004, -R001).
PEPPOL_CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PEPPOL_PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
VAT = "VAT"


def to_ubl(doc: InvoiceDocument) -> bytes:
    """The Peppol BIS 3.0 UBL XML of `doc`: an Invoice (380) or a CreditNote (381), UTF-8 with declaration.

    Raises ValueError for a currency EN 16931 cannot express (more than two decimals), and for a credit note
    with a due date but no payment means (UBL credit notes carry BT-9 inside the payment means).
    """
    amount_digits(doc.currency)
    if doc.tax_currency:
        amount_digits(doc.tax_currency)
    if doc.is_credit_note and doc.due_date and not doc.payment_means:
        raise ValueError(
            f"{doc.number}: a UBL CreditNote carries its due date (BT-9) in the payment means; give payment means "
            "or leave the due date out."
        )
    writer = _Writer(doc)
    return writer.document()


class _Writer:
    def __init__(self, doc: InvoiceDocument) -> None:
        self.doc = doc
        self.currency = doc.currency

    # element helpers -----------------------------------------------------------------------------------------------
    @staticmethod
    def cbc(parent: Any, name: str, text: str, **attributes: str) -> Any:
        element = etree.SubElement(parent, f"{{{CBC}}}{name}", attributes)
        element.text = text
        return element

    @staticmethod
    def cac(parent: Any, name: str) -> Any:
        return etree.SubElement(parent, f"{{{CAC}}}{name}")

    def money(self, parent: Any, name: str, minor: int, currency: str | None = None) -> Any:
        currency = currency or self.currency
        return self.cbc(parent, name, plain(amount(minor, currency)), currencyID=currency)

    def day(self, parent: Any, name: str, value: date) -> Any:
        return self.cbc(parent, name, value.isoformat())  # YYYY-MM-DD (PEPPOL-EN16931-F001)

    # document --------------------------------------------------------------------------------------------------------
    def document(self) -> bytes:
        doc = self.doc
        credit = doc.is_credit_note
        namespace = CREDIT_NOTE_NS if credit else INVOICE_NS
        root = etree.Element(
            f"{{{namespace}}}{'CreditNote' if credit else 'Invoice'}",
            nsmap={None: namespace, "cac": CAC, "cbc": CBC},
        )
        self.cbc(root, "CustomizationID", PEPPOL_CUSTOMIZATION_ID)  # BT-24
        self.cbc(root, "ProfileID", PEPPOL_PROFILE_ID)  # BT-23
        self.cbc(root, "ID", doc.number)  # BT-1
        self.day(root, "IssueDate", doc.issue_date)  # BT-2
        if doc.due_date and not credit:
            self.day(root, "DueDate", doc.due_date)  # BT-9 (a CreditNote has it in PaymentMeans)
        self.cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", doc.type_code)  # BT-3
        if doc.note:
            self.cbc(root, "Note", doc.note)  # BT-22 (Peppol allows one, PEPPOL-EN16931-R002)
        self.cbc(root, "DocumentCurrencyCode", doc.currency)  # BT-5
        if doc.tax_currency:
            self.cbc(root, "TaxCurrencyCode", doc.tax_currency)  # BT-6
        if doc.buyer_reference:
            self.cbc(root, "BuyerReference", doc.buyer_reference)  # BT-10
        if doc.period_start or doc.period_end:  # BG-14
            self.period(root, doc.period_start, doc.period_end)
        if doc.order_reference:
            self.cbc(self.cac(root, "OrderReference"), "ID", doc.order_reference)  # BT-13
        if doc.preceding_invoice:  # BG-3
            reference = self.cac(self.cac(root, "BillingReference"), "InvoiceDocumentReference")
            self.cbc(reference, "ID", doc.preceding_invoice)  # BT-25
            if doc.preceding_invoice_date:
                self.day(reference, "IssueDate", doc.preceding_invoice_date)  # BT-26
        self.party(self.cac(root, "AccountingSupplierParty"), doc.seller)  # BG-4
        self.party(self.cac(root, "AccountingCustomerParty"), doc.buyer)  # BG-7
        if doc.supply_date:
            self.day(self.cac(root, "Delivery"), "ActualDeliveryDate", doc.supply_date)  # BT-72
        self.payment(root)
        self.allowances(root)
        self.tax_totals(root)
        self.totals(root)
        for line in doc.lines:
            self.line(root, line)
        xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
        return xml

    def period(self, parent: Any, start: date | None, end: date | None) -> None:
        period = self.cac(parent, "InvoicePeriod")
        if start:
            self.day(period, "StartDate", start)
        if end:
            self.day(period, "EndDate", end)

    def party(self, parent: Any, party: Party) -> None:
        element = self.cac(parent, "Party")
        if party.electronic_address:  # BT-34 / BT-49, mandatory in Peppol (PEPPOL-EN16931-R010, -R020)
            self.cbc(element, "EndpointID", party.electronic_address, schemeID=party.electronic_scheme)
        address = self.cac(element, "PostalAddress")  # BG-5 / BG-8
        lines = party.address.lines
        if len(lines) > 0:
            self.cbc(address, "StreetName", lines[0])
        if len(lines) > 1:
            self.cbc(address, "AdditionalStreetName", lines[1])
        if party.address.city:
            self.cbc(address, "CityName", party.address.city)
        if party.address.postcode:
            self.cbc(address, "PostalZone", party.address.postcode)
        if len(lines) > 2:
            self.cbc(self.cac(address, "AddressLine"), "Line", lines[2])
        self.cbc(self.cac(address, "Country"), "IdentificationCode", party.address.country)
        if party.vat_id:  # BT-31 / BT-48
            scheme = self.cac(element, "PartyTaxScheme")
            self.cbc(scheme, "CompanyID", party.vat_id)
            self.cbc(self.cac(scheme, "TaxScheme"), "ID", VAT)
        legal = self.cac(element, "PartyLegalEntity")
        self.cbc(legal, "RegistrationName", party.name)  # BT-27 / BT-44
        if party.legal_id:
            self.cbc(legal, "CompanyID", party.legal_id)  # BT-30 / BT-47
        if party.has_contact:  # BG-6 / BG-9
            contact = self.cac(element, "Contact")
            if party.contact_name:
                self.cbc(contact, "Name", party.contact_name)
            if party.contact_phone:
                self.cbc(contact, "Telephone", party.contact_phone)
            if party.contact_email:
                self.cbc(contact, "ElectronicMail", party.contact_email)

    def payment(self, root: Any) -> None:
        doc = self.doc
        means = doc.payment_means
        if means:  # BG-16
            element = self.cac(root, "PaymentMeans")
            self.cbc(element, "PaymentMeansCode", means.effective_code)  # BT-81
            if doc.is_credit_note and doc.due_date:
                self.day(element, "PaymentDueDate", doc.due_date)  # BT-9 of a credit note
            if means.iban:
                account = self.cac(element, "PayeeFinancialAccount")
                self.cbc(account, "ID", means.iban)  # BT-84
                if means.account_name:
                    self.cbc(account, "Name", means.account_name)  # BT-85
                if means.bic:
                    self.cbc(self.cac(account, "FinancialInstitutionBranch"), "ID", means.bic)  # BT-86
        if doc.payment_terms:
            self.cbc(self.cac(root, "PaymentTerms"), "Note", doc.payment_terms)  # BT-20

    def tax_category(self, parent: Any, name: str, category: str, rate: Decimal) -> Any:
        element = self.cac(parent, name)
        self.cbc(element, "ID", category)
        if category != TaxCategory.OUTSIDE_SCOPE:  # "not subject to VAT" has no rate (BR-O-05, -06, -09)
            self.cbc(element, "Percent", plain(rate))
        return element

    def allowances(self, root: Any) -> None:
        for allowance in self.doc.allowances:  # BG-20
            element = self.cac(root, "AllowanceCharge")
            self.cbc(element, "ChargeIndicator", "false")
            self.cbc(element, "AllowanceChargeReason", allowance.reason)  # BT-97
            self.money(element, "Amount", allowance.amount_minor)  # BT-92
            category = self.tax_category(element, "TaxCategory", allowance.tax_category, allowance.tax_rate)
            self.cbc(self.cac(category, "TaxScheme"), "ID", VAT)  # BT-95, BT-96

    def tax_totals(self, root: Any) -> None:
        doc = self.doc
        total = self.cac(root, "TaxTotal")
        self.money(total, "TaxAmount", doc.tax_total)  # BT-110
        for subtotal in doc.tax_subtotals:  # BG-23
            row = self.cac(total, "TaxSubtotal")
            self.money(row, "TaxableAmount", subtotal.basis_minor)  # BT-116
            self.money(row, "TaxAmount", subtotal.tax_minor)  # BT-117
            category = self.tax_category(row, "TaxCategory", subtotal.category, subtotal.rate)  # BT-118, BT-119
            if subtotal.exemption_code:
                self.cbc(category, "TaxExemptionReasonCode", subtotal.exemption_code)  # BT-121
            if subtotal.exemption_reason:
                self.cbc(category, "TaxExemptionReason", subtotal.exemption_reason)  # BT-120
            self.cbc(self.cac(category, "TaxScheme"), "ID", VAT)
        if doc.tax_currency and doc.tax_total_in_tax_currency_minor is not None:
            # BT-111: a second TaxTotal, in the VAT accounting currency, without breakdown (PEPPOL-EN16931-R054).
            other = self.cac(root, "TaxTotal")
            self.money(other, "TaxAmount", doc.tax_total_in_tax_currency_minor, doc.tax_currency)

    def totals(self, root: Any) -> None:
        doc = self.doc
        totals = self.cac(root, "LegalMonetaryTotal")  # BG-22
        self.money(totals, "LineExtensionAmount", doc.line_total)  # BT-106
        self.money(totals, "TaxExclusiveAmount", doc.tax_basis)  # BT-109
        self.money(totals, "TaxInclusiveAmount", doc.grand_total)  # BT-112
        if doc.allowances:
            self.money(totals, "AllowanceTotalAmount", doc.allowance_total)  # BT-107
        if doc.prepaid_minor:
            self.money(totals, "PrepaidAmount", doc.prepaid_minor)  # BT-113
        self.money(totals, "PayableAmount", doc.due_payable)  # BT-115

    def line(self, root: Any, line: DocumentLine) -> None:
        credit = self.doc.is_credit_note
        element = self.cac(root, "CreditNoteLine" if credit else "InvoiceLine")  # BG-25
        self.cbc(element, "ID", line.line_id)  # BT-126
        if line.note:
            self.cbc(element, "Note", line.note)  # BT-127
        quantity_name = "CreditedQuantity" if credit else "InvoicedQuantity"
        self.cbc(element, quantity_name, plain(line.quantity), unitCode=line.unit_code)  # BT-129, BT-130
        self.money(element, "LineExtensionAmount", line.net_amount_minor)  # BT-131
        if line.period_start or line.period_end:  # BG-26
            self.period(element, line.period_start, line.period_end)
        item = self.cac(element, "Item")
        self.cbc(item, "Name", line.name)  # BT-153
        category = self.tax_category(item, "ClassifiedTaxCategory", line.tax_category, line.tax_rate)
        self.cbc(self.cac(category, "TaxScheme"), "ID", VAT)  # BT-151, BT-152
        price = self.cac(element, "Price")
        self.cbc(price, "PriceAmount", plain(line.net_price), currencyID=self.currency)  # BT-146
