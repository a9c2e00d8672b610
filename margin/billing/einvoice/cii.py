"""Write an `InvoiceDocument` as UN/CEFACT Cross Industry Invoice for Factur-X / ZUGFeRD, profile EN 16931.

Why drafthorse: it models the Factur-X CII data one-to-one and checks the result against the Factur-X EN 16931
XSD while serialising, so a structural mistake fails here instead of at the customer. Business rules (the
schematron) are checked separately by `validate.check_cii`. The XML is what `pdfa.embed_facturx` puts into the
PDF as factur-x.xml. No Django.
"""

from __future__ import annotations

from typing import Any

from drafthorse.models.accounting import ApplicableTradeTax, CategoryTradeTax, TradeAllowanceCharge
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentMeans as CiiPaymentMeans
from drafthorse.models.payment import PaymentTerms
from drafthorse.models.tradelines import LineItem

from margin.billing.einvoice.document import (
    DocumentLine,
    InvoiceDocument,
    Party,
    TaxCategory,
    amount,
    amount_digits,
    plain,
)

# BT-24: the specification identifier of EN 16931 itself, which is what the Factur-X EN 16931 profile uses.
EN16931_GUIDELINE = "urn:cen.eu:en16931:2017"
# drafthorse's name for the Factur-X EN 16931 XSD it validates against while serialising.
DRAFTHORSE_SCHEMA = "FACTUR-X_EN16931"
# UNTDID 5153 tax type: always VAT in EN 16931.
VAT = "VAT"
# Scheme of a VAT registration (BT-31, BT-48) in CII.
VAT_REGISTRATION_SCHEME = "VA"


def to_cii(doc: InvoiceDocument) -> bytes:
    """The Factur-X EN 16931 CII XML of `doc` (UTF-8, with XML declaration).

    Raises ValueError for a currency EN 16931 cannot express (more than two decimals).
    """
    amount_digits(doc.currency)
    if doc.tax_currency:
        amount_digits(doc.tax_currency)

    cii = Document()
    cii.context.guideline_parameter.id = EN16931_GUIDELINE
    cii.header.id = doc.number  # BT-1
    cii.header.type_code = doc.type_code  # BT-3
    cii.header.issue_date_time = doc.issue_date  # BT-2
    if doc.note:
        cii.header.notes.add(IncludedNote(content=doc.note))  # BG-1 / BT-22

    for line in doc.lines:
        cii.trade.items.add(_line(line, doc.currency))

    agreement = cii.trade.agreement
    if doc.buyer_reference:
        agreement.buyer_reference = doc.buyer_reference  # BT-10
    _party(agreement.seller, doc.seller)
    _party(agreement.buyer, doc.buyer)
    if doc.order_reference:
        agreement.buyer_order.issuer_assigned_id = doc.order_reference  # BT-13

    if doc.supply_date:
        cii.trade.delivery.event.occurrence = doc.supply_date  # BT-72 actual delivery date

    _settlement(cii.trade.settlement, doc)

    xml: bytes = cii.serialize(schema=DRAFTHORSE_SCHEMA)
    return xml


def _line(line: DocumentLine, currency: str) -> Any:
    item = LineItem()
    item.document.line_id = line.line_id  # BT-126
    if line.note:
        item.document.notes.add(IncludedNote(content=line.note))  # BT-127
    item.product.name = line.name  # BT-153
    item.agreement.net.amount = plain(line.net_price)  # BT-146
    item.delivery.billed_quantity = (plain(line.quantity), line.unit_code)  # BT-129, BT-130
    tax = item.settlement.trade_tax
    tax.type_code = VAT
    tax.category_code = line.tax_category  # BT-151
    if line.tax_category != TaxCategory.OUTSIDE_SCOPE:  # BR-O-05: no rate for "not subject to VAT"
        tax.rate_applicable_percent = plain(line.tax_rate)  # BT-152
    if line.period_start:
        item.settlement.period.start = line.period_start  # BT-134
    if line.period_end:
        item.settlement.period.end = line.period_end  # BT-135
    item.settlement.monetary_summation.total_amount = amount(line.net_amount_minor, currency)  # BT-131
    return item


