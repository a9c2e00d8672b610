"""Seven roles around one project with money everywhere, for the authorisation matrices of the money rule
(margin/api/tests/test_money_matrix.py, margin/web/tests/test_money_screens.py).

`build_roles()` takes the small firm of `tests.firm` and adds: a manager and a member of *another*
project; on GLX-1 approved time of Tom valued at distinctive rates, an approved billable expense with a
receipt, an issued invoice of both, a baseline with a planned cost, a leveling proposal, an invoice run,
a calendar, an exchange rate and a period close. The amounts are chosen so that their printed forms
(`NEEDLES`) appear nowhere else: a page or an answer that contains one shows money.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from margin.accounts import actions as accounts
from margin.accounts.actions import api_token_create
from margin.accounts.models import Person
from margin.billing.actions import invoice_draft_create, invoice_issue
from margin.billing.jobs import invoice_run_start
from margin.billing.models import Invoice
from margin.books.actions import journal_sync
from margin.books.models import Account, JournalEntry
from margin.closing.actions import period_close
from margin.closing.models import PeriodLock
from margin.collaboration.tests.world import discussion_ids
from margin.contracts import actions as contracts
from margin.contracts.models import Contract
from margin.core.models import JobRun
from margin.core.periods import week_start
from margin.crm import actions as crm
from margin.expenses import actions as expenses
from margin.expenses.models import ExpenseClaim, ExpenseLine, Receipt
from margin.expenses.tests.files import image
from margin.notifications.tests.world import hook_ids
from margin.projects import actions as projects
from margin.projects.models import Project, WorkCalendar
from margin.rates import actions as rates
from margin.rates.models import ExchangeRate
from margin.receivables.actions import AllocationIn, bank_statement_import, payment_record
from margin.resourcing.actions import (
    BookingInput,
    CertificationInput,
    assignment_create,
    booking_create,
    certification_add,
    leveling_run,
    time_off_request,
    utilisation_target_set,
)
from margin.resourcing.jobs import staffing_start
from margin.resourcing.models import Assignment, LevelingProposal
from margin.resourcing.tests.staffing_setup import FRIDAY, MONDAY, ask, give
from margin.revenue.actions import revenue_run_post
from margin.risks.tests.world import raid_ids
from margin.timesheets.actions import (
    approval_delegate_add,
    time_entries_approve,
    time_entries_submit,
    time_entry_create,
)
from margin.timesheets.models import TimeEntry
from tests.firm import PASSWORD, Firm, build_firm


def _books(firm: Firm) -> dict[str, object]:
    """The company's journal posted and a month of revenue run: the ids the books' and revenue's paths name."""
    journal_sync(viewer=firm.finance, company=firm.usd)
    run = revenue_run_post(viewer=firm.finance, company=firm.usd, year=2021, month=2)
    return {
        "journal_entry_id": JournalEntry.objects.filter(company=firm.usd)
        .order_by("seq")
        .values_list("pk", flat=True)[0],
        "ledger_account_id": Account.objects.filter(company=firm.usd).order_by("code").values_list("pk", flat=True)[0],
        "revenue_run_id": run.pk,
    }


ROLES = ("admin", "finance", "manager", "manager_elsewhere", "member", "member_elsewhere", "other_org")
# Who may see GLX-1's money: finance, administrators and its manager.
SEES_MONEY = {"admin", "finance", "manager"}
# Who may see GLX-1 itself.
SEES_PROJECT = SEES_MONEY | {"member"}

BILL_RATE = Decimal("317.1717")  # Tom's override on GLX-1
COST_RATE = Decimal("91.9191")  # Tom's cost from 2021
MINUTES = 77  # 77 × 317.1717 / 60 = 407.04; 77 × 91.9191 / 60 = 117.96
BUDGET_MINOR = 987_654_321
EXPENSE_MINOR = 7_117  # 71.17 USD spent (Tom's own money: he sees it), billed +13 % = 80.42
PAYMENT_MINOR = 12_345  # a payment of 123.45 USD, 50.00 of it allocated to the invoice (finance's money)
ALLOCATED_MINOR = 5_000
# Money of GLX-1 that only SEES_MONEY may read, as the API (decimal and minor units) and the pages print it.
NEEDLES = (
    "317.1717",  # bill rate
    "91.9191",  # cost rate
    "407.04",  # the entry's value
    "40704",
    "117.96",  # the entry's cost
    "11796",
    "80.42",  # the expense billed to the client
    "8042",
    "487.46",  # the invoice total (= revenue: billed)
    "48746",
    "9876543.21",  # the money budget
    "9,876,543.21",
    "987654321",
    "189.13",  # cost: time 117.96 + expense 71.17
    "298.33",  # margin
    "3676.76",  # the baseline's planned cost (40 h of Tom at 91.9191)
    "367676",
    "3,676.76",
)


