"""An invoice or credit note as EN 16931 sees it: the one model both e-invoice syntaxes are written from.

Why a model of its own: billing rows (Django) and the two syntaxes (CII for Factur-X/ZUGFeRD, UBL for Peppol)
change for different reasons. This module is the seam between them: it is pure (no Django), immutable, and it
refuses a document whose numbers do not add up *before* anything is serialised, so a file that leaves Margin
cannot fail the EN 16931 arithmetic rules (BR-CO-10 … BR-CO-17) because of how we added things up.

Conventions:
- Every amount is an integer number of minor units of `InvoiceDocument.currency` (cents for EUR, yen for JPY),
  like everywhere else in Margin (ADR 0001). The one exception is BT-111, the VAT total in the VAT accounting
  currency (`tax_total_in_tax_currency_minor`), which is in minor units of `tax_currency`.
- Quantities, unit prices and VAT rates are Decimals (a price may have more decimals than the currency).
- A credit note (type code 381) carries positive amounts, like the invoice it credits.
- The BT-/BG- numbers in comments are the business terms and groups of EN 16931-1.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Literal

from margin.core.money import minor_units

# EN 16931 allows at most two decimals on amounts (BR-DEC-*), so a currency with three minor digits (KWD, BHD…)
# cannot be represented without rounding money away. The serialisers refuse it instead.
EN16931_MAX_AMOUNT_DECIMALS = 2

DocumentKind = Literal["invoice", "credit_note"]


class TaxCategory(StrEnum):
    """EN 16931 VAT category codes (BT-118, BT-151, BT-95; code list UNTDID 5305 subset)."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"  # VAT reverse charge: the buyer accounts for the VAT
    INTRA_COMMUNITY = "K"  # VAT exempt for an intra-community (EEA) supply of goods and services
    EXPORT = "G"  # free export item, VAT not charged (outside the EU)
    OUTSIDE_SCOPE = "O"  # services outside the scope of VAT: no VAT rate is given at all
    CANARY_ISLANDS = "L"  # IGIC (Canary Islands general indirect tax)
    CEUTA_MELILLA = "M"  # IPSI (tax for production, services and importation in Ceuta and Melilla)


# Categories whose rate must be 0 and whose VAT amount must be 0 (BR-Z-*, BR-E-*, BR-AE-*, BR-IC-*, BR-G-*, BR-O-*).
ZERO_RATE_CATEGORIES = frozenset(
    {
        TaxCategory.ZERO_RATED,
        TaxCategory.EXEMPT,
        TaxCategory.REVERSE_CHARGE,
        TaxCategory.INTRA_COMMUNITY,
        TaxCategory.EXPORT,
        TaxCategory.OUTSIDE_SCOPE,
    }
)
# Categories whose VAT breakdown (BG-23) must say why no VAT is charged: BT-120 text or BT-121 code (BR-E-10,
# BR-AE-10, BR-IC-10, BR-G-10, BR-O-10).
EXEMPTION_REQUIRED = frozenset(
    {
        TaxCategory.EXEMPT,
        TaxCategory.REVERSE_CHARGE,
        TaxCategory.INTRA_COMMUNITY,
        TaxCategory.EXPORT,
        TaxCategory.OUTSIDE_SCOPE,
    }
)
# ...and the ones that must not carry an exemption reason (BR-S-10, BR-Z-10).
EXEMPTION_FORBIDDEN = frozenset({TaxCategory.STANDARD, TaxCategory.ZERO_RATED})


def _category(code: str, where: str) -> TaxCategory:
    try:
        return TaxCategory(code)
    except ValueError:
        known = ", ".join(c.value for c in TaxCategory)
        raise ValueError(f"{where}: unknown VAT category {code!r} (use one of {known}).") from None


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def amount_digits(currency: str) -> int:
    """Decimals of `currency` as written in an EN 16931 file; refuses a currency EN 16931 cannot express."""
    digits = minor_units(currency)
    if digits > EN16931_MAX_AMOUNT_DECIMALS:
        raise ValueError(
            f"{currency} has {digits} decimals but EN 16931 allows at most {EN16931_MAX_AMOUNT_DECIMALS} on amounts "
            "(BR-DEC rules): this document cannot be written as an e-invoice without rounding money away."
        )
    return digits


