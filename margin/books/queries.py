"""Reads of the books: access (finance of the company only), the chart and its roles, the journal, and the
trial balance, which is one grouped read of the journal lines' covering index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery

from margin.accounts.models import Company
from margin.accounts.queries import Viewer
from margin.books import rules
from margin.books.models import Account, JournalEntry, JournalLine
from margin.core.errors import Forbidden, Invalid, NotFound


def books_company(viewer: Viewer, company_id: int) -> Company:
    """The company whose books the viewer opens: 404 unless they see it, 403 unless they are finance."""
    company = Company.objects.filter(
        pk=company_id, organisation_id=viewer.organisation_id, pk__in=viewer.company_ids
    ).first()
    if company is None:
        raise NotFound("No such company.")
    if not viewer.is_finance:
        raise Forbidden("Only finance or an administrator may open the books.")
    return company


def books_companies(viewer: Viewer) -> list[Company]:
    if not viewer.is_finance:
        raise Forbidden("Only finance or an administrator may open the books.")
    return list(
        Company.objects.filter(organisation_id=viewer.organisation_id, pk__in=viewer.company_ids).order_by("name")
    )


def accounts_of(company_id: int) -> list[Account]:
    return list(Account.objects.filter(company_id=company_id).order_by("code"))


def account_get(viewer: Viewer, account_id: int) -> Account:
    account = Account.objects.filter(pk=account_id, organisation_id=viewer.organisation_id).first()
    if account is None or account.company_id not in viewer.company_ids or not viewer.is_finance:
        raise NotFound("No such account.")
    books_company(viewer, account.company_id)
    return account


def role_accounts(company_id: int) -> dict[str, Account]:
    """The account of each role the company has mapped."""
    return {a.role: a for a in Account.objects.filter(company_id=company_id, role__isnull=False) if a.role}


def _with_reversal(rows: QuerySet[JournalEntry]) -> QuerySet[JournalEntry]:
    """Each entry with the id of the entry reversing it (`reversed_by_pk`, None when none does)."""
    reversal = JournalEntry.objects.filter(reverses_id=OuterRef("pk")).values("pk")[:1]
    return rows.annotate(reversed_by_pk=Subquery(reversal))


def entries_of(
    company_id: int,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    source_kind: str | None = None,
    account_id: int | None = None,
) -> QuerySet[JournalEntry]:
    """A company's entries, newest link first, with their lines in one more query."""
    rows = JournalEntry.objects.filter(company_id=company_id)
    if date_from is not None:
        rows = rows.filter(date__gte=date_from)
    if date_to is not None:
        rows = rows.filter(date__lte=date_to)
    if source_kind:
        rows = rows.filter(source_kind=source_kind)
    if account_id is not None:
        rows = rows.filter(pk__in=JournalLine.objects.filter(account_id=account_id).values("entry_id"))
    return _with_reversal(rows).prefetch_related("lines__account").order_by("-seq")


def entry_get(viewer: Viewer, entry_id: int) -> JournalEntry:
    entry = (
        _with_reversal(JournalEntry.objects.filter(pk=entry_id, organisation_id=viewer.organisation_id))
        .prefetch_related("lines__account")
        .first()
    )
    if entry is None or entry.company_id not in viewer.company_ids or not viewer.is_finance:
        raise NotFound("No such journal entry.")
    books_company(viewer, entry.company_id)
    return entry


def entries_of_source(source_kind: str, source_ids: Sequence[int]) -> QuerySet[JournalEntry]:
    return JournalEntry.objects.filter(source_kind=source_kind, source_id__in=list(source_ids))


@dataclass(frozen=True)
class BalanceRow:
    """One account of the trial balance; amounts in the company's minor units, debits positive."""

    account_id: int
    code: str
    name: str
    kind: str
    opening_minor: int
    debit_minor: int
    credit_minor: int

    @property
    def closing_minor(self) -> int:
        return self.opening_minor + self.debit_minor - self.credit_minor

    @property
    def normal_closing_minor(self) -> int:
        return rules.normal_balance(self.kind, self.closing_minor)


@dataclass(frozen=True)
class TrialBalance:
    company_id: int
    currency: str
    date_from: date | None
    date_to: date
    rows: list[BalanceRow]

    @property
    def debit_minor(self) -> int:
        return sum(r.debit_minor for r in self.rows)

    @property
    def credit_minor(self) -> int:
        return sum(r.credit_minor for r in self.rows)

    @property
    def closing_debits_minor(self) -> int:
        return sum(r.closing_minor for r in self.rows if r.closing_minor > 0)

    @property
    def closing_credits_minor(self) -> int:
        return -sum(r.closing_minor for r in self.rows if r.closing_minor < 0)

    @property
    def balances(self) -> bool:
        return self.debit_minor == self.credit_minor and self.closing_debits_minor == self.closing_credits_minor


def trial_balance(company: Company, *, date_to: date, date_from: date | None = None) -> TrialBalance:
    """Per account: the balance before `date_from`, the debits and credits from it to `date_to`. One grouped
    read of the lines' covering index (company, account, date, amount); accounts with nothing are left out."""
    if date_from is not None and date_from > date_to:
        raise Invalid("The period must end on or after the day it starts.", field="date_to")
    start = (date_from or date.min).isoformat() if connection.vendor == "sqlite" else (date_from or date.min)
    end = date_to.isoformat() if connection.vendor == "sqlite" else date_to
    table = JournalLine._meta.db_table
    sql = f"""
        SELECT account_id,
               SUM(CASE WHEN date < %s THEN amount_minor ELSE 0 END),
               SUM(CASE WHEN date >= %s AND amount_minor > 0 THEN amount_minor ELSE 0 END),
               SUM(CASE WHEN date >= %s AND amount_minor < 0 THEN -amount_minor ELSE 0 END)
        FROM {table}
        WHERE company_id = %s AND date <= %s
        GROUP BY account_id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, start, start, company.pk, end])
        sums = {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in cursor.fetchall()}
    accounts = Account.objects.filter(pk__in=list(sums)).order_by("code")
    rows = [BalanceRow(a.pk, a.code, a.name, a.kind, sums[a.pk][0], sums[a.pk][1], sums[a.pk][2]) for a in accounts]
    return TrialBalance(company.pk, company.base_currency, date_from, date_to, rows)
