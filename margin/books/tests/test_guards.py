"""The database itself refuses an unbalanced, out-of-chain, closed-period or changed journal entry, whatever
code writes it (books.guards; ADR 0029)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from margin.accounts.models import Company
from margin.books import actions, guards
from margin.books.models import Account, JournalEntry
from margin.books.rules import GENESIS, Role
from tests.checks import database_refuses
from tests.firm import Firm

DAY = date(2026, 11, 2)
LINE = (
    "INSERT INTO books_journalline (entry_id, company_id, date, position, account_id, amount_minor, currency, "
    "amount_currency_minor, description) VALUES (%s, %s, %s, %s, %s, %s, 'EUR', %s, '')"
)
ENTRY = (
    "INSERT INTO books_journalentry (id, organisation_id, company_id, seq, date, description, source_kind, currency, "
    "prev_hash, hash, posted_at) VALUES (%s, %s, %s, %s, %s, 'raw', 'manual', 'EUR', %s, %s, %s)"
)


@pytest.fixture
def roles(firm: Firm) -> dict[str, Account]:
    actions.chart_install(viewer=firm.admin, company=firm.eur)
    return {a.role: a for a in Account.objects.filter(company=firm.eur) if a.role}


Statement = tuple[str, list[object]]


def _raw_entry(
    firm: Firm,
    roles: dict[str, Account],
    amounts: tuple[int, int],
    *,
    seq: int = 1,
    prev: str = GENESIS,
    day: date = DAY,
    account: Account | None = None,
) -> list[Statement]:
    """Raw statements writing two lines and then their entry, as the store does."""
    entry_id = 900000 + seq
    accounts = (account or roles[Role.BANK], roles[Role.EXPENSES])
    statements: list[Statement] = [
        (LINE, [entry_id, firm.eur.pk, day, position, acc.pk, amount, amount])
        for position, (amount, acc) in enumerate(zip(amounts, accounts, strict=True), start=1)
    ]
    entry = [entry_id, firm.eur.organisation_id, firm.eur.pk, seq, day, prev, "f" * 64, timezone.now()]
    return [*statements, (ENTRY, entry)]


class _Undo(Exception):
    pass


def _refused(statements: list[Statement], because: str = "journal") -> bool:
    """Whether the database refuses the statements for `because` (in one transaction, undone either way)."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for sql, params in statements:
                    cursor.execute(sql, params)
            connection.check_constraints(table_names=["books_journalline", "books_journalentry"])
            raise _Undo
    except IntegrityError as error:
        assert because in str(error)
        return True
    except _Undo:
        return False


def test_a_balanced_entry_written_raw_is_accepted(firm: Firm, roles: dict[str, Account]) -> None:
    assert not _refused(_raw_entry(firm, roles, (100, -100)))


def test_an_unbalanced_entry_is_refused(firm: Firm, roles: dict[str, Account]) -> None:
    assert _refused(_raw_entry(firm, roles, (100, -99)), guards.UNBALANCED)


def test_an_entry_out_of_the_chain_is_refused(firm: Firm, roles: dict[str, Account]) -> None:
    assert _refused(_raw_entry(firm, roles, (100, -100), seq=2), guards.CHAIN)
    assert _refused(_raw_entry(firm, roles, (100, -100), prev="1" * 64), guards.CHAIN)


def test_an_entry_in_a_closed_period_is_refused(firm: Firm, roles: dict[str, Account]) -> None:
    Company.objects.filter(pk=firm.eur.pk).update(locked_through=DAY)
    assert _refused(_raw_entry(firm, roles, (100, -100)), guards.CLOSED)


def test_a_line_on_another_company_s_account_is_refused(firm: Firm, roles: dict[str, Account]) -> None:
    actions.chart_install(viewer=firm.admin, company=firm.usd)
    usd_bank = Account.objects.get(company=firm.usd, role=Role.BANK)
    assert _refused(_raw_entry(firm, roles, (100, -100), account=usd_bank), guards.FOREIGN_ACCOUNT)


def test_a_posted_entry_and_its_lines_never_change(firm: Firm, roles: dict[str, Account]) -> None:
    entry = actions.entry_post(
        viewer=firm.finance,
        company=firm.eur,
        day=DAY,
        description="Rent",
        lines=[
            actions.ManualLine(roles[Role.EXPENSES].pk, debit_minor=500),
            actions.ManualLine(roles[Role.BANK].pk, credit_minor=500),
        ],
    )
    assert database_refuses(
        "UPDATE books_journalentry SET description = 'x' WHERE id = %s", [entry.pk], table="books_journalentry"
    )
    assert database_refuses(
        "UPDATE books_journalline SET amount_minor = 7 WHERE entry_id = %s", [entry.pk], table="books_journalline"
    )
    assert database_refuses(LINE, [entry.pk, firm.eur.pk, DAY, 3, roles[Role.BANK].pk, 5, 5], table="books_journalline")
    if connection.vendor == "postgresql":
        assert database_refuses(
            "DELETE FROM books_journalline WHERE entry_id = %s", [entry.pk], table="books_journalline"
        )
        assert database_refuses("DELETE FROM books_journalentry WHERE id = %s", [entry.pk], table="books_journalentry")
    assert JournalEntry.objects.get(pk=entry.pk).description == "Rent"
