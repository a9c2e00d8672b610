"""Pure rules of the books: the default chart of accounts, what makes an entry valid, converting a document's
parts to the company's currency so they still add up, and the hash that chains posted entries.

No Django here: the actions and the verification both call these, so a stored entry and a checked one are
hashed by one function.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from margin.core.errors import Invalid
from margin.core.money import Money

GENESIS = "0" * 64  # the previous hash of a company's first entry
MAX_LINE_MINOR = 10**15


class Kind:
    """The five kinds of account; the sign a balance normally has follows from the kind."""

    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"

    ALL = (ASSET, LIABILITY, EQUITY, INCOME, EXPENSE)
    DEBIT_NORMAL = (ASSET, EXPENSE)


class Role:
    """What the automatic postings need an account for. A company maps each role to one of its accounts."""

    BANK = "bank"
    RECEIVABLE = "receivable"
    CONTRACT_ASSET = "contract_asset"
    EMPLOYEE_PAYABLE = "employee_payable"
    TAX_PAYABLE = "tax_payable"
    CONTRACT_LIABILITY = "contract_liability"
    LOSS_PROVISION = "loss_provision"
    RETAINED_EARNINGS = "retained_earnings"
    REVENUE_TIME = "revenue_time"
    REVENUE_FIXED = "revenue_fixed"
    REVENUE_PROGRESS = "revenue_progress"
    REVENUE_RETAINER = "revenue_retainer"
    REVENUE_EXPENSES = "revenue_expenses"
    REVENUE_OTHER = "revenue_other"
    EXPENSES = "expenses"
    BANK_CHARGES = "bank_charges"
    CONTRACT_LOSS = "contract_loss"
    FX_GAIN = "fx_gain"
    FX_LOSS = "fx_loss"
    ROUNDING = "rounding"


@dataclass(frozen=True)
class ChartRow:
    code: str
    name: str
    kind: str
    role: str | None = None


# A small services firm's chart: what every automatic posting needs, numbered in the common 1-7 classes.
DEFAULT_CHART: tuple[ChartRow, ...] = (
    ChartRow("1000", "Bank", Kind.ASSET, Role.BANK),
    ChartRow("1100", "Accounts receivable", Kind.ASSET, Role.RECEIVABLE),
    ChartRow("1150", "Contract assets (unbilled revenue)", Kind.ASSET, Role.CONTRACT_ASSET),
    ChartRow("2100", "Expense claims payable to employees", Kind.LIABILITY, Role.EMPLOYEE_PAYABLE),
    ChartRow("2200", "Sales tax payable", Kind.LIABILITY, Role.TAX_PAYABLE),
    ChartRow("2300", "Contract liabilities (deferred revenue)", Kind.LIABILITY, Role.CONTRACT_LIABILITY),
    ChartRow("2400", "Provision for loss contracts", Kind.LIABILITY, Role.LOSS_PROVISION),
    ChartRow("3000", "Share capital", Kind.EQUITY),
    ChartRow("3900", "Retained earnings", Kind.EQUITY, Role.RETAINED_EARNINGS),
    ChartRow("4000", "Revenue: time and materials", Kind.INCOME, Role.REVENUE_TIME),
    ChartRow("4100", "Revenue: fixed fees", Kind.INCOME, Role.REVENUE_FIXED),
    ChartRow("4200", "Revenue: progress billing", Kind.INCOME, Role.REVENUE_PROGRESS),
    ChartRow("4300", "Revenue: retainers", Kind.INCOME, Role.REVENUE_RETAINER),
    ChartRow("4400", "Revenue: re-billed expenses", Kind.INCOME, Role.REVENUE_EXPENSES),
    ChartRow("4900", "Other revenue and discounts", Kind.INCOME, Role.REVENUE_OTHER),
    ChartRow("6000", "Travel and other expenses", Kind.EXPENSE, Role.EXPENSES),
    ChartRow("6900", "Bank charges", Kind.EXPENSE, Role.BANK_CHARGES),
    ChartRow("7000", "Losses on contracts", Kind.EXPENSE, Role.CONTRACT_LOSS),
    ChartRow("7800", "Foreign exchange gains", Kind.INCOME, Role.FX_GAIN),
    ChartRow("7900", "Foreign exchange losses", Kind.EXPENSE, Role.FX_LOSS),
    ChartRow("7950", "Rounding differences", Kind.EXPENSE, Role.ROUNDING),
)
ROLES: tuple[str, ...] = tuple(row.role for row in DEFAULT_CHART if row.role is not None)

# The revenue account of an invoice line, by the line's kind (billing.LineKind values).
REVENUE_ROLE_OF_LINE = {
    "time": Role.REVENUE_TIME,
    "expense": Role.REVENUE_EXPENSES,
    "fixed": Role.REVENUE_FIXED,
    "progress": Role.REVENUE_PROGRESS,
    "retainer": Role.REVENUE_RETAINER,
    "usage": Role.REVENUE_RETAINER,
    "manual": Role.REVENUE_OTHER,
    "discount": Role.REVENUE_OTHER,
}


class Source:
    """What an entry was posted from. Automatic entries name their document; the rest are people's."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    EXPENSE_CLAIM = "expense_claim"
    REIMBURSEMENT = "reimbursement"
    REVENUE_RUN = "revenue_run"
    FX_REVALUATION = "fx_revaluation"
    MANUAL = "manual"
    REVERSAL = "reversal"

    CHOICES = (
        (INVOICE, "Invoice"),
        (CREDIT_NOTE, "Credit note"),
        (PAYMENT, "Payment"),
        (EXPENSE_CLAIM, "Approved expense claim"),
        (REIMBURSEMENT, "Expense reimbursement"),
        (REVENUE_RUN, "Revenue run"),
        (FX_REVALUATION, "Revaluation of open receivables"),
        (MANUAL, "Manual entry"),
        (REVERSAL, "Reversal"),
    )