def amount(minor: int, currency: str) -> Decimal:
    """An amount in minor units as the Decimal an e-invoice carries (1234 EUR cents -> 12.34; JPY 1234 -> 1234)."""
    return Decimal(minor).scaleb(-amount_digits(currency))


def plain(number: Decimal) -> str:
    """A Decimal in plain notation (never 2E+1), as XML numbers must be written."""
    return format(number, "f")


@dataclass(frozen=True)
class Address:
    """A postal address (BG-5 seller, BG-8 buyer). Up to three street lines (BT-35/36/162, BT-50/51/163)."""

    lines: tuple[str, ...]
    city: str  # BT-37 / BT-52
    postcode: str  # BT-38 / BT-53
    country: str  # BT-40 / BT-55: ISO 3166-1 alpha-2, e.g. "DE"

    def __post_init__(self) -> None:
        if len(self.lines) > 3:
            raise ValueError("An EN 16931 address has at most three street lines.")
        if len(self.country) != 2 or not self.country.isalpha() or not self.country.isupper():
            raise ValueError(f"Country {self.country!r} must be an ISO 3166-1 alpha-2 code such as 'DE'.")


@dataclass(frozen=True)
class Party:
    """The seller (BG-4) or the buyer (BG-7).

    `vat_id` is BT-31 (seller) / BT-48 (buyer) with its country prefix, e.g. "DE123456789": EN 16931 needs the
    seller's for every taxed category (BR-S-02, BR-AE-02…) and the buyer's for reverse charge (BR-AE-02).
    `legal_id` is BT-30 / BT-47 (company register number). `electronic_address` with `electronic_scheme` is
    BT-34 / BT-49, which Peppol requires: scheme "EM" for an e-mail address, or an ISO 6523 / EAS code such as
    "9930" (German VAT number) or "0088" (GLN). The contact fields are BG-6 / BG-9.
    """

    name: str  # BT-27 / BT-44
    address: Address
    vat_id: str = ""
    legal_id: str = ""
    electronic_address: str = ""
    electronic_scheme: str = ""
    contact_name: str = ""  # BT-41 / BT-56
    contact_email: str = ""  # BT-43 / BT-58
    contact_phone: str = ""  # BT-42 / BT-57

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("A party needs a name (BT-27 / BT-44).")
        if bool(self.electronic_address) != bool(self.electronic_scheme):
            raise ValueError(
                f"{self.name}: an electronic address (BT-34/BT-49) needs its scheme (e.g. 'EM' for e-mail) and "
                "a scheme needs an address (BR-62, BR-63)."
            )

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_name or self.contact_email or self.contact_phone)


# UNTDID 4461 payment means codes.
SEPA_CREDIT_TRANSFER = "58"
CREDIT_TRANSFER = "30"
INSTRUMENT_NOT_DEFINED = "1"


@dataclass(frozen=True)
class PaymentMeans:
    """How the buyer pays (BG-16): code BT-81, account BT-84 (an IBAN for SEPA), BT-85 name, BT-86 BIC."""

    code: str = SEPA_CREDIT_TRANSFER
    iban: str = ""
    bic: str = ""
    account_name: str = ""

    @property
    def effective_code(self) -> str:
        """The code written to the file.

        A credit transfer (30, 58) without an account fails BR-61 ("the payment account identifier shall be
        present"), so with no account we say "1" (instrument not defined) rather than promise a transfer the
        buyer cannot make.
        """
        if self.code in (SEPA_CREDIT_TRANSFER, CREDIT_TRANSFER) and not self.iban:
            return INSTRUMENT_NOT_DEFINED
        return self.code


@dataclass(frozen=True)
class DocumentLine:
    """An invoice line (BG-25)."""

    line_id: str  # BT-126
    name: str  # BT-153 item name
    quantity: Decimal  # BT-129
    unit_code: str  # BT-130, UN/ECE Rec 20: "HUR" hour, "DAY" day, "C62" one (piece)
    net_price: Decimal  # BT-146, per one unit, in currency units; may have more decimals than the currency
    net_amount_minor: int  # BT-131 = quantity x net price, rounded to the currency (PEPPOL-EN16931-R120)
    tax_category: str  # BT-151, a TaxCategory value
    tax_rate: Decimal  # BT-152, percent: Decimal("20") for 20 %; 0 for the zero-rate categories
    period_start: date | None = None  # BT-134 line period (e.g. the timesheet week)
    period_end: date | None = None  # BT-135
    note: str = ""  # BT-127

    def __post_init__(self) -> None:
        where = f"Line {self.line_id}"
        _category(self.tax_category, where)
        if not self.line_id or not self.name.strip():
            raise ValueError(f"{where}: a line needs an identifier (BT-126) and an item name (BT-153).")
        if self.net_price < 0:
            raise ValueError(f"{where}: the net price (BT-146) must not be negative (BR-27).")
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValueError(f"{where}: the period ends before it starts (BR-30).")


