"""The documents a client's system accepts: an issued invoice or credit note as EN 16931 data, written as a
Factur-X PDF/A-3 (the PDF people read, with the CII XML inside), as Peppol UBL and as plain CII.

Why a module between actions and queries: the stored invoice (rows, minor units, a tax summary) and the pure
e-invoice model (`einvoice.document.InvoiceDocument`) change for different reasons; `document_of` is the one
mapping between them, and every file Margin hands out is written from its result, so the PDF, the UBL and
the CII of an invoice always say the same thing.

- The parties (seller, buyer, where to pay) are the snapshot the invoice took when it was issued
  (`Invoice.parties`, made by `parties_of`); an invoice issued before snapshots existed reads the live
  company, client and contract.
- Amounts are what the invoice stored; nothing is recomputed. A credit note is written with positive amounts
  (EN 16931), whichever sign it was stored with; a discount line (a negative amount) becomes a document-level
  allowance of its tax category and rate (BG-20), since EN 16931 line amounts are never negative.
- What cannot be written as a valid e-invoice is refused with `Invalid`, saying what is missing and how to
  fix it (a line without a tax category, a party without a country, a seller without a VAT id...), rather
  than handing out a file the client's platform would reject weeks later.
"""

from __future__ import annotations

import base64
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import segno
from django.db.models import Prefetch
from django.template.loader import render_to_string

from margin.accounts.models import Company, PageSize
from margin.billing.einvoice.cii import to_cii
from margin.billing.einvoice.document import (
    SEPA_CREDIT_TRANSFER,
    Address,
    DocumentAllowance,
    DocumentLine,
    InvoiceDocument,
    Party,
    PaymentMeans,
    TaxCategory,
    TaxSubtotal,
)
from margin.billing.einvoice.pdfa import embed_facturx, html_to_pdfa
from margin.billing.einvoice.ubl import to_ubl
from margin.billing.models import DocumentKind, Invoice, InvoiceLine, InvoiceStatus, LineKind
from margin.contracts import taxes
from margin.contracts.models import Contract
from margin.core.errors import Conflict, Invalid
from margin.core.money import Money, minor_units
from margin.crm.models import Client

# UNTDID 4461: a credit transfer outside SEPA (SEPA_CREDIT_TRANSFER, 58, is for euro).
CREDIT_TRANSFER = "30"
EMAIL_SCHEME = "EM"  # BT-34 / BT-49 scheme for an e-mail address (Peppol EAS code list)
PARTIES_VERSION = 1
MAX_LOGO_BYTES = 2 * 1024 * 1024
# EPC069-12 (the "GiroCode"): amounts from 0.01 to 999,999,999.99 euro.
EPC_MAX_AMOUNT = Decimal("999999999.99")


# --- the parties snapshot ---------------------------------------------------------------------------------------


def parties_of(company: Company, client: Client, contract: Contract | None) -> dict[str, Any]:
    """The parties of an invoice as they are now: what `invoice_issue` stores on the invoice (`Invoice.parties`)
    so that its documents never change when the client moves or the company changes bank. Plain JSON
    (strings and numbers); addresses as the firm typed them (they are split into street, postcode and city
    when a document is written). No queries beyond the three objects given."""
    return {
        "version": PARTIES_VERSION,
        "seller": {
            "name": company.legal_name or company.name,
            "trading_name": company.name,
            "tax_id": company.tax_id,
            "address": company.address,
            "country": company.country.upper(),
            "email": company.email,
        },
        "buyer": {
            "name": client.name,
            "tax_id": client.tax_id,
            "address": client.billing_address,
            "country": client.country.upper(),
            "email": client.billing_email,
            "tax_treatment": client.tax_treatment,
        },
        "payment": {
            "bank_name": company.bank_name,
            "iban": _compact(company.iban),
            "bic": _compact(company.bic),
        },
        "contract": (
            {
                "reference": contract.reference,
                "name": contract.name,
                "client_reference": contract.client_reference,
                "payment_terms_days": contract.payment_terms_days,
            }
            if contract is not None
            else None
        ),
    }


