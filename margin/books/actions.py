"""Writes of the books: the chart of accounts, posting (the documents' entries, manual entries, reversals).

Every entry goes through `_store`, which holds the company's row lock (posting, closes and other posting of
the company queue behind each other), numbers the entries after the company's last one, hashes each over
its lines and the previous hash, and writes the lines before the entries (ADR 0029). Nothing is ever
updated or deleted: a correction is a reversing entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from margin.accounts.models import Company
from margin.accounts.queries import Viewer, company_locked_through
from margin.books import rules
from margin.books.models import Account, AccountKind, ExpenseCategoryAccount, JournalEntry, JournalLine
from margin.books.posting import Chart, pending, revaluation
from margin.books.queries import books_company, role_accounts
from margin.books.rules import GENESIS, EntrySpec, LineSpec, Source, entry_hash, line_tuple
from margin.core import audit
from margin.core.errors import Conflict, Invalid, NotFound, check_period_open
from margin.core.text import clean_text
from margin.expenses.models import ExpenseCategory

ACCOUNT_FIELDS = ["code", "name", "kind", "role", "active"]
CHUNK = 5000


# --- the chart --------------------------------------------------------------------------------------------------


def _install_default(company: Company) -> list[Account]:
    if Account.objects.filter(company_id=company.pk).exists():
        return []
    return Account.objects.bulk_create(
        [
            Account(
                organisation_id=company.organisation_id,
                company=company,
                code=row.code,
                name=row.name,
                kind=row.kind,
                role=row.role,
            )
            for row in rules.DEFAULT_CHART
        ]
    )


def chart_ensure(company: Company) -> dict[str, int]:
    """The company's accounts by role, giving it the default chart first when it has none (posting needs one)."""
    _install_default(company)
    return {role: account.pk for role, account in role_accounts(company.pk).items()}


@transaction.atomic
def chart_install(*, viewer: Viewer, company: Company) -> list[Account]:
    """Give a company with no accounts the default chart (every role mapped)."""
    books_company(viewer, company.pk)
    Company.objects.select_for_update().filter(pk=company.pk).first()
    if Account.objects.filter(company_id=company.pk).exists():
        raise Conflict(f"{company.name} has a chart of accounts already.")
    created = _install_default(company)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="chart.install",
        obj=company,
        after={"accounts": [a.code for a in created]},
    )
    return created


def _check_code(company: Company, code: str, *, other_than: int | None = None) -> str:
    code = clean_text(code, field="code", max_length=16, required=True)
    others = Account.objects.filter(company_id=company.pk, code=code)
    clash = (others.exclude(pk=other_than) if other_than is not None else others).first()
    if clash is not None:
        raise Invalid(f"Account {code} exists already ({clash.name}).", field="code", code="duplicate_code")
    return code


def _check_role(role: str | None) -> str | None:
    if role in (None, ""):
        return None
    if role not in rules.ROLES:
        raise Invalid(f"“{role}” is not an account role.", field="role", code="unknown_role")
    return role


def _take_role(viewer: Viewer, company_id: int, role: str, account: Account) -> None:
    """Move a role to `account` from whichever account held it (a company maps each role once)."""
    for holder in Account.objects.filter(company_id=company_id, role=role).exclude(pk=account.pk):
        holder.role = None
        holder.save(update_fields=["role"])
        audit.record(
            organisation_id=viewer.organisation_id,
            actor_id=viewer.user_id,
            action="account.update",
            obj=holder,
            before={"role": role},
            after={"role": None},
        )


@transaction.atomic
def account_add(
    *, viewer: Viewer, company: Company, code: str, name: str, kind: str, role: str | None = None
) -> Account:
    books_company(viewer, company.pk)
    if kind not in rules.Kind.ALL:
        raise Invalid(f"“{kind}” is not a kind of account.", field="kind", code="unknown_kind")
    account = Account(
        organisation_id=company.organisation_id,
        company=company,
        code=_check_code(company, code),
        name=clean_text(name, field="name", max_length=200, required=True),
        kind=kind,
        role=_check_role(role),
    )
    if account.role:
        _take_role(viewer, company.pk, account.role, account)
    account.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="account.add",
        obj=account,
        after=audit.snapshot(account, ACCOUNT_FIELDS),
    )
    return account