@dataclass
class Roles:
    firm: Firm
    users: dict[str, User]
    project: Project
    elsewhere: Project
    entry: TimeEntry
    claim: ExpenseClaim
    line: ExpenseLine
    receipt: Receipt
    invoice: Invoice
    run: JobRun
    proposal: LevelingProposal
    calendar: WorkCalendar
    exchange_rate: ExchangeRate
    lock: PeriodLock
    work_date: date
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def contract(self) -> Contract:
        """GLX-1's contract (every project is billed under one)."""
        return Contract.objects.get(covered__project=self.project)


def _person(firm: Firm, username: str, access: str) -> tuple[Person, User]:
    user = User.objects.create_user(username=username, email=f"{username}@example.test", password=PASSWORD)
    person = accounts.person_create(
        viewer=firm.admin,
        company=firm.usd,
        role=firm.consultant,
        name=username.title(),
        email=f"{username}@example.test",
        user=user,
        access_role=access,
    )
    return person, user


def _staffing(firm: Firm) -> dict[str, object]:
    """Tom booked on GLX-1, an open request on it (Python 3) and a proposed staffing plan for it."""
    booking = booking_create(
        viewer=firm.manager,
        data=BookingInput(firm.project, firm.member_person, None, MONDAY, FRIDAY, "hours", 120, None, "soft"),
    ).booking
    give(firm, firm.member_person.pk, "Python", 4)
    request = ask(firm)
    plan = staffing_start(viewer=firm.manager, requests=[request])
    python = request.skills.get().skill
    certificate = certification_add(
        viewer=firm.member,
        person=firm.member_person,
        data=CertificationInput(name="PCEP", skill=python, obtained_on=date(2024, 5, 1), expires_on=None),
    )
    away = time_off_request(viewer=firm.member, person=firm.member_person, first_day=FRIDAY, last_day=FRIDAY)
    return {
        "booking_id": booking.pk,
        "request_id": request.pk,
        "plan_id": plan.pk,
        "skill_id": python.pk,
        "certification_id": certificate.pk,
        "time_off_id": away.pk,
    }