def _parties(invoice: Invoice) -> dict[str, Any]:
    """The invoice's snapshot, or (for an invoice issued before snapshots) the live company, client, contract."""
    if invoice.parties:
        return dict(invoice.parties)
    return parties_of(invoice.company, invoice.client, invoice.contract)


def _compact(text: str) -> str:
    return "".join((text or "").split()).upper()


# --- postal addresses ---------------------------------------------------------------------------------------------

# The last line of an address, as people write it: "10117 Berlin", "D-10117 Berlin", "1015 BA Amsterdam",
# "Boston, MA 02110", "London SW1A 2AA". Anything else is taken as the city.
_POSTCODE_FIRST = re.compile(r"^(?:[A-Z]{1,3}-)?(\d{4}\s?[A-Z]{2}|\d[\d-]{2,9})\s+(.+)$")
_US_STYLE = re.compile(r"^(.+?),?\s+([A-Z]{2})\s+(\d{5}(?:-\d{4})?)$")
_POSTCODE_LAST = re.compile(r"^(.+?),?\s+([A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]?\d[\d-]{2,9}[A-Z]?)$")


def postal_address(text: str, country: str) -> Address:
    """A free-text address split into up to three street lines, postcode and city (BG-5 / BG-8).

    A last line without any digit, under at least two others, is the country's name and is dropped (the
    country code is given); lines beyond three are joined into the third. Pure; never refuses."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) >= 3 and not any(ch.isdigit() for ch in lines[-1]):
        lines = lines[:-1]
    city = postcode = ""
    if len(lines) >= 2:
        locality = lines.pop()
        if match := _US_STYLE.match(locality):
            city, postcode = f"{match[1]}, {match[2]}", match[3]
        elif match := _POSTCODE_FIRST.match(locality):
            postcode, city = match[1], match[2]
        elif match := _POSTCODE_LAST.match(locality):
            city, postcode = match[1], match[2]
        else:
            city = locality
    if len(lines) > 3:
        lines = [*lines[:2], ", ".join(lines[2:])]
    return Address(lines=tuple(lines), city=city, postcode=postcode, country=country)


# --- the e-invoice data ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Printed:
    """One stored line as the document carries it: a line (positive) or an allowance (negative)."""

    line: InvoiceLine
    amount_minor: int  # in the document's sign: positive for a line, negative for an allowance
    quantity: Decimal
    unit: str
    price: Decimal
    line_id: str = ""  # BT-126, "" for an allowance


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _plain(number: Decimal) -> Decimal:
    """Without trailing zeros (19.0000 → 19) and never in exponent notation (100, not 1E+2)."""
    normal = number.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def _quantity_and_price(line: InvoiceLine, amount_minor: int, digits: int) -> tuple[Decimal, str, Decimal]:
    """Quantity, unit and price such that quantity × price, rounded to the currency, is the line's amount
    (PEPPOL-EN16931-R120): the stored quantity and unit price when they do; else the hours and hourly rate
    of a time line; else one unit at the amount (a line whose price was written down, say)."""
    quantity, price = abs(Decimal(line.quantity)), abs(Decimal(line.unit_price))
    if quantity > 0 and _round_half_up((quantity * price).scaleb(digits)) == amount_minor:
        return _plain(quantity), line.unit or "C62", _plain(price)
    if line.minutes and line.hourly_rate:
        hours = (Decimal(abs(line.minutes)) / 60).quantize(Decimal("0.0001"))
        rate = abs(Decimal(line.hourly_rate))
        if hours * 60 == abs(line.minutes) and _round_half_up((hours * rate).scaleb(digits)) == amount_minor:
            return _plain(hours), "HUR", _plain(rate)
    return Decimal(1), "C62", _plain(Decimal(amount_minor).scaleb(-digits))


def _sign(invoice: Invoice) -> int:
    """+1, or -1 for a credit note stored with negative amounts (a document carries positive ones)."""
    return -1 if invoice.kind == DocumentKind.CREDIT_NOTE and invoice.total_minor < 0 else 1


def _stored_lines(invoice: Invoice) -> list[InvoiceLine]:
    cached = getattr(invoice, "_prefetched_objects_cache", {}).get("lines")
    if cached is not None:
        return sorted(cached, key=lambda line: (line.position, line.pk))
    return list(invoice.lines.select_related("project").order_by("position", "id"))


def printed_lines(invoice: Invoice) -> list[Printed]:
    """The stored lines in order, each with the quantity, unit and price the document states."""
    sign, digits = _sign(invoice), minor_units(invoice.currency)
    printed = []
    number = 0
    for line in _stored_lines(invoice):
        amount = sign * line.amount_minor
        if amount < 0 or (line.kind == LineKind.DISCOUNT and amount <= 0):
            printed.append(Printed(line, amount, Decimal(1), "C62", _plain(Decimal(-amount).scaleb(-digits))))
            continue
        number += 1
        quantity, unit, price = _quantity_and_price(line, amount, digits)
        printed.append(Printed(line, amount, quantity, unit, price, str(number)))
    return printed


def _untaxed(invoice: Invoice, lines: list[InvoiceLine]) -> str:
    missing = [f"{n} ({line.description[:60]})" for n, line in enumerate(lines, 1) if not line.tax_category]
    shown = "; ".join(missing[:5]) + (f"; and {len(missing) - 5} more" if len(missing) > 5 else "")
    return (
        f"{_label(invoice)} cannot be written as an e-invoice: line{'s' if len(missing) > 1 else ''} {shown} "
        f"{'have' if len(missing) > 1 else 'has'} no tax category (the invoice was made before tax codes "
        "existed). Give the contract a tax code, then correct this invoice with a credit note and issue a new "
        "one: an issued invoice cannot change."
    )


def _label(invoice: Invoice) -> str:
    what = "Credit note" if invoice.kind == DocumentKind.CREDIT_NOTE else "Invoice"
    return f"{what} {invoice.number}" if invoice.number else f"Draft {what.lower()} #{invoice.pk}"


def _looks_like_vat_id(tax_id: str, country: str) -> bool:
    """A VAT number begins with its country's code (Greece: EL)."""
    prefix = "EL" if country == "GR" else country
    return bool(country) and tax_id.startswith(prefix) and len(tax_id) > len(prefix)