def _party(target: Any, party: Party) -> None:
    target.name = party.name  # BT-27 / BT-44
    if party.legal_id:
        target.legal_organization.id = party.legal_id  # BT-30 / BT-47
    if party.has_contact:  # BG-6 / BG-9
        if party.contact_name:
            target.contact.person_name = party.contact_name
        if party.contact_phone:
            target.contact.telephone.number = party.contact_phone
        if party.contact_email:
            target.contact.email.address = party.contact_email
    address = target.address
    for field, text in zip(("line_one", "line_two", "line_three"), party.address.lines, strict=False):
        setattr(address, field, text)
    if party.address.postcode:
        address.postcode = party.address.postcode
    if party.address.city:
        address.city_name = party.address.city
    address.country_id = party.address.country
    if party.electronic_address:  # BT-34 / BT-49
        target.electronic_address.uri_ID = (party.electronic_scheme, party.electronic_address)
    if party.vat_id:  # BT-31 / BT-48
        target.tax_registrations.add(TaxRegistration(id=(VAT_REGISTRATION_SCHEME, party.vat_id)))


def _settlement(settlement: Any, doc: InvoiceDocument) -> None:
    currency = doc.currency
    if doc.tax_currency:
        settlement.tax_currency_code = doc.tax_currency  # BT-6
    settlement.currency_code = currency  # BT-5

    if doc.payment_means:  # BG-16
        means = CiiPaymentMeans()
        means.type_code = doc.payment_means.effective_code  # BT-81
        if doc.payment_means.iban:
            means.payee_account.iban = doc.payment_means.iban  # BT-84
            if doc.payment_means.account_name:
                means.payee_account.account_name = doc.payment_means.account_name  # BT-85
            if doc.payment_means.bic:
                means.payee_institution.bic = doc.payment_means.bic  # BT-86
        settlement.payment_means.add(means)

    for subtotal in doc.tax_subtotals:  # BG-23
        row = ApplicableTradeTax()
        row.calculated_amount = amount(subtotal.tax_minor, currency)  # BT-117
        row.type_code = VAT
        if subtotal.exemption_reason:
            row.exemption_reason = subtotal.exemption_reason  # BT-120
        row.basis_amount = amount(subtotal.basis_minor, currency)  # BT-116
        row.category_code = subtotal.category  # BT-118
        if subtotal.exemption_code:
            row.exemption_reason_code = subtotal.exemption_code  # BT-121
        if subtotal.category != TaxCategory.OUTSIDE_SCOPE:
            row.rate_applicable_percent = plain(subtotal.rate)  # BT-119
        settlement.trade_tax.add(row)

    if doc.period_start:  # BG-14
        settlement.period.start = doc.period_start  # BT-73
    if doc.period_end:
        settlement.period.end = doc.period_end  # BT-74

    for allowance in doc.allowances:  # BG-20
        charge = TradeAllowanceCharge()
        charge.indicator = False  # an allowance, not a charge
        charge.actual_amount = amount(allowance.amount_minor, currency)  # BT-92
        charge.reason = allowance.reason  # BT-97
        category = CategoryTradeTax()
        category.type_code = VAT
        category.category_code = allowance.tax_category  # BT-95
        if allowance.tax_category != TaxCategory.OUTSIDE_SCOPE:
            category.rate_applicable_percent = plain(allowance.tax_rate)  # BT-96
        charge.trade_tax.add(category)
        settlement.allowance_charge.add(charge)

    if doc.payment_terms or doc.due_date:
        terms = PaymentTerms()
        if doc.payment_terms:
            terms.description = doc.payment_terms  # BT-20
        if doc.due_date:
            terms.due = doc.due_date  # BT-9
        settlement.terms.add(terms)

    totals = settlement.monetary_summation  # BG-22
    totals.line_total = amount(doc.line_total, currency)  # BT-106
    if doc.allowances:
        totals.allowance_total = amount(doc.allowance_total, currency)  # BT-107
    totals.tax_basis_total = amount(doc.tax_basis, currency)  # BT-109
    totals.tax_total = (amount(doc.tax_total, currency), currency)  # BT-110
    if doc.tax_currency and doc.tax_total_in_tax_currency_minor is not None:
        # BT-111: the same VAT in the seller's VAT accounting currency, a second TaxTotalAmount.
        totals.tax_total_other_currency.add(
            (amount(doc.tax_total_in_tax_currency_minor, doc.tax_currency), doc.tax_currency)
        )
    totals.grand_total = amount(doc.grand_total, currency)  # BT-112
    if doc.prepaid_minor:
        totals.prepaid_total = amount(doc.prepaid_minor, currency)  # BT-113
    totals.due_amount = amount(doc.due_payable, currency)  # BT-115

    if doc.preceding_invoice:  # BG-3
        reference = settlement.invoice_referenced_document
        reference.issuer_assigned_id = doc.preceding_invoice  # BT-25
        if doc.preceding_invoice_date:
            reference.issue_date_time = doc.preceding_invoice_date  # BT-26