@dataclass(frozen=True)
class DocumentAllowance:
    """A document-level allowance, i.e. a discount on the whole invoice (BG-20)."""

    amount_minor: int  # BT-92
    reason: str  # BT-97 (BR-33: a reason or a reason code is required)
    tax_category: str  # BT-95
    tax_rate: Decimal  # BT-96

    def __post_init__(self) -> None:
        _category(self.tax_category, "Allowance")
        if not self.reason.strip():
            raise ValueError("A document-level allowance needs a reason (BT-97, BR-33).")
        if self.amount_minor < 0:
            raise ValueError("A document-level allowance amount (BT-92) is positive; it is subtracted.")


@dataclass(frozen=True)
class TaxSubtotal:
    """One VAT breakdown row (BG-23): one per (category, rate) used by the lines and allowances."""

    category: str  # BT-118
    rate: Decimal  # BT-119
    basis_minor: int  # BT-116 taxable amount = sum of line net amounts - allowances of this category and rate
    tax_minor: int  # BT-117
    exemption_reason: str = ""  # BT-120, e.g. "Reverse charge"
    exemption_code: str = ""  # BT-121, e.g. "VATEX-EU-AE", "VATEX-EU-G", "VATEX-EU-O"

    @property
    def key(self) -> tuple[str, Decimal]:
        return (self.category, self.rate)