def _seller(parties: dict[str, Any], categories: set[str]) -> Party:
    seller = parties["seller"]
    country = seller.get("country", "")
    email = seller.get("email", "")
    vat_id = _compact(seller.get("tax_id", ""))
    outside = TaxCategory.OUTSIDE_SCOPE in categories
    return Party(
        name=seller["name"],
        address=postal_address(seller.get("address", ""), country),
        # BR-O-02: an invoice "not subject to VAT" names no VAT ids at all; the company's tax number then
        # identifies it as its registration (BT-30), which BR-CO-26 asks for when there is no VAT id.
        vat_id="" if outside else vat_id,
        legal_id=seller.get("tax_id", "").strip() if outside else "",
        electronic_address=email,
        electronic_scheme=EMAIL_SCHEME if email else "",
        contact_email=email,
    )


def _buyer(parties: dict[str, Any], categories: set[str]) -> Party:
    buyer = parties["buyer"]
    country = buyer.get("country", "")
    email = buyer.get("email", "")
    tax_id = _compact(buyer.get("tax_id", ""))
    # A business's VAT number (needed for reverse charge); a US EIN or the like is printed, not written as one.
    is_vat = tax_id and (TaxCategory.REVERSE_CHARGE in categories or _looks_like_vat_id(tax_id, country))
    return Party(
        name=buyer["name"],
        address=postal_address(buyer.get("address", ""), country),
        vat_id=tax_id if is_vat and TaxCategory.OUTSIDE_SCOPE not in categories else "",
        electronic_address=email,
        electronic_scheme=EMAIL_SCHEME if email else "",
    )