@transaction.atomic
def account_update(
    *,
    viewer: Viewer,
    account: Account,
    code: str | None = None,
    name: str | None = None,
    role: str | None = None,
    clear_role: bool = False,
    active: bool | None = None,
) -> Account:
    """Rename, renumber, map a role to it (taken from the account that had it) or retire an account. Its kind
    never changes once it has lines: the lines' meaning would change with it."""
    company = books_company(viewer, account.company_id)
    account = Account.objects.select_for_update().get(pk=account.pk)
    before = audit.snapshot(account, ACCOUNT_FIELDS)
    if code is not None:
        account.code = _check_code(company, code, other_than=account.pk)
    if name is not None:
        account.name = clean_text(name, field="name", max_length=200, required=True)
    if clear_role:
        account.role = None
    elif role is not None:
        account.role = _check_role(role)
        if account.role:
            _take_role(viewer, company.pk, account.role, account)
    if active is not None:
        if not active and account.role:
            raise Invalid(
                f"{account} is the “{account.role}” account: map the role to another account before retiring it.",
                field="active",
                code="role_account",
            )
        account.active = active
    account.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="account.update",
        obj=account,
        before=before,
        after=audit.snapshot(account, ACCOUNT_FIELDS),
    )
    return account


# --- storing entries ----------------------------------------------------------------------------------------------

ENTRY_COLUMNS = (
    "id, organisation_id, company_id, seq, date, description, source_kind, source_id, reverses_id, currency, "
    "prev_hash, hash, posted_at, posted_by_id"
)
LINE_COLUMNS = (
    "entry_id, company_id, date, position, account_id, amount_minor, currency, amount_currency_minor, description, "
    "client_id, project_id, contract_id, person_id"
)


def _reserve_ids(count: int) -> list[int]:
    """Ids for `count` new entries: the lines name their entry before it exists."""
    table = JournalEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", [count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        last = int(cursor.fetchone()[0])
        return list(range(last + 1, last + 1 + count))


def _insert(table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * (columns.count(",") + 1))
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows[start : start + CHUNK])


def _store(company: Company, specs: Sequence[EntrySpec], *, actor_id: int | None) -> tuple[int, int]:
    """Post `specs` as the company's next entries; returns the first and last `seq` (0, 0 for none).

    Caller holds a transaction. The company's row lock serialises the chain."""
    Company.objects.select_for_update().filter(pk=company.pk).first()
    if not specs:
        return (0, 0)
    last = JournalEntry.objects.filter(company_id=company.pk).order_by("-seq").values_list("seq", "hash").first()
    seq, prev = last if last is not None else (0, GENESIS)
    first_seq = seq + 1
    now = timezone.now()
    entries: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    for spec, entry_id in zip(specs, _reserve_ids(len(specs)), strict=True):
        rules.check_balanced(spec.lines)
        seq += 1
        description = rules.ledger_text(spec.description)
        stored = [line_tuple(n, line) for n, line in enumerate(spec.lines, start=1)]
        stored = [(*row[:5], rules.ledger_text(str(row[5])), *row[6:]) for row in stored]
        digest = entry_hash(
            prev_hash=prev,
            company_id=company.pk,
            seq=seq,
            day=spec.date,
            description=description,
            source_kind=spec.source_kind,
            source_id=spec.source_id,
            reverses_id=spec.reverses_id,
            currency=spec.currency,
            lines=stored,
        )
        entries.append(
            (
                entry_id,
                company.organisation_id,
                company.pk,
                seq,
                spec.date,
                description,
                spec.source_kind,
                spec.source_id,
                spec.reverses_id,
                spec.currency,
                prev,
                digest,
                now,
                actor_id,
            )
        )
        for row in stored:
            lines.append((entry_id, company.pk, spec.date, *row))
        prev = digest
    _insert(JournalLine._meta.db_table, LINE_COLUMNS, lines)
    _insert(JournalEntry._meta.db_table, ENTRY_COLUMNS, entries)
    return (first_seq, seq)


def _first_open_day(company: Company) -> date | None:
    through = company_locked_through(company.pk)
    return through + timedelta(days=1) if through is not None else None


def _check_open(company: Company, day: date) -> None:
    check_period_open(
        day,
        locked_through=company_locked_through(company.pk),
        company_name=company.name,
        what="a journal entry",
        verbs="posted",
        field="date",
    )


# --- posting --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncResult:
    """What a posting run did: entries posted (first and last seq) and what it could not post, with why."""

    posted: int
    first_seq: int
    last_seq: int
    problems: list[str] = field(default_factory=list)