def build_roles() -> Roles:
    firm = build_firm()
    admin, manager, member, finance = firm.admin, firm.manager, firm.member, firm.finance
    mo, mo_user = _person(firm, "mo", "manager")
    eli, eli_user = _person(firm, "eli", "member")
    elsewhere = projects.project_create(
        viewer=admin, company=firm.usd, client=firm.client, manager=mo, code="ELS-1", name="Elsewhere"
    )
    projects.project_member_add(viewer=admin, project=elsewhere, person=eli)
    projects.task_create(viewer=admin, project=elsewhere, name="Other work")

    project = firm.project
    projects.project_update(viewer=manager, project=project, budget_amount_minor=BUDGET_MINOR)
    since = date(2021, 1, 1)
    contracts.bill_rate_set(
        viewer=manager, project=project, person=firm.member_person, valid_from=since, hourly_rate=BILL_RATE
    )
    rates.cost_rate_set(viewer=admin, person=firm.member_person, valid_from=since, hourly_cost=COST_RATE)
    assignment_create(viewer=manager, task=firm.design, person=firm.member_person)
    rates.baseline_save_valued(viewer=manager, project=project, index=0)

    work_date = week_start(timezone.localdate()) - timedelta(days=7)
    entry = time_entry_create(
        viewer=member, project=project, task=firm.design, work_date=work_date, minutes=MINUTES, note="Wireframes"
    )
    time_entries_submit(viewer=member, monday=work_date)
    time_entries_approve(viewer=manager, entry_ids=[entry.pk])

    category = expenses.category_create(viewer=finance, name="Travel", billable_default=True)
    claim = expenses.claim_create(viewer=member, title="Client visit")
    line = expenses.line_add(
        viewer=member,
        claim=claim,
        date=work_date,
        category=category,
        amount_minor=EXPENSE_MINOR,
        currency="USD",
        merchant="Rail",
        project=project,
        billable=True,
        markup_percent=Decimal(13),
    )
    receipt = expenses.receipt_add(viewer=member, line=line, data=image("PNG", (40, 30)), filename="ticket.png")
    expenses.claim_submit(viewer=member, claim=claim)
    expenses.claim_approve(viewer=manager, claim=claim)

    invoice = invoice_draft_create(viewer=finance, project=project, up_to=work_date + timedelta(days=6))
    invoice = invoice_issue(viewer=finance, invoice=invoice)
    # A payment of part of it (receivables are finance's), and a bank statement line waiting to be matched.
    payment = payment_record(
        viewer=finance,
        company=firm.usd,
        client=firm.client,
        received_on=timezone.localdate(),
        currency="USD",
        amount_minor=PAYMENT_MINOR,
        allocations=[AllocationIn(invoice, ALLOCATED_MINOR)],
    )
    statement = bank_statement_import(
        viewer=finance,
        company=firm.usd,
        data=f"Date,Amount,Counterparty,Reference\n{timezone.localdate()},25.00,Globex,{invoice.number}\n".encode(),
        filename="bank.csv",
    )
    run = invoice_run_start(viewer=finance, company=firm.usd, up_to=work_date)
    proposal = leveling_run(viewer=manager, project=project)
    calendar = projects.calendar_create(viewer=admin, name="Acme US hours", company=firm.usd).calendar
    exchange_rate = rates.exchange_rate_set(
        viewer=finance, from_currency="USD", to_currency="EUR", day=date(2024, 1, 2), rate=Decimal("0.91")
    )
    lock = period_close(viewer=finance, company=firm.usd, through=date(2021, 1, 31))
    entry.refresh_from_db()
    # Objects that only writes name (PATCH and DELETE paths), so that every operation can be called.
    dependency, _ = projects.dependency_create(viewer=manager, predecessor=firm.design, successor=firm.build)
    column = projects.board_columns_ensure(viewer=manager, project=project)[0]
    delegate = approval_delegate_add(viewer=manager, delegate=firm.member2_person, project=project)
    token, _ = api_token_create(user=firm.member_user, name="laptop")
    exception = projects.calendar_exception_add(viewer=admin, calendar=calendar, first=date(2026, 12, 24))
    contact = crm.contact_create(viewer=admin, client=firm.client, name="Carla Contact", email="carla@example.test")
    ids: dict[str, object] = {
        **_staffing(firm),
        "dependency_id": dependency.pk,
        "column_id": column.pk,
        "delegate_id": delegate.pk,
        "token_id": token.pk,
        "assignment_id": Assignment.objects.get(task=firm.design).pk,
        "exception_id": exception.calendar.exceptions.get().pk,
        **raid_ids(firm, manager),  # a risk, an issue, a decision and a draft change request on GLX-1
        "category_id": category.pk,
        "contact_id": contact.pk,
        "user_id": firm.member_user.pk,
        "payment_id": payment.pk,
        "statement_id": statement.pk,
        "statement_line_id": statement.lines.get().pk,
        # The organisation's default utilisation target: every member of it reads it, only administrators change it.
        "target_id": utilisation_target_set(viewer=admin, percent=75, valid_from=work_date.replace(day=1)).pk,
        **_books(firm),
        **hook_ids(firm),  # an organisation-wide webhook (offline address) and an allowed host
        **discussion_ids(firm, manager),  # a comment and an image on GLX-1's Design task
    }
    users = {
        "admin": firm.admin_user,
        "finance": firm.finance_user,
        "manager": firm.manager_user,
        "manager_elsewhere": mo_user,
        "member": firm.member_user,
        "member_elsewhere": eli_user,
        "other_org": User.objects.get(username="rival-admin"),
    }
    return Roles(
        firm=firm,
        users=users,
        project=project,
        elsewhere=elsewhere,
        entry=entry,
        claim=ExpenseClaim.objects.get(pk=claim.pk),
        line=line,
        receipt=receipt,
        invoice=invoice,
        run=run,
        proposal=proposal,
        calendar=calendar,
        exchange_rate=exchange_rate,
        lock=lock,
        work_date=work_date,
        extra=ids,
    )
