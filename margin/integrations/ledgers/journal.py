"""The journal of one company and period, read once for any export: the chart, the accounts used, the balances
brought forward, and the entries with their lines as a stream (one ordered read of the lines, grouped by entry).

Every export writes amounts from integer minor units (`amount`), so what a tool reads is exactly what the books
hold: no float ever sits between the database and the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Max, Min, QuerySet

from margin.accounts.models import Company
from margin.books.models import Account, JournalLine
from margin.books.queries import accounts_of, trial_balance
from margin.core.errors import Invalid
from margin.core.money import Money

CHUNK = 2000


@dataclass(frozen=True)
class Line:
    account_id: int
    amount_minor: int  # company currency: debit positive, credit negative
    currency: str  # the document's
    amount_currency_minor: int
    description: str
    client: str
    project: str
    person: str


@dataclass(frozen=True)
class Entry:
    seq: int
    date: date
    description: str
    hash: str
    source_kind: str
    source_id: int | None
    lines: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class Journal:
    """What an export needs to know before it writes its first entry; `entries()` streams the rest."""

    company: Company
    currency: str
    date_from: date | None
    date_to: date | None
    accounts: dict[int, Account]
    used: list[int]  # accounts with a line in the period or a balance brought forward, by code
    first: date | None  # the day the file starts: date_from, else the first entry's
    last: date | None
    opening: list[tuple[int, int]]  # (account id, balance in minor units) the day before date_from

    def amount(self, minor: int, currency: str | None = None) -> Decimal:
        return Money.from_minor(minor, currency or self.currency).amount

    def entries(self) -> Iterator[Entry]:
        return _entries(self.company.pk, self.date_from, self.date_to)


def _lines(company_id: int, date_from: date | None, date_to: date | None) -> QuerySet[JournalLine]:
    rows = JournalLine.objects.filter(company_id=company_id)
    if date_from is not None:
        rows = rows.filter(date__gte=date_from)
    if date_to is not None:
        rows = rows.filter(date__lte=date_to)
    return rows


def _entries(company_id: int, date_from: date | None, date_to: date | None) -> Iterator[Entry]:
    values = (
        _lines(company_id, date_from, date_to)
        .order_by("entry__seq", "position")
        .values_list(
            "entry__seq",
            "entry__date",
            "entry__description",
            "entry__hash",
            "entry__source_kind",
            "entry__source_id",
            "account_id",
            "amount_minor",
            "currency",
            "amount_currency_minor",
            "description",
            "client__name",
            "project__code",
            "person__name",
        )
    )
    current: Entry | None = None
    for row in values.iterator(chunk_size=CHUNK):
        if current is None or current.seq != row[0]:
            if current is not None:
                yield current
            current = Entry(row[0], row[1], row[2], row[3], row[4], row[5])
        current.lines.append(Line(row[6], row[7], row[8], row[9], row[10], row[11] or "", row[12] or "", row[13] or ""))
    if current is not None:
        yield current


def journal_of(company: Company, *, date_from: date | None = None, date_to: date | None = None) -> Journal:
    """The company's journal from `date_from` to `date_to` (either open). With a start date, the balances
    brought forward are there too, so a file of a period still ends on the books' closing balances."""
    if date_from is not None and date_to is not None and date_from > date_to:
        raise Invalid("The period must end on or after the day it starts.", field="date_to")
    rows = _lines(company.pk, date_from, date_to)
    in_period = set(rows.order_by().values_list("account_id", flat=True).distinct())
    span = rows.aggregate(first=Min("date"), last=Max("date"))
    opening: list[tuple[int, int]] = []
    if date_from is not None:
        before = trial_balance(company, date_to=date_from, date_from=date_from)
        opening = [(r.account_id, r.opening_minor) for r in before.rows if r.opening_minor]
    accounts = {a.pk: a for a in accounts_of(company.pk)}
    used_ids = in_period | {account_id for account_id, _ in opening}
    used = [pk for pk in accounts if pk in used_ids]  # accounts_of orders by code
    first = date_from if date_from is not None and used_ids else span["first"]
    return Journal(company, company.base_currency, date_from, date_to, accounts, used, first, span["last"], opening)


def plain_name(name: str) -> str:
    """An account name for tools that read ":" as the parent-child separator (GnuCash, QuickBooks Online)."""
    return " ".join(name.replace(":", " -").split())
