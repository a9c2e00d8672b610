"""Pure rules of billing: the groups and descriptions of invoice lines, and the state of an invoice. No Django."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class LineGroup:
    """Approved time of one task, one role and one rate, summed (a GROUP BY row)."""

    task_id: int | None
    task_name: str
    role_id: int | None
    role_name: str
    hourly_rate: Decimal
    minutes: int
    time_value_minor: int = 0  # the entries' own valuations, summed
    entries: int = 0


@dataclass(frozen=True)
class ExpenseItem:
    """An approved billable expense line, priced in the project's currency with its markup."""

    expense_line_id: int
    task_id: int | None
    date: date
    category: str
    merchant: str
    markup_percent: Decimal
    amount_minor: int


def expense_description(item: ExpenseItem) -> str:
    """An expense's invoice line: 'Expense 2026-03-10 — Travel — Lufthansa (+10 %)'."""
    text = f"Expense {item.date.isoformat()} — {item.category}"
    if item.merchant:
        text += f" — {item.merchant}"
    if item.markup_percent:
        text += f" (+{item.markup_percent.normalize():f} %)"
    return text[:400]


def time_description(group: LineGroup) -> str:
    """A time line: 'Build — Consultant' (the task, then the role)."""
    return f"{group.task_name} — {group.role_name}" if group.role_name else group.task_name


# --- the state a person reads -----------------------------------------------------------------------

DRAFT, ISSUED, SENT, PARTLY_PAID, PAID, OVERDUE, CREDITED = (
    "draft",
    "issued",
    "sent",
    "partly_paid",
    "paid",
    "overdue",
    "credited",
)
STATE_LABELS = {
    DRAFT: "Draft",
    ISSUED: "Issued",
    SENT: "Sent",
    PARTLY_PAID: "Partly paid",
    PAID: "Paid",
    OVERDUE: "Overdue",
    CREDITED: "Credited",
}


def open_minor(*, total_minor: int, paid_minor: int, credited_minor: int) -> int:
    """What the client still owes on an invoice: its total less payments and credit notes (never below 0)."""
    return max(total_minor - paid_minor - credited_minor, 0)


def invoice_state(
    *,
    issued: bool,
    sent: bool,
    total_minor: int,
    paid_minor: int,
    credited_minor: int,
    due_date: date | None,
    today: date,
) -> str:
    """The one rule for an invoice's state, from the facts stored on it: a draft; paid (or credited) when
    nothing is open; overdue when something is open after the due date; partly paid; sent; issued."""
    if not issued:
        return DRAFT
    if open_minor(total_minor=total_minor, paid_minor=paid_minor, credited_minor=credited_minor) == 0:
        return PAID if paid_minor > 0 else CREDITED
    if due_date is not None and due_date < today:
        return OVERDUE
    if paid_minor > 0:
        return PARTLY_PAID
    return SENT if sent else ISSUED
