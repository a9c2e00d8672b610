"""VAT on invoices: which tax code fits which client, and the exact arithmetic of an invoice's VAT.

Pure functions, no Django: the standard library and `margin.core.money` / `margin.core.errors` only.
Amounts are integer minor units of the invoice's currency (ADR 0001) and every rounding goes through
`Money.rounded()` (half up, away from zero), so JPY (0 decimals), EUR (2) and KWD (3) invoices are exact.

Tax codes. A firm-facing *kind* (standard, reduced, zero, exempt, reverse charge, export, outside scope)
maps to the EN 16931 VAT category code (UNTDID 5305 subset: S, Z, E, AE, G, O) that an e-invoice
carries. Standard and reduced are both category S (the rate tells them apart); every other category
carries no VAT, so its rate is 0 — a rule the e-invoice validators enforce too (BR-Z-5, BR-E-5,
BR-AE-5, BR-G-5), so a wrong code is refused here, when the code is set up, not when an invoice
bounces. `fits` says which kinds suit which client, so a reverse-charged line never reaches a domestic
client and standard VAT never reaches an EU business that should self-account for it.

Rounding. Tax laws allow both ways of rounding an invoice's VAT, and both are in use:

- PER_LINE ("round per line"): each line's tax is rounded to the minor unit; the tax per (category,
  rate) is the sum of those rounded line taxes. Every line shows a tax that is its own net × rate, and
  the client can check each line. The UK VAT guide allows working VAT out per line or per invoice
  (VAT Notice 700 §17.5, as HMRC's VAT Trader Records manual VATREC12010-12030 explains it).
- PER_DOCUMENT ("round globally"): nets are summed per (category, rate) and each group's tax is
  computed on that basis and rounded once. This is what EN 16931 states (below) and what Japan's
  qualified-invoice system requires (rounding once per tax rate per invoice). Per-line taxes, which
  the ledger still needs, are the group's tax split back over its lines so they add up exactly.

The two differ by at most half a minor unit per line of the group (each rounded line tax is within
half a unit of its exact value; the group's single rounding is within half a unit too, and the
difference is a whole number of units); the tests check that bound.

E-invoices. EN 16931 rule BR-CO-17: "VAT category tax amount (BT-117) = VAT category taxable amount
(BT-116) x (VAT category rate (BT-119) / 100), rounded to two decimals." A PER_DOCUMENT summary
satisfies it by construction. A PER_LINE summary may not: its category amount is a sum of rounded
line taxes and can be a few cents away from basis × rate. `document_rounding_difference` reports
that gap per (category, rate) so the e-invoice writer can decide (declare PER_DOCUMENT figures in the
VAT breakdown, or refuse to send) — this module does not solve it. Two more things for that writer:
EN 16931 rounds to two decimals whatever the currency, while this module rounds to the currency's
minor unit (whole yen for JPY, fils for KWD), so for such currencies the check is against the
currency's own unit; and document-level allowances and charges (BG-20/BG-21) are passed here as
lines of their own (a discount is a line with a negative net), which is how they enter BT-116.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from margin.core.errors import Invalid
from margin.core.money import Money, is_currency

# --- tax codes ------------------------------------------------------------------------------------


class TaxKind(StrEnum):
    """What a firm picks for a tax code. Each kind is one EN 16931 VAT category (see CATEGORY_OF)."""

    STANDARD = "standard"
    REDUCED = "reduced"
    ZERO = "zero"
    EXEMPT = "exempt"
    REVERSE_CHARGE = "reverse_charge"
    EXPORT = "export"
    OUTSIDE_SCOPE = "outside_scope"


# EN 16931 VAT category codes (BT-118 / BT-151, a subset of UNTDID 5305).
STANDARD_RATED = "S"
ZERO_RATED = "Z"
EXEMPT_FROM_VAT = "E"
REVERSE_CHARGE = "AE"
EXPORT_OUTSIDE_EU = "G"
NOT_SUBJECT_TO_VAT = "O"
CATEGORIES = frozenset(
    {STANDARD_RATED, ZERO_RATED, EXEMPT_FROM_VAT, REVERSE_CHARGE, EXPORT_OUTSIDE_EU, NOT_SUBJECT_TO_VAT}
)

CATEGORY_OF: Mapping[TaxKind, str] = {
    TaxKind.STANDARD: STANDARD_RATED,
    TaxKind.REDUCED: STANDARD_RATED,  # a reduced rate is still category S: the rate tells it apart
    TaxKind.ZERO: ZERO_RATED,
    TaxKind.EXEMPT: EXEMPT_FROM_VAT,
    TaxKind.REVERSE_CHARGE: REVERSE_CHARGE,
    TaxKind.EXPORT: EXPORT_OUTSIDE_EU,
    TaxKind.OUTSIDE_SCOPE: NOT_SUBJECT_TO_VAT,
}

# Kinds that charge VAT; all the others must have a rate of 0.
RATED_KINDS = frozenset({TaxKind.STANDARD, TaxKind.REDUCED})

MAX_RATE = Decimal(100)
PERCENT = Decimal(100)

_KIND_LABEL: Mapping[TaxKind, str] = {
    TaxKind.STANDARD: "Standard-rate VAT",
    TaxKind.REDUCED: "Reduced-rate VAT",
    TaxKind.ZERO: "Zero-rated VAT",
    TaxKind.EXEMPT: "Exemption from VAT",
    TaxKind.REVERSE_CHARGE: "Reverse charge",
    TaxKind.EXPORT: "Export (no VAT charged)",
    TaxKind.OUTSIDE_SCOPE: "Outside the scope of VAT",
}


def tax_kind(kind: TaxKind | str) -> TaxKind:
    """The TaxKind named by `kind`, or Invalid naming the field."""
    try:
        return TaxKind(kind)
    except ValueError:
        names = ", ".join(k.value for k in TaxKind)
        raise Invalid(f"Unknown tax kind {kind!r}: use one of {names}.", field="kind") from None


def category_of(kind: TaxKind | str) -> str:
    """The EN 16931 VAT category code of a tax kind: S, Z, E, AE, G or O."""
    return CATEGORY_OF[tax_kind(kind)]


def _check_rate_bounds(rate: Decimal) -> None:
    if not isinstance(rate, Decimal | int) or isinstance(rate, bool):
        raise Invalid("A tax rate must be an exact decimal number (a percentage such as 20).", field="rate")
    rate = Decimal(rate)
    if not rate.is_finite() or rate < 0 or rate > MAX_RATE:
        raise Invalid(f"A tax rate is a percentage from 0 to 100; {rate} is not.", field="rate")


def check_tax_code(kind: TaxKind | str, rate: Decimal) -> None:
    """Refuse a tax code whose rate does not match its kind: standard and reduced VAT need a rate above
    0; zero-rated, exempt, reverse-charged, export and out-of-scope codes charge no VAT, so their rate
    is 0 (as EN 16931's BR-Z-5, BR-E-5, BR-AE-5 and BR-G-5 require on the e-invoice)."""
    checked = tax_kind(kind)
    _check_rate_bounds(rate)
    if checked in RATED_KINDS and Decimal(rate) == 0:
        raise Invalid(f"{_KIND_LABEL[checked]} needs a rate above 0 %.", field="rate")
    if checked not in RATED_KINDS and Decimal(rate) != 0:
        raise Invalid(f"{_KIND_LABEL[checked]} charges no VAT: its rate must be 0 %, not {rate} %.", field="rate")


def _check_category_rate(category: str, rate: Decimal) -> None:
    if category not in CATEGORIES:
        names = ", ".join(sorted(CATEGORIES))
        raise Invalid(f"Unknown VAT category {category!r}: use one of {names}.", field="category")
    _check_rate_bounds(rate)
    if category == STANDARD_RATED and Decimal(rate) == 0:
        raise Invalid("Category S (standard rated) needs a rate above 0 %.", field="rate")
    if category != STANDARD_RATED and Decimal(rate) != 0:
        raise Invalid(f"Category {category} charges no VAT: its rate must be 0 %, not {rate} %.", field="rate")


# --- client treatments ----------------------------------------------------------------------------


class TaxTreatment(StrEnum):
    """How a client is taxed, from where it is and what it is."""

    DOMESTIC = "domestic"  # in the seller's own VAT area
    EU_BUSINESS = "eu_business"  # a business in another EU state: services are reverse-charged (needs a VAT id)
    EXPORT = "export"  # outside the EU / outside the seller's VAT area


ALLOWED_KINDS: Mapping[TaxTreatment, frozenset[TaxKind]] = {
    TaxTreatment.DOMESTIC: frozenset(
        {TaxKind.STANDARD, TaxKind.REDUCED, TaxKind.ZERO, TaxKind.EXEMPT, TaxKind.OUTSIDE_SCOPE}
    ),
    TaxTreatment.EU_BUSINESS: frozenset({TaxKind.REVERSE_CHARGE, TaxKind.EXEMPT, TaxKind.OUTSIDE_SCOPE}),
    TaxTreatment.EXPORT: frozenset({TaxKind.EXPORT, TaxKind.OUTSIDE_SCOPE, TaxKind.EXEMPT}),
}

DEFAULT_KIND: Mapping[TaxTreatment, TaxKind] = {
    TaxTreatment.DOMESTIC: TaxKind.STANDARD,
    TaxTreatment.EU_BUSINESS: TaxKind.REVERSE_CHARGE,
    TaxTreatment.EXPORT: TaxKind.EXPORT,
}

# Who a kind is for, and what a client of each treatment is: the two halves of `fits`'s sentence.
_ONLY_FOR: Mapping[TaxKind, str] = {
    TaxKind.STANDARD: "a domestic client",
    TaxKind.REDUCED: "a domestic client",
    TaxKind.ZERO: "a domestic client",
    TaxKind.REVERSE_CHARGE: "an EU business client with a VAT id",
    TaxKind.EXPORT: "a client outside the EU",
}
_IS: Mapping[TaxTreatment, str] = {
    TaxTreatment.DOMESTIC: "domestic",
    TaxTreatment.EU_BUSINESS: "an EU business",
    TaxTreatment.EXPORT: "outside the EU",
}


def tax_treatment(treatment: TaxTreatment | str) -> TaxTreatment:
    """The TaxTreatment named by `treatment`, or Invalid naming the field."""
    try:
        return TaxTreatment(treatment)
    except ValueError:
        names = ", ".join(t.value for t in TaxTreatment)
        raise Invalid(f"Unknown tax treatment {treatment!r}: use one of {names}.", field="tax_treatment") from None


def fits(
    treatment: TaxTreatment | str, kind: TaxKind | str, *, buyer_vat_id: str, buyer_name: str = "the client"
) -> str | None:
    """None when a tax code of `kind` suits a client of `treatment`; otherwise one sentence saying why not.

    Domestic clients: standard, reduced, zero, exempt, outside scope. EU business clients: reverse
    charge (only with the buyer's VAT id, which the invoice must show), exempt, outside scope. Clients
    outside the EU: export, outside scope, exempt. `buyer_name` names the client in the sentence."""
    checked_treatment = tax_treatment(treatment)
    checked_kind = tax_kind(kind)
    if checked_kind not in ALLOWED_KINDS[checked_treatment]:
        label = _KIND_LABEL[checked_kind]
        return f"{label} applies only to {_ONLY_FOR[checked_kind]}; {buyer_name} is {_IS[checked_treatment]}."
    if checked_kind is TaxKind.REVERSE_CHARGE and not (buyer_vat_id or "").strip():
        # The buyer accounts for the VAT under its own VAT id: without one, nobody would (BR-AE-2).
        return f"Reverse charge needs the client's VAT id; {buyer_name} has none on file."
    return None


def default_kind(treatment: TaxTreatment | str) -> TaxKind:
    """The tax kind a new invoice line for a client of `treatment` starts with."""
    return DEFAULT_KIND[tax_treatment(treatment)]


@dataclass(frozen=True)
class Exemption:
    """What an e-invoice says for a category that charges no VAT: BT-120 (text) and BT-121 (VATEX code)."""

    reason: str
    code: str  # "" when the firm must name the legal basis itself


EXEMPTIONS: Mapping[str, Exemption] = {
    REVERSE_CHARGE: Exemption("Reverse charge", "VATEX-EU-AE"),
    EXPORT_OUTSIDE_EU: Exemption("Export outside the EU", "VATEX-EU-G"),
    NOT_SUBJECT_TO_VAT: Exemption("Not subject to VAT", "VATEX-EU-O"),
    # Exemptions have many legal bases (Directive 2006/112/EC art. 132, 135, ...), each with its own
    # VATEX code; guessing one would state the wrong law. The text alone satisfies BR-E-10.
    EXEMPT_FROM_VAT: Exemption("Exempt from VAT", ""),
}


def exemption_for(category: str) -> Exemption | None:
    """The exemption reason of a category that charges no VAT for a reason (E, AE, G, O); None for S and Z."""
    return EXEMPTIONS.get(category)


# --- rounding -------------------------------------------------------------------------------------

PER_LINE = "per_line"
PER_DOCUMENT = "per_document"
ROUNDING_METHODS = (PER_LINE, PER_DOCUMENT)


@dataclass(frozen=True)
class TaxableLine:
    """One line of an invoice as the tax sees it. A document-level discount is a line with a negative net,
    a document-level charge one with a positive net, each in the category and rate it is taxed at."""

    key: Hashable  # the caller's id of the line (an invoice line id, "discount", ...)
    net_minor: int
    category: str
    rate: Decimal  # a percentage: Decimal("20") is 20 %


@dataclass(frozen=True)
class TaxRow:
    """One row of the VAT breakdown (EN 16931 BG-23): taxable amount and tax of one (category, rate)."""

    category: str
    rate: Decimal
    basis_minor: int
    tax_minor: int


@dataclass(frozen=True)
class TaxSummary:
    currency: str
    method: str
    rows: tuple[TaxRow, ...]  # rate descending, then category
    line_tax_minor: Mapping[Hashable, int]  # the tax of each line: always adds up to tax_total_minor
    tax_total_minor: int
    net_total_minor: int
    gross_total_minor: int


def _tax_minor(net_minor: int, rate: Decimal, currency: str) -> int:
    """net × rate / 100, rounded once to the currency's minor unit by core.money's rule (half up)."""
    exact = Money.from_minor(net_minor, currency).amount * Decimal(rate) / PERCENT
    return Money(exact, currency).to_minor()


def _split(amount_minor: int, lines: Sequence[TaxableLine], currency: str) -> dict[Hashable, int]:
    """`amount_minor` over `lines` in proportion to the size of their nets, adding up exactly."""
    weights = [abs(line.net_minor) for line in lines]
    if sum(weights) == 0:
        # Only zero-net lines: the caller only ever hands them an amount of 0 (see _allocate_group).
        assert amount_minor == 0
        return {line.key: 0 for line in lines}
    parts = Money.from_minor(amount_minor, currency).allocate(weights)
    return {line.key: part.to_minor() for line, part in zip(lines, parts, strict=True)}


def _allocate_group(tax_minor: int, lines: Sequence[TaxableLine], rate: Decimal, currency: str) -> dict[Hashable, int]:
    """Split a group's once-rounded tax back over its lines by largest remainder (Money.allocate).

    Money.allocate splits in proportion to non-negative weights, and a group may mix charges and
    discounts. So the negative lines (discounts) together get their own exactly-computed tax, rounded
    once, split over them in proportion; the other lines get the rest, split in proportion to their
    nets. Both parts keep their sign, the total is the group's tax exactly, and each line's share is
    less than 2 minor units from its exact net × rate (less than 1.5 when the group has no discount:
    under one unit from its proportional share, which is itself within half a unit of net × rate)."""
    negatives = [line for line in lines if line.net_minor < 0]
    others = [line for line in lines if line.net_minor >= 0]
    negative_tax = _tax_minor(sum(line.net_minor for line in negatives), rate, currency) if negatives else 0
    shares = _split(negative_tax, negatives, currency) if negatives else {}
    shares.update(_split(tax_minor - negative_tax, others, currency))
    return shares


def tax_summary(lines: Sequence[TaxableLine], *, currency: str, method: str) -> TaxSummary:
    """The VAT of an invoice: its breakdown per (category, rate), each line's tax and the totals.

    PER_LINE: a line's tax is its net × rate rounded; a row's tax is the sum of its lines' taxes.
    PER_DOCUMENT: a row's tax is its basis × rate rounded once; the lines share it by largest remainder.
    Either way the basis of a row is the sum of its lines' nets (discounts included), the lines' taxes
    add up to the rows' and the rows' to the total, to the minor unit."""
    if not is_currency(currency):
        raise Invalid(f"Unknown currency {currency!r}: use an ISO 4217 code such as EUR.", field="currency")
    if method not in ROUNDING_METHODS:
        raise Invalid(f"Unknown rounding method {method!r}: use {PER_LINE} or {PER_DOCUMENT}.", field="method")
    groups: dict[tuple[str, Decimal], list[TaxableLine]] = {}
    seen: set[Hashable] = set()
    for line in lines:
        if line.key in seen:
            raise Invalid(f"Two taxable lines share the key {line.key!r}.", field="lines")
        seen.add(line.key)
        _check_category_rate(line.category, line.rate)
        groups.setdefault((line.category, Decimal(line.rate)), []).append(line)

    rows = []
    line_tax: dict[Hashable, int] = {}
    for (category, rate), members in groups.items():
        basis = sum(line.net_minor for line in members)
        if method == PER_LINE:
            taxes = {line.key: _tax_minor(line.net_minor, rate, currency) for line in members}
            tax = sum(taxes.values())
        else:
            tax = _tax_minor(basis, rate, currency)
            taxes = _allocate_group(tax, members, rate, currency)
        line_tax.update(taxes)
        rows.append(TaxRow(category=category, rate=rate, basis_minor=basis, tax_minor=tax))
    rows.sort(key=lambda row: (-row.rate, row.category))
    # Keep the caller's line order in the mapping (groups were visited in first-seen order).
    ordered_tax = {line.key: line_tax[line.key] for line in lines}
    net_total = sum(line.net_minor for line in lines)
    tax_total = sum(row.tax_minor for row in rows)
    return TaxSummary(
        currency=currency,
        method=method,
        rows=tuple(rows),
        line_tax_minor=ordered_tax,
        tax_total_minor=tax_total,
        net_total_minor=net_total,
        gross_total_minor=net_total + tax_total,
    )


def document_rounding_difference(summary: TaxSummary) -> dict[tuple[str, Decimal], int]:
    """Per (category, rate), the row's tax minus its basis × rate / 100 rounded once (EN 16931 BR-CO-17),
    in minor units; only the rows where they differ, so an empty answer means every row satisfies the
    rule. Always empty for PER_DOCUMENT; with PER_LINE, at most half a minor unit per line of the row."""
    differences = {}
    for row in summary.rows:
        difference = row.tax_minor - _tax_minor(row.basis_minor, row.rate, summary.currency)
        if difference:
            differences[(row.category, row.rate)] = difference
    return differences