def _sync(company: Company, *, actor_id: int | None, up_to: date | None, organisation_id: int) -> SyncResult:
    Company.objects.select_for_update().filter(pk=company.pk).first()
    company.refresh_from_db()
    _install_default(company)
    today = timezone.localdate()
    found = pending(company, up_to=up_to or today, today=today)
    first, last = _store(company, found.entries, actor_id=actor_id)
    if found.entries:
        audit.record(
            organisation_id=organisation_id,
            actor_id=actor_id,
            action="journal.post",
            obj=company,
            after={"entries": len(found.entries), "first_seq": first, "last_seq": last, "problems": found.problems},
        )
    return SyncResult(len(found.entries), first, last, found.problems)


@transaction.atomic
def journal_sync(*, viewer: Viewer, company: Company, up_to: date | None = None) -> SyncResult:
    """Post every issued invoice and credit note, payment and expense claim of the company not yet in the
    journal (and what changed on payments since), up to `up_to` (default today)."""
    books_company(viewer, company.pk)
    return _sync(company, actor_id=viewer.user_id, up_to=up_to, organisation_id=viewer.organisation_id)


@transaction.atomic
def journal_sync_unattended(*, company: Company, up_to: date | None = None) -> SyncResult:
    """The same, for a scheduled job or `manage.py post_journal` (no user)."""
    return _sync(company, actor_id=None, up_to=up_to, organisation_id=company.organisation_id)


def entries_post(*, company: Company, specs: Sequence[EntrySpec], actor_id: int | None) -> list[JournalEntry]:
    """Post entries another app built (a revenue run): each in an open period. Caller holds the transaction
    and writes its own audit row."""
    for spec in specs:
        _check_open(company, spec.date)
    first, last = _store(company, specs, actor_id=actor_id)
    if not specs:
        return []
    return list(JournalEntry.objects.filter(company_id=company.pk, seq__gte=first, seq__lte=last).order_by("seq"))


def reversal_of(entry: JournalEntry, *, day: date, description: str) -> EntrySpec:
    """The mirror image of a posted entry, dated `day`: what a correction posts (the entry never changes)."""
    return EntrySpec(
        company_id=entry.company_id,
        organisation_id=entry.organisation_id,
        date=day,
        description=description,
        source_kind=Source.REVERSAL,
        source_id=entry.pk,
        reverses_id=entry.pk,
        currency=entry.currency,
        lines=[
            LineSpec(
                x.account_id,
                -x.amount_minor,
                x.currency,
                -x.amount_currency_minor,
                x.description,
                x.client_id,
                x.project_id,
                x.contract_id,
                x.person_id,
            )
            for x in JournalLine.objects.filter(entry=entry).order_by("position")
        ],
    )


@transaction.atomic
def fx_revalue(*, viewer: Viewer, company: Company, as_of: date) -> list[JournalEntry]:
    """Revalue the open foreign-currency receivables at `as_of` (unrealised gain or loss) and reverse it the next
    day, so the next period starts from the invoices' own rates again (its realised differences come with the
    payments). Once per company and day."""
    books_company(viewer, company.pk)
    Company.objects.select_for_update().filter(pk=company.pk).first()
    if JournalEntry.objects.filter(company_id=company.pk, source_kind=Source.FX_REVALUATION, date=as_of).exists():
        raise Conflict(f"Open receivables were revalued at {as_of} already.")
    _check_open(company, as_of)
    chart_ensure(company)
    chart = Chart(company)
    spec = revaluation(company, chart, as_of)
    if spec is None:
        return []
    [entry] = entries_post(company=company, specs=[spec], actor_id=viewer.user_id)
    undo = reversal_of(entry, day=as_of + timedelta(days=1), description=f"Reversal of the revaluation at {as_of}")
    entries = [entry, *entries_post(company=company, specs=[undo], actor_id=viewer.user_id)]
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="journal.revalue",
        obj=company,
        after={"as_of": str(as_of), "lines": len(spec.lines), "seqs": [e.seq for e in entries]},
    )
    return entries


@dataclass(frozen=True)
class ManualLine:
    """A line a person enters: a debit or a credit, in the company's minor units."""

    account_id: int
    debit_minor: int = 0
    credit_minor: int = 0
    description: str = ""


