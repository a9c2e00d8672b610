"""A real journal for the export tests: documents posted by `books.actions.journal_sync` (two invoices, one in
dollars, a payment, a reimbursed expense claim) and manual entries whose text is as hostile as text gets."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from margin.accounts.models import Company
from margin.billing.tests.issued import Line, client, issued, project_of
from margin.books import actions
from margin.books.models import Account
from margin.books.rules import Role
from margin.expenses.models import ClaimStatus, ExpenseCategory, ExpenseClaim, ExpenseLine
from margin.rates.models import ExchangeRate
from margin.receivables import actions as receivables
from tests.firm import Firm

D = Decimal
DAY = date(2026, 12, 1)
NASTY = "He said \"stop\" \\ back\\slash\nsecond line 😀 =cmd|'/c calc'!A0"
FORMULA = "=cmd|'/c calc'!A0"


def role_accounts(company: Company) -> dict[str, Account]:
    return {a.role: a for a in Account.objects.filter(company=company, role__isnull=False) if a.role}


def posted_journal(firm: Firm) -> Company:
    """The EUR company with six entries in December 2026 (seq 1-6) and one in January 2027 (seq 7)."""
    company = firm.eur
    buyer = client(firm, 'Kunde "Quote" & Söhne')
    project = project_of(firm, company, buyer, "EXP1")
    invoice = issued(
        company=company,
        buyer=buyer,
        project=project,
        number="2026-0001",
        lines=[Line("Consulting", quantity=D(10), price=D(100)), Line("Fee", price=D(500), kind="fixed")],
    )
    issued(
        company=company,
        buyer=buyer,
        project=project,
        number="2026-0002",
        currency="USD",
        exchange_rate=D("0.9"),
        lines=[Line("Work", quantity=D(3), price=D("33.33"), category="O", rate=D(0))],
    )
    ExchangeRate.objects.create(
        organisation_id=company.organisation_id, from_currency="USD", to_currency="EUR", rate=D("0.95"), day=DAY
    )
    receivables.payment_record(
        viewer=firm.finance,
        company=company,
        client=buyer,
        received_on=DAY + timedelta(days=5),
        currency="EUR",
        amount_minor=100000,
        allocations=[receivables.AllocationIn(invoice=invoice, amount_minor=100000)],
    )
    _reimbursed_claim(firm, company)
    actions.journal_sync(viewer=firm.finance, company=company, up_to=DAY + timedelta(days=20))
    acc = role_accounts(company)
    actions.entry_post(
        viewer=firm.finance,
        company=company,
        day=DAY + timedelta(days=10),
        description=NASTY,
        lines=[
            actions.ManualLine(acc[Role.EXPENSES].pk, debit_minor=12345, description=FORMULA),
            actions.ManualLine(acc[Role.BANK].pk, credit_minor=12345, description="-2+3 tab\there"),
        ],
    )
    actions.entry_post(
        viewer=firm.finance,
        company=company,
        day=date(2027, 1, 4),
        description="January rent",
        lines=[
            actions.ManualLine(acc[Role.EXPENSES].pk, debit_minor=50000),
            actions.ManualLine(acc[Role.BANK].pk, credit_minor=50000),
        ],
    )
    return company


def _reimbursed_claim(firm: Firm, company: Company) -> None:
    category = ExpenseCategory.objects.create(organisation_id=company.organisation_id, name="Travel")
    claim = ExpenseClaim.objects.create(
        organisation_id=company.organisation_id,
        company=company,
        person=firm.member_person,
        title="Berlin trip",
        currency="EUR",
        status=ClaimStatus.REIMBURSED,
        total_minor=12000,
        decided_at=timezone.now(),
        reimbursed_at=timezone.now(),
    )
    ExpenseLine.objects.create(
        organisation_id=company.organisation_id,
        claim=claim,
        date=DAY,
        category=category,
        amount_minor=12000,
        currency="EUR",
        converted_minor=12000,
        rate_date=DAY,
    )