@dataclass(frozen=True)
class InvoiceDocument:
    """An invoice (type code 380) or credit note (381) with everything EN 16931 needs.

    Building one checks its arithmetic (`validate_totals`), so a document that exists is consistent.
    """

    kind: DocumentKind
    number: str  # BT-1
    issue_date: date  # BT-2
    due_date: date | None  # BT-9
    currency: str  # BT-5, ISO 4217
    seller: Party  # BG-4
    buyer: Party  # BG-7
    lines: tuple[DocumentLine, ...]  # BG-25
    tax_subtotals: tuple[TaxSubtotal, ...]  # BG-23
    allowances: tuple[DocumentAllowance, ...] = ()  # BG-20
    payment_means: PaymentMeans | None = None  # BG-16
    payment_terms: str = ""  # BT-20
    buyer_reference: str = ""  # BT-10 (Leitweg-ID in German public procurement; Peppol needs BT-10 or BT-13)
    order_reference: str = ""  # BT-13 purchase order
    preceding_invoice: str = ""  # BT-25, the invoice a credit note corrects
    preceding_invoice_date: date | None = None  # BT-26
    period_start: date | None = None  # BT-73, invoicing period (BG-14)
    period_end: date | None = None  # BT-74
    delivery_date: date | None = None  # BT-72, when the service was completed (see `supply_date`)
    note: str = ""  # BT-22
    tax_currency: str = ""  # BT-6, the seller's VAT accounting currency when it differs from BT-5
    tax_total_in_tax_currency_minor: int | None = None  # BT-111, minor units of `tax_currency`
    prepaid_minor: int = 0  # BT-113

    def __post_init__(self) -> None:
        if self.kind not in ("invoice", "credit_note"):
            raise ValueError(f"kind must be 'invoice' or 'credit_note', not {self.kind!r}.")
        if not self.number.strip():
            raise ValueError("An invoice needs a number (BT-1).")
        minor_units(self.currency)  # refuses an unknown currency code
        if not self.lines:
            raise ValueError(f"{self.number}: an invoice needs at least one line (BR-16).")
        if len({line.line_id for line in self.lines}) != len(self.lines):
            raise ValueError(f"{self.number}: line identifiers (BT-126) must be unique.")
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValueError(f"{self.number}: the invoicing period ends before it starts (BR-29).")
        self._check_line_periods()
        if bool(self.tax_currency) != (self.tax_total_in_tax_currency_minor is not None):
            raise ValueError(
                f"{self.number}: give both the VAT accounting currency (BT-6) and the VAT total in it (BT-111), "
                "or neither (BR-53)."
            )
        if self.tax_currency:
            minor_units(self.tax_currency)
            if self.tax_currency == self.currency:
                raise ValueError(
                    f"{self.number}: the VAT accounting currency (BT-6) is only given when it differs from the "
                    "invoice currency (BT-5)."
                )
        if self.preceding_invoice_date and not self.preceding_invoice:
            raise ValueError(f"{self.number}: a preceding invoice date (BT-26) needs the invoice number (BT-25).")
        self.validate_totals()

    def _check_line_periods(self) -> None:
        # Peppol (PEPPOL-EN16931-R110/R111): a line period lies inside the invoicing period.
        for line in self.lines:
            if self.period_start and line.period_start and line.period_start < self.period_start:
                raise ValueError(f"Line {line.line_id}: its period starts before the invoicing period.")
            if self.period_end and line.period_end and line.period_end > self.period_end:
                raise ValueError(f"Line {line.line_id}: its period ends after the invoicing period.")

    # totals (BG-22), all in minor units --------------------------------------------------------------------------
    @property
    def is_credit_note(self) -> bool:
        return self.kind == "credit_note"

    @property
    def type_code(self) -> str:
        """BT-3, UNTDID 1001: 380 commercial invoice, 381 credit note."""
        return "381" if self.is_credit_note else "380"

    @property
    def supply_date(self) -> date | None:
        """BT-72 as written to the file: the delivery date given, else the end of the invoicing period.

        A service billed for a period is completed at its end. Without any date the CII delivery group, which the
        XSD requires, would be empty, and the CEN rules warn about empty elements (PEPPOL-EN16931-R008).
        """
        return self.delivery_date or self.period_end

    @property
    def line_total(self) -> int:
        """BT-106: the sum of the line net amounts."""
        return sum(line.net_amount_minor for line in self.lines)

    @property
    def allowance_total(self) -> int:
        """BT-107: the sum of the document-level allowances."""
        return sum(allowance.amount_minor for allowance in self.allowances)

    @property
    def tax_basis(self) -> int:
        """BT-109: the total without VAT = BT-106 - BT-107 (+ BT-108 charges, which Margin does not issue)."""
        return self.line_total - self.allowance_total

    @property
    def tax_total(self) -> int:
        """BT-110: the VAT total = the sum of the breakdown VAT amounts (BR-CO-14)."""
        return sum(subtotal.tax_minor for subtotal in self.tax_subtotals)

    @property
    def grand_total(self) -> int:
        """BT-112: the total with VAT = BT-109 + BT-110 (BR-CO-15)."""
        return self.tax_basis + self.tax_total

    @property
    def due_payable(self) -> int:
        """BT-115: the amount due = BT-112 - BT-113 prepaid (BR-CO-16)."""
        return self.grand_total - self.prepaid_minor

    # consistency ---------------------------------------------------------------------------------------------------
    def validate_totals(self) -> None:
        """Refuse a document whose VAT breakdown does not follow from its lines and allowances.

        Checks, raising ValueError with the first problem found:
        - each line net amount is quantity x net price, rounded to the currency (PEPPOL-EN16931-R120);
        - there is exactly one breakdown row per (category, rate) used by a line or allowance, and no other
          (BR-S-01 … BR-O-01 style rules; BR-CO-18);
        - each row's taxable amount is the lines minus the allowances of that category and rate (BR-S-08 …);
        - zero-rate categories have rate 0 and VAT 0; S has a positive rate; exemption reasons where EN 16931
          wants them (BR-E-10 …) and not where it forbids them (BR-S-10, BR-Z-10);
        - each row's VAT is its taxable amount x rate. Rounding each line's VAT and adding the results may
          differ from rounding the total once: each rounding moves at most half a minor unit, so a row with n
          lines and allowances may be up to n/2 minor units away from the exact product, and that is what
          is accepted. The CEN schematron is far looser: BR-CO-17 (and BR-S-09 for category S) accept a VAT
          amount up to 0.99 currency units away from taxable amount x rate, so per-line rounding never fails
          it for a 2-decimal currency. For a 0-decimal currency (JPY) that limit (under one yen) is tighter
          than n/2 yen as soon as a row has two lines, so it is checked too: such rows need the VAT rounded
          once per row, which is also what Japan's qualified-invoice rules ask for.
        """
        digits = minor_units(self.currency)
        for line in self.lines:
            expected = _round_half_up((line.quantity * line.net_price).scaleb(digits))
            if expected != line.net_amount_minor:
                raise ValueError(
                    f"Line {line.line_id}: net amount {line.net_amount_minor} (minor units) is not quantity "
                    f"{line.quantity} x price {line.net_price} = {expected} (PEPPOL-EN16931-R120)."
                )

        basis: defaultdict[tuple[str, Decimal], int] = defaultdict(int)
        items: defaultdict[tuple[str, Decimal], int] = defaultdict(int)
        for line in self.lines:
            key = (line.tax_category, line.tax_rate)
            basis[key] += line.net_amount_minor
            items[key] += 1
        for allowance in self.allowances:
            key = (allowance.tax_category, allowance.tax_rate)
            basis[key] -= allowance.amount_minor
            items[key] += 1

        rows: dict[tuple[str, Decimal], TaxSubtotal] = {}
        for subtotal in self.tax_subtotals:
            if subtotal.key in rows:
                raise ValueError(f"VAT breakdown: {_label(subtotal.key)} appears twice (BR-CO-18: one row each).")
            rows[subtotal.key] = subtotal
        missing = [_label(key) for key in basis if key not in rows]
        if missing:
            raise ValueError(f"VAT breakdown: no row for {', '.join(missing)} used by lines or allowances.")
        extra = [_label(key) for key in rows if key not in basis]
        if extra:
            raise ValueError(f"VAT breakdown: row {', '.join(extra)} has no line or allowance.")

        for key, subtotal in rows.items():
            self._check_subtotal(subtotal, basis[key], items[key], digits)

    def _check_subtotal(self, subtotal: TaxSubtotal, expected_basis: int, item_count: int, digits: int) -> None:
        label = _label(subtotal.key)
        category = _category(subtotal.category, f"VAT breakdown {label}")
        if subtotal.basis_minor != expected_basis:
            raise ValueError(
                f"VAT breakdown {label}: taxable amount {subtotal.basis_minor} does not match the lines minus "
                f"allowances of that category and rate, {expected_basis} (minor units)."
            )
        if category in ZERO_RATE_CATEGORIES:
            if subtotal.rate != 0 or subtotal.tax_minor != 0:
                raise ValueError(f"VAT breakdown {label}: category {category.value} has rate 0 and VAT 0.")
        elif category is TaxCategory.STANDARD and subtotal.rate <= 0:
            raise ValueError(f"VAT breakdown {label}: the standard rate must be above zero (BR-S-05).")
        has_exemption = bool(subtotal.exemption_reason or subtotal.exemption_code)
        if category in EXEMPTION_REQUIRED and not has_exemption:
            raise ValueError(
                f"VAT breakdown {label}: category {category.value} needs an exemption reason (BT-120) or code "
                "(BT-121), e.g. 'Reverse charge' / 'VATEX-EU-AE'."
            )
        if category in EXEMPTION_FORBIDDEN and has_exemption:
            raise ValueError(f"VAT breakdown {label}: category {category.value} has no exemption reason.")
        exact = Decimal(subtotal.basis_minor) * subtotal.rate / 100  # in minor units, unrounded
        within_line_rounding = abs(subtotal.tax_minor - exact) <= Decimal(item_count) / 2
        # BR-CO-17 as the UBL schematron writes it: |VAT| within (not up to) one currency unit of
        # |basis| x rate / 100 rounded to two decimals. For a 0-decimal currency (JPY) that is the binding limit.
        unit = Decimal(10) ** digits
        rule_value = (abs(exact) / unit).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        within_br_co_17 = abs(abs(subtotal.tax_minor) / unit - rule_value) < 1
        if not (within_line_rounding and within_br_co_17):
            raise ValueError(
                f"VAT breakdown {label}: VAT {subtotal.tax_minor} is not taxable amount {subtotal.basis_minor} x "
                f"{subtotal.rate} % = {exact} (minor units), even allowing for per-line rounding (BR-CO-17)."
            )


def _label(key: tuple[str, Decimal]) -> str:
    return f"{key[0]} {plain(key[1])} %"