def _check_parties(invoice: Invoice, parties: dict[str, Any], categories: set[str]) -> None:
    problems = []
    seller, buyer = parties["seller"], parties["buyer"]
    for who, party, where in (("seller", seller, "the company's settings"), ("client", buyer, "the client")):
        country = party.get("country", "")
        if len(country) != 2 or not country.isalpha():
            problems.append(
                f"the {who}, {party['name']}, has no country (a two-letter code such as DE; set it in {where})"
            )
    if not _compact(seller.get("tax_id", "")):
        if categories - {TaxCategory.OUTSIDE_SCOPE}:
            problems.append(f"the seller, {seller['name']}, has no VAT id, which a taxed invoice must show")
        else:
            problems.append(f"the seller, {seller['name']}, has no tax id to identify it by")
    if TaxCategory.REVERSE_CHARGE in categories and not _compact(buyer.get("tax_id", "")):
        problems.append(f"reverse charge needs the client's VAT id and {buyer['name']} has none on file")
    if problems:
        raise Invalid(
            f"{_label(invoice)} cannot be written as an e-invoice: {'; '.join(problems)}. "
            + (
                "The invoice keeps the details it was issued with: correct it with a credit note and a new invoice."
                if invoice.parties
                else "Complete them and ask again."
            ),
            code="document_incomplete",
        )


def _buyer_reference(invoice: Invoice, parties: dict[str, Any]) -> str:
    """BT-10 (Peppol needs it or an order reference, PEPPOL-EN16931-R003; the Leitweg-ID in German public
    procurement): the one the invoice stored, else the contract's client reference, else the contract's own
    reference, else the project's code (something the client knows the work by)."""
    contract = parties.get("contract") or {}
    project = invoice.project.code if invoice.project_id is not None and invoice.project is not None else ""
    return invoice.buyer_reference or contract.get("client_reference") or contract.get("reference") or project


def _payment_means(invoice: Invoice, parties: dict[str, Any]) -> PaymentMeans:
    payment = parties.get("payment") or {}
    code = SEPA_CREDIT_TRANSFER if invoice.currency == "EUR" else CREDIT_TRANSFER
    return PaymentMeans(
        code=code,
        iban=payment.get("iban", ""),
        bic=payment.get("bic", ""),
        account_name=parties["seller"]["name"] if payment.get("iban") else "",
    )


def _tax_subtotals(invoice: Invoice, sign: int) -> tuple[TaxSubtotal, ...]:
    subtotals = []
    for row in invoice.tax_rows.all():
        exemption = taxes.exemption_for(row.category)
        charged = row.category in (TaxCategory.STANDARD, TaxCategory.ZERO_RATED)
        subtotals.append(
            TaxSubtotal(
                category=row.category,
                rate=_plain(Decimal(row.rate)),
                basis_minor=sign * row.taxable_minor,
                tax_minor=sign * row.tax_minor,
                exemption_reason="" if charged else (row.exemption_reason or (exemption.reason if exemption else "")),
                exemption_code="" if charged or exemption is None else exemption.code,
            )
        )
    return tuple(subtotals)


def _allowances(printed: list[Printed]) -> tuple[DocumentAllowance, ...]:
    """Discount lines, one allowance per tax category and rate (BG-20): their amounts summed, their
    descriptions the reason."""
    amounts: defaultdict[tuple[str, Decimal], int] = defaultdict(int)
    reasons: defaultdict[tuple[str, Decimal], list[str]] = defaultdict(list)
    for item in printed:
        if item.line_id:
            continue
        key = (item.line.tax_category, _plain(Decimal(item.line.tax_rate)))
        amounts[key] -= item.amount_minor
        reasons[key].append(item.line.description)
    return tuple(
        DocumentAllowance(
            amount_minor=amounts[key], reason="; ".join(reasons[key])[:300], tax_category=key[0], tax_rate=key[1]
        )
        for key in amounts
    )


def _tax_in_company_currency(invoice: Invoice, tax_minor: int) -> tuple[str, int | None]:
    """BT-6 and BT-111: the VAT in the company's (VAT accounting) currency when the invoice is in another one,
    converted with the rate the invoice kept."""
    company_currency = invoice.company_currency
    if not company_currency or company_currency == invoice.currency:
        return "", None
    converted = Money(
        Money.from_minor(tax_minor, invoice.currency).amount * Decimal(invoice.exchange_rate), company_currency
    )
    return company_currency, converted.to_minor()


def _period(invoice: Invoice, printed: list[Printed]) -> tuple[date | None, date | None]:
    """BG-14: from the earliest line period to the later of the invoice's "up to" date and the last line period
    (a retainer fee is billed ahead), so that every line period lies inside it (PEPPOL-EN16931-R110/R111)."""
    starts = [p.line.period_start for p in printed if p.line.period_start]
    ends = [p.line.period_end for p in printed if p.line.period_end]
    end = max([invoice.period_end, *ends]) if invoice.period_end else (max(ends) if ends else None)
    start = min(starts) if starts else None
    if start and end and start > end:
        start = None
    return start, end


