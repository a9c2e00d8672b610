"""Posting to the journal: documents post once and balance, manual entries and reversals, the lock date,
the trial balance, and the chain's verification finding a row changed behind the guards."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from margin.accounts.models import Company
from margin.billing.models import DocumentKind
from margin.billing.tests.issued import Line, client, issued, project_of
from margin.books import actions, guards
from margin.books.chain import ledger_verify
from margin.books.models import Account, JournalEntry, JournalLine
from margin.books.queries import trial_balance
from margin.books.rules import Role
from margin.core.errors import Conflict, Forbidden, Invalid
from margin.core.models import AuditEntry
from margin.expenses.models import ClaimStatus, ExpenseCategory, ExpenseClaim, ExpenseLine
from margin.receivables import actions as receivables
from tests.firm import Firm

D = Decimal
DAY = date(2026, 12, 1)


def _accounts(company: Company) -> dict[str, Account]:
    return {a.role: a for a in Account.objects.filter(company=company, role__isnull=False) if a.role}


def _balances(company: Company) -> dict[str, int]:
    by_role = {a.pk: role for role, a in _accounts(company).items()}
    sums: dict[str, int] = {}
    for line in JournalLine.objects.filter(company=company):
        role = by_role.get(line.account_id, str(line.account_id))
        sums[role] = sums.get(role, 0) + line.amount_minor
    return {k: v for k, v in sums.items() if v}


def _invoice(firm: Firm, number: str = "2026-0001", **kwargs: object):  # type: ignore[no-untyped-def]
    buyer = client(firm, f"Kunde {number}")
    project = project_of(firm, firm.eur, buyer, f"P{number[-4:]}")
    lines = kwargs.pop("lines", [Line("Consulting", quantity=D(10), price=D(100))])
    return issued(company=firm.eur, buyer=buyer, project=project, lines=lines, number=number, **kwargs)  # type: ignore[arg-type]


def test_an_issued_invoice_posts_receivable_tax_and_revenue_once(firm: Firm) -> None:
    invoice = _invoice(
        firm,
        lines=[
            Line("Consulting", quantity=D(10), price=D(100)),
            Line("Fee", quantity=D(1), price=D(500), kind="fixed"),
        ],
    )
    result = actions.journal_sync(viewer=firm.finance, company=firm.eur)
    assert result.posted == 1 and result.problems == []
    entry = JournalEntry.objects.get(company=firm.eur)
    assert (entry.seq, entry.source_kind, entry.source_id, entry.date) == (1, "invoice", invoice.pk, invoice.issue_date)
    assert _balances(firm.eur) == {
        Role.RECEIVABLE: 178500,
        Role.TAX_PAYABLE: -28500,
        Role.REVENUE_TIME: -100000,
        Role.REVENUE_FIXED: -50000,
    }
    assert AuditEntry.objects.filter(action="journal.post").count() == 1
    again = actions.journal_sync(viewer=firm.finance, company=firm.eur)
    assert again.posted == 0 and JournalEntry.objects.count() == 1


def test_a_credit_note_posts_the_mirror_image(firm: Firm) -> None:
    invoice = _invoice(firm)
    issued(
        company=firm.eur,
        buyer=invoice.client,
        project=invoice.project,
        lines=[Line("Consulting", quantity=D(4), price=D(100))],
        number="CN-2026-0001",
        kind=DocumentKind.CREDIT_NOTE,
        credited=invoice,
        reason="Hours disputed",
    )
    actions.journal_sync(viewer=firm.finance, company=firm.eur)
    assert _balances(firm.eur) == {
        Role.RECEIVABLE: 119000 - 47600,
        Role.TAX_PAYABLE: -19000 + 7600,
        Role.REVENUE_TIME: -60000,
    }


def test_a_foreign_currency_invoice_and_its_payment_realise_the_exchange_difference(firm: Firm) -> None:
    invoice = _invoice(
        firm,
        currency="USD",
        exchange_rate=D("0.9"),
        lines=[Line("Work", quantity=D(10), price=D(100), category="O", rate=D(0))],
    )
    # Paid in full in USD when the dollar is worth 0.95 EUR: 1,000 USD settle 900 EUR of receivable and bring 950.
    from margin.rates.models import ExchangeRate

    ExchangeRate.objects.create(
        organisation_id=firm.eur.organisation_id, from_currency="USD", to_currency="EUR", rate=D("0.95"), day=DAY
    )
    receivables.payment_record(
        viewer=firm.finance,
        company=firm.eur,
        client=invoice.client,
        received_on=DAY + timedelta(days=5),
        currency="USD",
        amount_minor=100000,
        allocations=[receivables.AllocationIn(invoice=invoice)],
    )
    actions.journal_sync(viewer=firm.finance, company=firm.eur)
    assert _balances(firm.eur) == {
        Role.BANK: 95000,
        Role.REVENUE_TIME: -90000,
        Role.FX_GAIN: -5000,
    }
    lines = JournalLine.objects.filter(entry__source_kind="payment", account__role=Role.BANK)
    assert [(x.currency, x.amount_currency_minor) for x in lines] == [("USD", 100000)]


def test_a_payment_taken_back_and_deleted_posts_the_differences(firm: Firm) -> None:
    invoice = _invoice(firm)
    payment = receivables.payment_record(
        viewer=firm.finance,
        company=firm.eur,
        client=invoice.client,
        received_on=DAY,
        currency="EUR",
        amount_minor=119000,
        allocations=[receivables.AllocationIn(invoice=invoice)],
    )
    actions.journal_sync(viewer=firm.finance, company=firm.eur)
    assert _balances(firm.eur) == {Role.BANK: 119000, Role.TAX_PAYABLE: -19000, Role.REVENUE_TIME: -100000}
    receivables.payment_delete(viewer=firm.finance, payment=payment)
    result = actions.journal_sync(viewer=firm.finance, company=firm.eur)
    assert result.posted == 1
    assert _balances(firm.eur) == {Role.RECEIVABLE: 119000, Role.TAX_PAYABLE: -19000, Role.REVENUE_TIME: -100000}
    assert JournalEntry.objects.filter(source_kind="payment").count() == 2


def test_an_approved_expense_claim_and_its_reimbursement_post(firm: Firm) -> None:
    category = ExpenseCategory.objects.create(organisation_id=firm.eur.organisation_id, name="Travel")
    person = firm.member_person
    claim = ExpenseClaim.objects.create(
        organisation_id=firm.eur.organisation_id,
        company=firm.eur,
        person=person,
        title="Berlin trip",
        currency="EUR",
        status=ClaimStatus.REIMBURSED,
        total_minor=12000,
        decided_at=timezone.now(),
        reimbursed_at=timezone.now(),
    )
    ExpenseLine.objects.create(
        organisation_id=claim.organisation_id,
        claim=claim,
        date=DAY,
        category=category,
        amount_minor=12000,
        currency="EUR",
        converted_minor=12000,
        rate_date=DAY,
    )
    actions.journal_sync(viewer=firm.finance, company=firm.eur)
    assert _balances(firm.eur) == {Role.EXPENSES: 12000, Role.BANK: -12000}
    assert JournalEntry.objects.filter(company=firm.eur).count() == 2


def test_a_manual_entry_posts_balanced_and_a_reversal_undoes_it(firm: Firm) -> None:
    actions.chart_install(viewer=firm.admin, company=firm.eur)
    acc = _accounts(firm.eur)
    entry = actions.entry_post(
        viewer=firm.finance,
        company=firm.eur,
        day=DAY,
        description="Office rent",
        lines=[
            actions.ManualLine(acc[Role.EXPENSES].pk, debit_minor=150000),
            actions.ManualLine(acc[Role.BANK].pk, credit_minor=150000),
        ],
    )
    assert entry.seq == 1 and AuditEntry.objects.filter(action="journal.entry").count() == 1
    reversal = actions.entry_reverse(viewer=firm.finance, entry=entry, reason="Posted twice")
    assert reversal.reverses_id == entry.pk and reversal.seq == 2
    assert _balances(firm.eur) == {}
    with pytest.raises(Conflict):
        actions.entry_reverse(viewer=firm.finance, entry=entry, reason="Again")
    assert ledger_verify(firm.eur.pk).intact


def test_an_unbalanced_manual_entry_is_refused_and_nothing_is_written(firm: Firm) -> None:
    actions.chart_install(viewer=firm.admin, company=firm.eur)
    acc = _accounts(firm.eur)
    with pytest.raises(Invalid) as refused:
        actions.entry_post(
            viewer=firm.finance,
            company=firm.eur,
            day=DAY,
            description="Typo",
            lines=[
                actions.ManualLine(acc[Role.EXPENSES].pk, debit_minor=150000),
                actions.ManualLine(acc[Role.BANK].pk, credit_minor=15000),
            ],
        )
    assert refused.value.code == "unbalanced" and "135000" in refused.value.message
    assert not JournalEntry.objects.exists() and not JournalLine.objects.exists()


def test_posting_into_a_closed_period_is_refused(firm: Firm) -> None:
    actions.chart_install(viewer=firm.admin, company=firm.eur)
    acc = _accounts(firm.eur)
    Company.objects.filter(pk=firm.eur.pk).update(locked_through=DAY)
    with pytest.raises(Conflict) as refused:
        actions.entry_post(
            viewer=firm.finance,
            company=firm.eur,
            day=DAY,
            description="Late accrual",
            lines=[
                actions.ManualLine(acc[Role.EXPENSES].pk, debit_minor=100),
                actions.ManualLine(acc[Role.BANK].pk, credit_minor=100),
            ],
        )
    assert refused.value.code == "period_closed"
    assert not JournalEntry.objects.exists()


def test_a_document_of_a_closed_period_posts_on_the_first_open_day(firm: Firm) -> None:
    _invoice(firm)
    Company.objects.filter(pk=firm.eur.pk).update(locked_through=DAY + timedelta(days=3))
    actions.journal_sync(viewer=firm.finance, company=firm.eur)
    assert JournalEntry.objects.get().date == DAY + timedelta(days=4)


def test_only_finance_opens_the_books(firm: Firm) -> None:
    with pytest.raises(Forbidden):
        actions.journal_sync(viewer=firm.manager, company=firm.eur)


def test_the_trial_balance_balances_and_splits_opening_from_the_period(firm: Firm) -> None:
    october = date(2026, 10, 1)
    _invoice(firm, issue_date=october)
    _invoice(firm, "2026-0002", issue_date=october + timedelta(days=20))
    actions.journal_sync(viewer=firm.finance, company=firm.eur)
    balance = trial_balance(firm.eur, date_from=october + timedelta(days=10), date_to=october + timedelta(days=30))
    assert balance.balances
    receivable = next(r for r in balance.rows if r.code == "1100")
    assert (receivable.opening_minor, receivable.debit_minor, receivable.credit_minor) == (119000, 119000, 0)
    assert receivable.closing_minor == 238000


def _tamper(sql: str, params: list[object]) -> None:
    """Write around the guards, as a superuser could: drop them, write, put them back."""
    with connection.cursor() as cursor:
        for statement in guards.uninstall(connection.vendor):
            cursor.execute(statement)
        cursor.execute(sql, params)
        for statement in guards.install(connection.vendor):
            cursor.execute(statement)


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        (
            "UPDATE books_journalline SET amount_minor = amount_minor + 1 "
            "WHERE id = (SELECT MIN(id) FROM books_journalline WHERE entry_id = %s)",
            "does not balance",
        ),
        ("UPDATE books_journalline SET description = 'edited' WHERE entry_id = %s", "was changed after it was posted"),
        ("UPDATE books_journalentry SET date = '2026-11-30' WHERE id = %s", "a line of another company or date"),
        ("UPDATE books_journalentry SET description = 'edited' WHERE id = %s", "was changed after it was posted"),
        ("UPDATE books_journalentry SET hash = prev_hash WHERE id = %s", "was changed after it was posted"),
    ],
)
def test_the_verification_finds_the_first_tampered_entry(firm: Firm, sql: str, reason: str) -> None:
    for n in range(1, 4):
        _invoice(firm, f"2026-000{n}")
    actions.journal_sync(viewer=firm.finance, company=firm.eur)
    assert ledger_verify(firm.eur.pk).intact
    second = JournalEntry.objects.get(company=firm.eur, seq=2)
    _tamper(sql, [second.pk])
    found = ledger_verify(firm.eur.pk).first_break
    assert found is not None and found.seq == 2 and reason in found.reason


def test_the_verification_finds_a_deleted_entry(firm: Firm) -> None:
    for n in range(1, 4):
        _invoice(firm, f"2026-000{n}")
    actions.journal_sync(viewer=firm.finance, company=firm.eur)
    second = JournalEntry.objects.get(company=firm.eur, seq=2)
    _tamper("DELETE FROM books_journalline WHERE entry_id = %s", [second.pk])
    _tamper("DELETE FROM books_journalentry WHERE id = %s", [second.pk])
    found = ledger_verify(firm.eur.pk).first_break
    assert found is not None and found.seq == 2 and "missing" in found.reason


def test_the_commands_post_and_verify(firm: Firm) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    _invoice(firm)
    out = StringIO()
    call_command("post_journal", stdout=out)
    assert "Acme EU: 1 entries posted (#1–#1)." in out.getvalue()
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    assert "Acme EU: intact, 1 entries and 3 lines." in out.getvalue()
    entry = JournalEntry.objects.get()
    _tamper("UPDATE books_journalentry SET description = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(CommandError):
        call_command("verify_ledger", stdout=StringIO())


def test_posting_up_to_an_earlier_day_leaves_later_payments_as_they_are(firm: Firm) -> None:
    """A close posts up to its day: a payment received after it, posted already, is neither reversed nor posted
    again."""
    invoice = _invoice(firm)
    receivables.payment_record(
        viewer=firm.finance,
        company=firm.eur,
        client=invoice.client,
        received_on=DAY + timedelta(days=3),
        currency="EUR",
        amount_minor=119000,
        allocations=[receivables.AllocationIn(invoice=invoice)],
    )
    actions.journal_sync(viewer=firm.finance, company=firm.eur)
    before = JournalEntry.objects.count()
    assert actions.journal_sync(viewer=firm.finance, company=firm.eur, up_to=DAY).posted == 0
    assert JournalEntry.objects.count() == before
    assert _balances(firm.eur)[Role.BANK] == 119000


def test_an_expense_category_mapped_to_its_account_posts_there(firm: Firm) -> None:
    actions.chart_install(viewer=firm.admin, company=firm.eur)
    travel = actions.account_add(viewer=firm.finance, company=firm.eur, code="6100", name="Travel", kind="expense")
    category = ExpenseCategory.objects.create(organisation_id=firm.eur.organisation_id, name="Travel")
    actions.expense_category_account_set(viewer=firm.finance, company=firm.eur, category=category, account=travel)
    claim = ExpenseClaim.objects.create(
        organisation_id=firm.eur.organisation_id,
        company=firm.eur,
        person=firm.member_person,
        title="Trip",
        currency="EUR",
        status=ClaimStatus.APPROVED,
        total_minor=5000,
        decided_at=timezone.now(),
    )
    ExpenseLine.objects.create(
        organisation_id=claim.organisation_id,
        claim=claim,
        date=DAY,
        category=category,
        amount_minor=5000,
        currency="EUR",
        converted_minor=5000,
        rate_date=DAY,
    )
    actions.journal_sync(viewer=firm.finance, company=firm.eur)
    assert JournalLine.objects.get(account=travel).amount_minor == 5000
    assert AuditEntry.objects.filter(action="account.expense_category").count() == 1