@dataclass(frozen=True)
class LineSpec:
    """One line of an entry to post: signed company-currency minor units (debit positive, credit negative),
    and the same movement in the document's currency."""

    account_id: int
    amount_minor: int
    currency: str
    amount_currency_minor: int
    description: str = ""
    client_id: int | None = None
    project_id: int | None = None
    contract_id: int | None = None
    person_id: int | None = None


@dataclass
class EntrySpec:
    """An entry before it is stored: the chain fields (id, seq, hashes) are filled by the store."""

    company_id: int
    organisation_id: int
    date: date
    description: str
    source_kind: str
    currency: str
    lines: list[LineSpec] = field(default_factory=list)
    source_id: int | None = None
    reverses_id: int | None = None


def check_balanced(lines: Sequence[LineSpec]) -> None:
    """Refuse an entry that could never be stored: fewer than two lines, a zero line, or debits ≠ credits."""
    if len(lines) < 2:
        raise Invalid("A journal entry needs at least two lines.", field="lines", code="too_few_lines")
    for n, line in enumerate(lines, start=1):
        if line.amount_minor == 0:
            raise Invalid(f"Line {n} has no amount.", field="lines", code="zero_line")
        if abs(line.amount_minor) > MAX_LINE_MINOR:
            raise Invalid(f"Line {n}'s amount is too large.", field="lines", code="amount_too_large")
    debits = sum(line.amount_minor for line in lines if line.amount_minor > 0)
    credits = -sum(line.amount_minor for line in lines if line.amount_minor < 0)
    if debits != credits:
        raise Invalid(
            f"The entry does not balance: debits {debits} and credits {credits} (minor units) differ by "
            f"{abs(debits - credits)}.",
            field="lines",
            code="unbalanced",
        )


def convert_minor(amount_minor: int, rate: Decimal, source: str, target: str) -> int:
    """Minor units of `source` in minor units of `target`: multiplied exactly, rounded once (Money's rule)."""
    if source == target and rate == 1:
        return amount_minor
    return Money(Money.from_minor(amount_minor, source).amount * rate, target).to_minor()


def convert_parts(parts: Sequence[int], rate: Decimal, source: str, target: str, total: int) -> list[int]:
    """Convert the parts of a document whose converted total is `total` (already rounded): each part is
    converted and rounded, and the rounding difference goes to the largest part, so the parts still add up
    to the total and the entry balances."""
    converted = [convert_minor(p, rate, source, target) for p in parts]
    difference = total - sum(converted)
    if difference and converted:
        largest = max(range(len(parts)), key=lambda i: (abs(parts[i]), -i))
        converted[largest] += difference
    return converted


SEPARATORS = ("\x1e", "\x1f")  # between lines, between fields: never inside a stored text


def ledger_text(value: str, max_length: int = 400) -> str:
    """A description as the journal keeps it: without the hash's separators, at most `max_length` long."""
    for separator in SEPARATORS:
        value = value.replace(separator, " ")
    return value[:max_length]


def entry_hash(
    *,
    prev_hash: str,
    company_id: int,
    seq: int,
    day: date | str,
    description: str,
    source_kind: str,
    source_id: int | None,
    reverses_id: int | None,
    currency: str,
    lines: Iterable[Sequence[object]],
) -> str:
    """SHA-256 over the entry's fields, its lines in order and the previous entry's hash.

    Each line is (position, account id, amount, currency, amount in currency, description, client, project,
    contract, person). Each value is written as `str()` writes it (a date as ISO 8601, a missing id as None),
    fields separated by US (0x1f) and lines by RS (0x1e), which no stored text holds (`ledger_text`): every
    field has its place, so no two different entries serialise alike. One pass in C over each line: the
    verification hashes a million lines in seconds."""
    head = (
        f"{prev_hash}\x1f{company_id}\x1f{seq}\x1f{day}\x1f{description}\x1f{source_kind}\x1f{source_id}"
        f"\x1f{reverses_id}\x1f{currency}"
    )
    parts = [head]
    parts.extend("\x1f".join(map(str, line)) for line in lines)
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()


def line_tuple(position: int, line: LineSpec) -> tuple[object, ...]:
    """A line as `entry_hash` reads it (the same order as the verification's query)."""
    return (
        position,
        line.account_id,
        line.amount_minor,
        line.currency,
        line.amount_currency_minor,
        line.description,
        line.client_id,
        line.project_id,
        line.contract_id,
        line.person_id,
    )


def normal_balance(kind: str, debit_minus_credit: int) -> int:
    """A balance with the sign its kind normally has: assets and expenses debit-positive, the rest credit."""
    return debit_minus_credit if kind in Kind.DEBIT_NORMAL else -debit_minus_credit