def _payment_terms(invoice: Invoice) -> str:
    if invoice.kind == DocumentKind.CREDIT_NOTE or not invoice.due_date or not invoice.issue_date:
        return ""
    days = (invoice.due_date - invoice.issue_date).days
    if days <= 0:
        return "Payable on receipt."
    return f"Payable within {days} days, by {long_date(invoice.due_date)}."


def _note(invoice: Invoice) -> str:
    parts = []
    if invoice.kind == DocumentKind.CREDIT_NOTE and invoice.reason:
        parts.append(f"Reason: {invoice.reason}")
    if invoice.note:
        parts.append(invoice.note)
    return "\n".join(parts)


def _project_note(invoice: Invoice, line: InvoiceLine) -> str:
    if invoice.project_id is not None or line.project is None:
        return ""
    return f"Project {line.project.code} {line.project.name}"


def document_of(invoice: Invoice) -> InvoiceDocument:
    """The EN 16931 data of an issued invoice or credit note.

    Refuses (Conflict) a draft, which has no number yet, and (Invalid, saying what to fix) an invoice that
    cannot be a valid e-invoice: lines without a tax category, a party without a country, a taxed invoice
    without the seller's VAT id, reverse charge without the buyer's, stored totals that do not add up."""
    if invoice.status != InvoiceStatus.ISSUED or not invoice.number or not invoice.issue_date:
        raise Conflict(f"{_label(invoice)} is a draft: it has documents once it is issued (and numbered).")
    lines = _stored_lines(invoice)
    if any(not line.tax_category for line in lines):
        raise Invalid(_untaxed(invoice, lines), field="lines", code="lines_without_tax_category")
    parties = _parties(invoice)
    categories = {line.tax_category for line in lines}
    _check_parties(invoice, parties, categories)
    sign = _sign(invoice)
    printed = printed_lines(invoice)
    tax_currency, tax_in_tax_currency = _tax_in_company_currency(invoice, sign * invoice.tax_minor)
    start, end = _period(invoice, printed)
    preceding = invoice.credited_invoice if invoice.kind == DocumentKind.CREDIT_NOTE else None
    try:
        document = InvoiceDocument(
            kind="credit_note" if invoice.kind == DocumentKind.CREDIT_NOTE else "invoice",
            number=invoice.number,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            currency=invoice.currency,
            seller=_seller(parties, categories),
            buyer=_buyer(parties, categories),
            lines=tuple(
                DocumentLine(
                    line_id=p.line_id,
                    name=p.line.description,
                    quantity=p.quantity,
                    unit_code=p.unit,
                    net_price=p.price,
                    net_amount_minor=p.amount_minor,
                    tax_category=p.line.tax_category,
                    tax_rate=_plain(Decimal(p.line.tax_rate)),
                    period_start=p.line.period_start,
                    period_end=p.line.period_end,
                    note=_project_note(invoice, p.line),
                )
                for p in printed
                if p.line_id
            ),
            allowances=_allowances(printed),
            tax_subtotals=_tax_subtotals(invoice, sign),
            payment_means=_payment_means(invoice, parties),
            payment_terms=_payment_terms(invoice),
            buyer_reference=_buyer_reference(invoice, parties),
            preceding_invoice=preceding.number or "" if preceding else "",
            preceding_invoice_date=preceding.issue_date if preceding else None,
            period_start=start,
            period_end=end,
            note=_note(invoice),
            tax_currency=tax_currency,
            tax_total_in_tax_currency_minor=tax_in_tax_currency,
        )
    except ValueError as error:
        raise Invalid(
            f"{_label(invoice)} cannot be written as an e-invoice: {error}", code="document_invalid"
        ) from None
    stored = (sign * invoice.net_minor, sign * invoice.tax_minor, sign * invoice.total_minor)
    if (document.tax_basis, document.tax_total, document.grand_total) != stored:
        raise Invalid(
            f"{_label(invoice)} cannot be written as an e-invoice: its lines and tax summary add up to "
            f"{document.tax_basis} + {document.tax_total} = {document.grand_total} (minor units), not the "
            f"{stored[0]} + {stored[1]} = {stored[2]} it stored.",
            code="document_invalid",
        )
    return document