def _manual_lines(company: Company, lines: Sequence[ManualLine]) -> list[LineSpec]:
    accounts = {a.pk: a for a in Account.objects.filter(company_id=company.pk, pk__in=[x.account_id for x in lines])}
    specs = []
    for n, line in enumerate(lines, start=1):
        account = accounts.get(line.account_id)
        if account is None:
            raise Invalid(f"Line {n}: no such account in {company.name}.", field="lines", code="unknown_account")
        if not account.active:
            raise Invalid(f"Line {n}: account {account} is retired.", field="lines", code="retired_account")
        if line.debit_minor < 0 or line.credit_minor < 0 or (line.debit_minor > 0) == (line.credit_minor > 0):
            raise Invalid(
                f"Line {n}: enter either a debit or a credit, above zero.", field="lines", code="debit_or_credit"
            )
        amount = line.debit_minor - line.credit_minor
        description = clean_text(line.description, field="description", max_length=400)
        specs.append(LineSpec(account.pk, amount, company.base_currency, amount, description))
    return specs


@transaction.atomic
def entry_post(
    *, viewer: Viewer, company: Company, day: date, description: str, lines: Sequence[ManualLine]
) -> JournalEntry:
    """A manual entry, in the company's currency: balanced, in an open period, posted at once."""
    books_company(viewer, company.pk)
    description = clean_text(description, field="description", max_length=400, required=True)
    specs = _manual_lines(company, lines)
    rules.check_balanced(specs)
    Company.objects.select_for_update().filter(pk=company.pk).first()
    _check_open(company, day)
    spec = EntrySpec(
        company_id=company.pk,
        organisation_id=company.organisation_id,
        date=day,
        description=description,
        source_kind=Source.MANUAL,
        currency=company.base_currency,
        lines=specs,
    )
    _, seq = _store(company, [spec], actor_id=viewer.user_id)
    entry = JournalEntry.objects.get(company_id=company.pk, seq=seq)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="journal.entry",
        obj=entry,
        after={"seq": seq, "date": str(day), "description": description, "lines": [s.amount_minor for s in specs]},
    )
    return entry


@transaction.atomic
def entry_reverse(*, viewer: Viewer, entry: JournalEntry, reason: str, day: date | None = None) -> JournalEntry:
    """Correct a manual entry with its mirror image (the entry itself never changes). Entries posted from
    documents are corrected through the document (a credit note, a changed payment), never here."""
    company = books_company(viewer, entry.company_id)
    reason = clean_text(reason, field="reason", max_length=300, required=True)
    if entry.source_kind != Source.MANUAL:
        raise Conflict(
            "This entry was posted from a document: correct the document (a credit note, a payment's allocation) "
            "and the journal follows."
        )
    Company.objects.select_for_update().filter(pk=company.pk).first()
    if JournalEntry.objects.filter(reverses_id=entry.pk).exists():
        raise Conflict(f"Entry #{entry.seq} has been reversed already.")
    first_open = _first_open_day(company)
    when = day or (entry.date if first_open is None or entry.date >= first_open else first_open)
    if when < entry.date:
        raise Invalid("A reversal cannot be dated before the entry it reverses.", field="date")
    _check_open(company, when)
    spec = reversal_of(entry, day=when, description=f"Reversal of #{entry.seq}: {reason}")
    if not spec.lines:
        raise NotFound("No such journal entry.")
    _, seq = _store(company, [spec], actor_id=viewer.user_id)
    reversal = JournalEntry.objects.get(company_id=company.pk, seq=seq)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="journal.reverse",
        obj=entry,
        after={"reversal_seq": seq, "reason": reason, "date": str(when)},
    )
    return reversal


def kind_choices() -> list[tuple[str, str]]:
    return list(AccountKind.choices)


@transaction.atomic
def expense_category_account_set(
    *, viewer: Viewer, company: Company, category: ExpenseCategory, account: Account | None
) -> ExpenseCategoryAccount | None:
    """Post a category's approved expenses of the company to `account` (an expense account of the company); None
    puts the category back on the `expenses` role's account."""
    books_company(viewer, company.pk)
    if category.organisation_id != company.organisation_id:
        raise NotFound("No such expense category.")
    if account is not None and (account.company_id != company.pk or account.kind != rules.Kind.EXPENSE):
        raise Invalid(f"{account} is not an expense account of {company.name}.", field="account_id")
    before = ExpenseCategoryAccount.objects.filter(company=company, category=category).first()
    row = None
    if account is None:
        ExpenseCategoryAccount.objects.filter(company=company, category=category).delete()
    else:
        row, _ = ExpenseCategoryAccount.objects.update_or_create(
            company=company, category=category, defaults={"account": account}
        )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="account.expense_category",
        obj=category,
        before={"company": company.pk, "account": before.account_id if before else None},
        after={"company": company.pk, "account": account.pk if account else None},
    )
    return row
