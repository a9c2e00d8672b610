"""How invoice lines and numbers are made. Pure functions, no Django."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from margin.rates.rules import value_of_minutes


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
class LineDraft:
    position: int
    task_id: int | None
    role_id: int | None
    description: str
    minutes: int
    hourly_rate: Decimal
    amount_minor: int
    time_value_minor: int
    expense_line_id: int | None = None  # set on the line of a billed expense


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


def build_expense_lines(items: list[ExpenseItem], *, first_position: int) -> list[LineDraft]:
    """One invoice line per expense, after the time lines, oldest first: 'Expense 2026-03-10 — Travel —
    Lufthansa (+10 %)', billed at the amount stored on the expense (converted, markup included)."""
    ordered = sorted(items, key=lambda i: (i.date, i.expense_line_id))
    drafts = []
    for n, item in enumerate(ordered):
        text = f"Expense {item.date.isoformat()} — {item.category}"
        if item.merchant:
            text += f" — {item.merchant}"
        if item.markup_percent:
            text += f" (+{item.markup_percent.normalize():f} %)"
        drafts.append(
            LineDraft(
                position=first_position + n,
                task_id=item.task_id,
                role_id=None,
                description=text[:400],
                minutes=0,
                hourly_rate=Decimal(0),
                amount_minor=item.amount_minor,
                time_value_minor=0,
                expense_line_id=item.expense_line_id,
            )
        )
    return drafts


def build_lines(groups: list[LineGroup], currency: str) -> list[LineDraft]:
    """One line per (task, role, rate): hours × rate, rounded once per line by the money rule.

    The invoice total is the sum of these rounded line amounts (ARCHITECTURE §4).
    """
    ordered = sorted(groups, key=lambda g: (g.task_name, g.role_name, g.hourly_rate))
    return [
        LineDraft(
            position=i,
            task_id=g.task_id,
            role_id=g.role_id,
            description=f"{g.task_name} — {g.role_name}" if g.role_name else g.task_name,
            minutes=g.minutes,
            hourly_rate=g.hourly_rate,
            amount_minor=value_of_minutes(g.minutes, g.hourly_rate, currency).to_minor(),
            time_value_minor=g.time_value_minor,
        )
        for i, g in enumerate(ordered)
    ]


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