def with_lines(invoices: Any) -> Any:
    """A queryset of invoices with everything `document_of` and `pdf_of` read, in a fixed number of queries."""
    return invoices.select_related("company", "client", "contract", "project", "credited_invoice").prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.select_related("project").order_by("position", "id")),
        "tax_rows",
    )


# --- the files ---------------------------------------------------------------------------------------------------


def _written(invoice: Invoice, serialise: Any, document: InvoiceDocument | None = None) -> bytes:
    try:
        xml: bytes = serialise(document or document_of(invoice))
    except ValueError as error:  # a currency EN 16931 cannot express (3 decimals), say
        raise Invalid(
            f"{_label(invoice)} cannot be written as an e-invoice: {error}", code="document_invalid"
        ) from None
    return xml


def cii_of(invoice: Invoice, *, document: InvoiceDocument | None = None) -> bytes:
    """The Factur-X (EN 16931 profile) CII XML of an issued invoice or credit note (`document`: its
    `document_of`, when the caller has it already)."""
    return _written(invoice, to_cii, document)


def ubl_of(invoice: Invoice, *, document: InvoiceDocument | None = None) -> bytes:
    """The Peppol BIS Billing 3.0 UBL XML (Invoice or CreditNote) of an issued invoice or credit note."""
    return _written(invoice, to_ubl, document)


def pdf_of(invoice: Invoice, *, document: InvoiceDocument | None = None) -> bytes:
    """The invoice as a PDF/A-3b people read, with its Factur-X CII embedded as factur-x.xml."""
    document = document or document_of(invoice)
    xml = _written(invoice, to_cii, document)
    context = pdf_context(invoice, document)
    html = render_to_string("billing/invoice_pdf.html", context)
    css = render_to_string("billing/invoice_pdf.css", {"page_size": context["page_size"]})
    # Everything the page shows is inline (logo, QR code): nothing is fetched, from anywhere.
    return embed_facturx(html_to_pdfa(html, allowed_protocols=("data",), css=css), xml)


def file_name(invoice: Invoice, extension: str) -> str:
    """`2026-0042.pdf`: the number, with anything but letters, digits, dots and dashes replaced."""
    stem = re.sub(r"[^A-Za-z0-9.-]+", "-", invoice.number or f"draft-{invoice.pk}").strip("-.") or str(invoice.pk)
    return f"{stem}.{extension}"


# --- the PDF's content -------------------------------------------------------------------------------------------

UNIT_LABELS = {"HUR": "h", "DAY": "d", "C62": "", "MON": "mo", "ANN": "yr"}
CATEGORY_LABELS: dict[str, str] = {
    TaxCategory.ZERO_RATED: "VAT 0 % (zero-rated)",
    TaxCategory.EXEMPT: "Exempt from VAT",
    TaxCategory.REVERSE_CHARGE: "Reverse charge",
    TaxCategory.EXPORT: "Export outside the EU",
    TaxCategory.OUTSIDE_SCOPE: "Not subject to VAT",
}
# What the invoice must say for a category that charges no VAT (Directive 2006/112/EC, art. 226).
CATEGORY_WORDING: dict[str, str] = {
    TaxCategory.REVERSE_CHARGE: (
        "Reverse charge: the recipient accounts for the VAT (Article 196 of Council Directive 2006/112/EC)."
    ),
    TaxCategory.EXPORT: "Supply outside the EU: no VAT charged.",
    TaxCategory.OUTSIDE_SCOPE: "Services not subject to VAT.",
}


def long_date(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def _amount(minor: int, currency: str) -> str:
    return f"{Money.from_minor(minor, currency).amount:,}"


def _number(value: Decimal) -> str:
    return f"{value:,f}"


def _price(value: Decimal, currency: str) -> str:
    """A unit price with at least the currency's decimals (120 → 120.00), more when it has them (317.1717)."""
    digits = minor_units(currency)
    exponent = value.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) else 0
    return _number(value if decimals > digits else value.quantize(Decimal(1).scaleb(-digits)))


def _date_range(start: date | None, end: date | None) -> str:
    """1 – 30 November 2026, 20 November – 5 December 2026, 1 December 2026 – 31 January 2027, up to ..."""
    if start is None or end is None:
        return f"up to {long_date(end)}" if end else ""
    if start == end:
        return long_date(end)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day} – {long_date(end)}"
    if start.year == end.year:
        return f"{start.day} {start:%B} – {long_date(end)}"
    return f"{long_date(start)} – {long_date(end)}"


def _tax_label(category: str, rate: Decimal) -> str:
    if category == TaxCategory.STANDARD:
        return f"VAT {_number(_plain(rate))} %"
    return CATEGORY_LABELS.get(category, category)  # StrEnum keys: a plain code finds its label


def _address_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def format_iban(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def epc_payload(*, name: str, iban: str, bic: str, amount_minor: int, currency: str, text: str) -> str | None:
    """The EPC069-12 (version 002) "SEPA credit transfer" QR payload a banking app reads, or None when the
    transfer cannot be one (not euro, no IBAN, an amount outside 0.01 … 999,999,999.99)."""
    if currency != "EUR" or not iban:
        return None
    amount = Money.from_minor(amount_minor, currency).amount
    if not Decimal("0.01") <= amount <= EPC_MAX_AMOUNT:
        return None
    fields = [
        "BCD",  # service tag
        "002",  # version: the BIC is optional inside the EEA
        "1",  # character set: UTF-8
        "SCT",  # SEPA credit transfer
        bic,
        name[:70],
        iban,
        f"EUR{amount:.2f}",
        "",  # purpose code
        "",  # structured creditor reference (one or the other)
        text[:140],  # unstructured remittance information
    ]
    return "\n".join(fields)


def epc_qr_data_uri(payload: str) -> str:
    """The QR code of an EPC payload as a PNG data URI, one pixel per module with the standard quiet zone of four:
    error correction level M, version 13 at most (EPC069-12). The PDF draws it without interpolation (sharp
    modules at any size, as PDF/A requires), far cheaper to render than the same code as an SVG path."""
    qr = segno.make_qr(payload, error="m", boost_error=False, encoding="utf-8")
    if not isinstance(qr.version, int) or qr.version > 13:
        raise ValueError("The payment QR code would be larger than EPC069-12 allows.")
    uri: str = qr.png_data_uri(scale=1, border=4)
    return uri


def _logo_data_uri(company: Company) -> str:
    """The company's logo inline (PNG, JPEG or SVG by content), or "" when there is none or it cannot be read."""
    if not company.logo:
        return ""
    try:
        with company.logo.open("rb") as stored:
            data = stored.read(MAX_LOGO_BYTES + 1)
    except (OSError, ValueError):
        return ""
    if len(data) > MAX_LOGO_BYTES:
        return ""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        kind = "image/jpeg"
    elif b"<svg" in data[:2048]:
        kind = "image/svg+xml"
    else:
        return ""
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def _groups(invoice: Invoice, printed: list[Printed]) -> list[dict[str, Any]]:
    """The lines, under a heading per project when the invoice covers several."""
    currency = invoice.currency
    groups: list[dict[str, Any]] = []
    by_project: dict[int | None, dict[str, Any]] = {}
    several = invoice.project_id is None and len({p.line.project_id for p in printed if p.line.project_id}) > 1
    for p in printed:
        key = p.line.project_id if several else None
        group = by_project.get(key)
        if group is None:
            project = p.line.project if several else None
            title = f"{project.code} · {project.name}" if project is not None else ("Other" if several else "")
            group = by_project[key] = {"title": title, "lines": [], "subtotal_minor": 0}
            groups.append(group)
        period = _date_range(p.line.period_start, p.line.period_end)
        group["lines"].append(
            {
                "description": p.line.description,
                "period": period,
                "quantity": _number(p.quantity) if p.line_id else "",
                "unit": UNIT_LABELS.get(p.unit, p.unit) if p.line_id else "",
                "price": _price(p.price, currency) if p.line_id else "",
                "amount": _amount(p.amount_minor, currency),
                "tax": _tax_label(p.line.tax_category, Decimal(p.line.tax_rate)) if p.line.tax_category else "",
                "is_allowance": not p.line_id,
            }
        )
        group["subtotal_minor"] += p.amount_minor
    for group in groups:
        group["subtotal"] = _amount(group.pop("subtotal_minor"), currency)
    return groups


def pdf_context(invoice: Invoice, document: InvoiceDocument) -> dict[str, Any]:
    """Everything the PDF template prints, as text: the template only lays it out (and escapes it)."""
    parties = _parties(invoice)
    seller, buyer, payment = parties["seller"], parties["buyer"], parties.get("payment") or {}
    contract = parties.get("contract") or {}
    currency = invoice.currency
    credit = document.is_credit_note
    printed = printed_lines(invoice)
    tax_rows = [
        {
            "label": _tax_label(s.category, s.rate),
            "basis": _amount(s.basis_minor, currency),
            "tax": _amount(s.tax_minor, currency),
            "reason": CATEGORY_WORDING.get(s.category, s.exemption_reason) if s.exemption_reason else "",
        }
        for s in sorted(document.tax_subtotals, key=lambda s: (-s.rate, s.category))
    ]
    iban = payment.get("iban", "")
    payload = None
    if not credit:
        payload = epc_payload(
            name=seller["name"],
            iban=iban,
            bic=payment.get("bic", ""),
            amount_minor=document.due_payable,
            currency=currency,
            text=f"Invoice {invoice.number}",
        )
    tax_currency_note = ""
    if document.tax_currency and document.tax_total_in_tax_currency_minor is not None:
        rate_day = f" of {long_date(invoice.exchange_rate_date)}" if invoice.exchange_rate_date else ""
        tax_currency = document.tax_currency
        rate = _number(_plain(Decimal(invoice.exchange_rate)))
        tax_currency_note = (
            f"VAT in {tax_currency}: {_amount(document.tax_total_in_tax_currency_minor, tax_currency)} {tax_currency} "
            f"(1 {currency} = {rate} {tax_currency}, rate{rate_day})."
        )
    preceding = invoice.credited_invoice if credit else None
    return {
        "title": "Credit note" if credit else "Invoice",
        "credit": credit,
        "number": invoice.number,
        "issue_date": long_date(invoice.issue_date),
        "due_date": long_date(invoice.due_date),
        "period": _date_range(document.period_start, document.period_end),
        "buyer_reference": document.buyer_reference,
        "contract": contract.get("reference", "") if contract.get("reference") != document.buyer_reference else "",
        "preceding_number": preceding.number if preceding else "",
        "preceding_date": long_date(preceding.issue_date) if preceding else "",
        "reason": invoice.reason if credit else "",
        "note": invoice.note,
        "page_size": "Letter" if invoice.company.invoice_page_size == PageSize.LETTER else "A4",
        "logo": _logo_data_uri(invoice.company),
        "seller": {
            "name": seller["name"],
            "trading_name": seller.get("trading_name", "") if seller.get("trading_name") != seller["name"] else "",
            "address": _address_lines(seller.get("address", "")),
            "tax_id": seller.get("tax_id", ""),
            "email": seller.get("email", ""),
        },
        "buyer": {
            "name": buyer["name"],
            "address": _address_lines(buyer.get("address", "")),
            "tax_id": buyer.get("tax_id", ""),
            "vat_id": bool(document.buyer.vat_id),
            "email": buyer.get("email", ""),
        },
        "currency": currency,
        "groups": _groups(invoice, printed),
        "net": _amount(document.tax_basis, currency),
        "tax": _amount(document.tax_total, currency),
        "total": _amount(document.grand_total, currency),
        "tax_rows": tax_rows,
        "several_rates": len(tax_rows) > 1,
        "tax_currency_note": tax_currency_note,
        "payment": {
            "account_name": seller["name"],
            "bank_name": payment.get("bank_name", ""),
            "iban": format_iban(iban),
            "bic": payment.get("bic", ""),
            "reference": invoice.number,
        }
        if iban
        else None,
        "payment_terms": document.payment_terms,
        "qr": epc_qr_data_uri(payload) if payload else "",
    }
