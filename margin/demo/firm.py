"""The demo firm, Northwind Consulting, built through the real actions and deterministic for an anchor date.

`build_demo_firm(anchor=...)` makes one organisation with a US company (USD) and a German one (EUR), each on its
office's calendar (public holidays), 7 job roles, 8 clients, 25 people (an administrator, two in finance, five
project managers, the rest members; one joined during the history), 12 projects and half a year of time ending
the day before `anchor` (`margin.demo.plan` decides all of it; `margin.demo.specs` says what it is made of):

- each project's plan: phases (summary tasks) over tasks and milestones linked finish-to-start, start-to-start
  and finish-to-finish with lags, people assigned at units, deadlines on the milestones that end it, the
  signed-off plan saved as baseline 0 with its planned cost, then the work as it went: durations, a late start,
  progress (actual start, % complete, actual finish) and the board (status) that agree with the time;
  one project being planned has an over-allocation to level;
- the older weeks of time approved (loaded with the bulk import, as history from another system would be); the
  week before last submitted and decided by the managers (a few entries rejected, with a reason); last week
  partly submitted (waiting in the approvals), partly draft; this week's days so far in draft;
- every month of the history up to the one before last invoiced and issued; one draft waiting; the rest ready
  to invoice; time of the months before the last invoiced one closed (period close); clients' payments of the
  invoices due before the anchor (some partly paid, some with bank charges), so receivables age;
- daily euro reference rates for the dollar and the pound over the whole history; expense categories, mileage and
  per-diem rates, and claims in every state (one in pounds, one in euros for a dollar company).

The notifications the story raises (rejected time) are written, never e-mailed: the demo's people are made up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager, nullcontext
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from margin.accounts import actions as accounts
from margin.accounts.models import Company, Organisation, Person, Role
from margin.accounts.queries import Viewer, viewer_for
from margin.billing import actions as billing
from margin.billing.models import Invoice
from margin.books import actions as books
from margin.closing import actions as closing
from margin.contracts import actions as contracts
from margin.contracts.models import BillingModel, Contract
from margin.contracts.setup import project_template_save
from margin.core.errors import Invalid
from margin.core.money import Money
from margin.core.periods import month_ends
from margin.crm import actions as crm
from margin.crm.models import Client
from margin.expenses import actions as expenses
from margin.expenses.models import ClaimStatus, ExpenseCategory
from margin.projects import actions as projects
from margin.projects.models import BoardColumn, Project, ProjectStatus, Task, TaskStatus
from margin.projects.planning import to_aware
from margin.rates import actions as rates
from margin.receivables import actions as receivables
from margin.resourcing import actions as resourcing
from margin.revenue import actions as revenue
from margin.timesheets import actions as timesheets
from margin.timesheets.actions import ImportRow

from .activity import demo_activity
from .dates import office_closures
from .discussion import demo_discussion
from .history import Chronicle, latest_on
from .plan import Plan, PlannedEntry, make_plan
from .risks import demo_risks
from .schedules import DAY, ProjectPlan
from .skills import demo_skills
from .specs import (
    BILL_RATES,
    CLIENTS,
    COMPANIES,
    DELEGATE,
    DEMO_LOGINS,
    DEMO_MANAGER,
    DEMO_PASSWORD,
    DRAFT_INVOICE_PROJECT,
    EXPENSE_CATEGORIES,
    MILEAGE_RATES,
    ORGANISATION_NAME,
    ORGANISATION_SLUG,
    PEOPLE,
    PER_DIEM_RATES,
    PROJECTS,
    ROLES,
    STANDARD_CALENDAR,
    TIMESHEET_KEEPER,
    WEEKS,
    WIP_LIMITED,
    CompanySpec,
    PersonSpec,
    ProjectSpec,
)
from .staffing import demo_staffing
from .time_off import demo_time_off
from .utilisation import demo_utilisation_targets
from .webhooks import demo_webhooks

__all__ = ["DEMO_LOGINS", "DEMO_MANAGER", "DEMO_PASSWORD", "STEPS", "build_demo_firm", "demo_firm_exists"]

# The build, step by step (a progress bar shows these).
STEPS = (
    "organisation, calendars and people",
    "clients",
    "projects: plans, progress, rates",
    "history (approved time), exchange rates and expenses",
    "invoices of the past months",
    "the last weeks",
    "draft invoice, the books, revenue runs and period close",
)

# --------------------------------------------------------------------------------------------------
# Rate cards
# --------------------------------------------------------------------------------------------------


def _round5(amount: Decimal) -> Decimal:
    return (amount / 5).quantize(Decimal(1)) * 5


def role_rates(spec: ProjectSpec, company: CompanySpec) -> dict[str, Decimal]:
    return {role: _round5(Decimal(rate) * spec.rate_factor) for role, rate in BILL_RATES[company.currency].items()}


def increased(rate: Decimal) -> Decimal:
    return _round5(rate * Decimal("1.06"))


# --------------------------------------------------------------------------------------------------
# The build: replay the plan through the actions
# --------------------------------------------------------------------------------------------------


class _Built:
    def __init__(self, admin: Viewer, viewers: dict[str, Viewer], people: dict[str, Person]) -> None:
        self.admin = admin
        self.viewers = viewers  # by username
        self.people = people
        self.companies: dict[str, Company] = {}
        self.projects: dict[str, Project] = {}
        self.tasks: dict[tuple[str, str], Task] = {}  # (code, task name)

    def finance(self, company_key: str) -> Viewer:
        spec = next(p for p in PEOPLE if p.access == "finance" and p.company == company_key)
        return self.viewers[spec.username]


def _people(plan: Plan) -> _Built:
    cal = plan.calendar
    password = make_password(DEMO_PASSWORD)  # hashed once: every demo user shares it

    def user(spec: PersonSpec) -> User:
        return User.objects.create(
            username=spec.username, email=spec.email, first_name=spec.first, last_name=spec.last, password=password
        )

    admin_spec = next(p for p in PEOPLE if p.access == "admin")
    users = {admin_spec.username: user(admin_spec)}
    accounts.organisation_create(name=ORGANISATION_NAME, slug=ORGANISATION_SLUG, admin=users[admin_spec.username])
    admin = viewer_for(users[admin_spec.username])
    companies = {
        c.key: accounts.company_create(
            viewer=admin,
            name=c.name,
            legal_name=c.name,
            base_currency=c.currency,
            tax_id=c.tax_id,
            address=c.address,
            country=c.country,
            email=c.email,
        )
        for c in COMPANIES
    }
    admin = viewer_for(users[admin_spec.username])  # now sees both companies
    # The organisation's standard week, and each office's calendar with its public holidays (the plans of
    # the company's projects are scheduled on it).
    standard = projects.calendar_create(viewer=admin, name=STANDARD_CALENDAR).calendar
    closures = office_closures(plan.calendar)
    for office in COMPANIES:
        calendar = projects.calendar_create(
            viewer=admin,
            name=office.calendar,
            company=companies[office.key],
            parent=standard,
            country=office.country,
            subdivision=office.subdivision,
        ).calendar
        for day, why in closures[office.key].items():
            projects.calendar_exception_add(viewer=admin, calendar=calendar, first=day, name=why)
        if office.max_day_minutes != 24 * 60:
            accounts.company_time_policy_set(
                viewer=admin,
                company=companies[office.key],
                max_day_minutes=office.max_day_minutes,
                max_future_days=None,
                submit_period="week",
            )
    roles: dict[str, Role] = {name: accounts.role_create(viewer=admin, name=name) for name in ROLES}
    people: dict[str, Person] = {}
    for spec in PEOPLE:
        account = users.get(spec.username) or user(spec)
        people[spec.username] = accounts.person_create(
            viewer=admin,
            company=companies[spec.company],
            role=roles[spec.role],
            name=spec.name,
            email=spec.email,
            user=account,
            access_role=spec.access,
        )
        users[spec.username] = account
    viewers = {username: viewer_for(account) for username, account in users.items()}
    built = _Built(viewers[admin_spec.username], viewers, people)
    built.companies = companies
    finance = built.finance("us")
    for spec in PEOPLE:
        person = people[spec.username]
        # Cost rates run from before anyone's first task (a newcomer's was agreed with the offer).
        rates.cost_rate_set(viewer=finance, person=person, valid_from=cal.hired, hourly_cost=Decimal(spec.hourly_cost))
        if spec.cost_raise:
            rates.cost_rate_set(
                viewer=finance,
                person=person,
                valid_from=cal.mid_period,
                hourly_cost=Decimal(spec.hourly_cost + spec.cost_raise),
            )
        # No time may be logged before a start date: everyone's is before their first entry.
        accounts.person_start_date_set(viewer=built.admin, person=person, start_date=cal.joined(spec))
    # The GmbH's finance lead keeps the timesheets of colleagues who are on the road.
    accounts.log_for_others_set(viewer=built.admin, person=people[TIMESHEET_KEEPER], allowed=True)
    _line_managers(built, admin_spec)
    return built


def _line_managers(built: _Built, admin_spec: PersonSpec) -> None:
    """Who approves whose time off and confirms whose skills: a team member reports to the manager of the project
    they spend most time on; project managers and finance report to the managing partner (the administrator)."""
    leads = {p.code: p.manager for p in PROJECTS}
    for spec in PEOPLE:
        if spec is admin_spec:
            continue
        lead = admin_spec.username
        if spec.access == "member" and spec.assignments:
            lead = leads.get(max(spec.assignments, key=lambda a: a[1])[0], lead)
        if lead != spec.username:
            accounts.person_update(viewer=built.admin, person=built.people[spec.username], manager=built.people[lead])


def _clients(built: _Built) -> dict[str, Client]:
    return {
        c.name: crm.client_create(
            viewer=built.admin,
            name=c.name,
            currency=c.currency,
            billing_email=c.email,
            billing_address=c.address,
            country=c.country,
            tax_id=c.tax_id,
            billing_increment_minutes=c.billing_increment_minutes,
        )
        for c in CLIENTS
    }


def _projects(built: _Built, clients: dict[str, Client], plan: Plan, story: Chronicle) -> None:
    for project_plan in plan.projects.values():
        # A project is set up in the fortnight before it starts (one to come: the fortnight before today).
        opened = min(project_plan.start, plan.calendar.anchor) - timedelta(days=1)
        with story.chapter(opened - timedelta(days=13), opened):
            _project(built, clients, plan, project_plan, story)


def _project(
    built: _Built, clients: dict[str, Client], plan: Plan, project_plan: ProjectPlan, story: Chronicle
) -> None:
    company_specs = {c.key: c for c in COMPANIES}
    roles = {r.name: r for r in Role.objects.filter(organisation_id=built.admin.organisation_id)}
    code = project_plan.code
    spec = project_plan.spec
    rate_table = role_rates(spec, company_specs[spec.company])
    blended = sum(rate_table.values(), Decimal(0)) / len(rate_table)
    budget_amount = (Decimal(project_plan.budget_minutes) / 60 * blended / 1000).quantize(Decimal(1)) * 1000
    project = projects.project_create(
        viewer=built.admin,
        company=built.companies[spec.company],
        client=clients[spec.client],
        manager=built.people[spec.manager],
        code=code,
        name=spec.name,
        budget_minutes=project_plan.budget_minutes,
        budget_amount_minor=int(budget_amount) * 100,
        start_date=project_plan.start,
        end_date=project_plan.end,
        status=ProjectStatus.PLANNED if spec.status == ProjectStatus.PLANNED else ProjectStatus.ACTIVE,
    )
    built.projects[code] = project
    manager = built.viewers[spec.manager]
    for username in dict.fromkeys([spec.manager, *(p.username for p in plan.members(code))]):
        projects.project_member_add(viewer=manager, project=project, person=built.people[username])
    if DELEGATE[0] == code:
        timesheets.approval_delegate_add(viewer=manager, delegate=built.people[DELEGATE[1]], project=project)
    _plan(built, project_plan, story)
    # The rate card: every role, a rate increase mid-period on some, a couple of personal rates.
    start = project_plan.start
    for role_name, rate in rate_table.items():
        contracts.bill_rate_set(
            viewer=manager, project=project, role=roles[role_name], valid_from=start, hourly_rate=rate
        )
        if spec.rate_increase:
            contracts.bill_rate_set(
                viewer=manager,
                project=project,
                role=roles[role_name],
                valid_from=plan.calendar.mid_period,
                hourly_rate=increased(rate),
            )
    for username, personal_rate in spec.overrides:
        contracts.bill_rate_set(
            viewer=manager,
            project=project,
            person=built.people[username],
            valid_from=start,
            hourly_rate=Decimal(personal_rate),
        )


# How three of the projects are sold (the others bill time and materials): a fixed fee in two instalments,
# one on a date and one at the go-live milestone; a retainer with roll-over; a capped time-and-materials.
FIXED_FEE, RETAINER, CAPPED = "LCU-LOS", "IRB-ERP", "SOC-CDP"


def _contract_terms(built: _Built, plan: Plan) -> None:
    """VAT codes per company and the contracts' taxes; three contracts sold otherwise than by the hour."""
    admin = built.admin
    codes = {}
    for key, company in built.companies.items():
        if company.country == "DE":
            codes[key] = contracts.tax_code_create(
                viewer=admin, company=company, code="DE19", name="Umsatzsteuer 19 %", kind="standard", rate=19
            )
            contracts.tax_code_create(
                viewer=admin, company=company, code="DE7", name="Umsatzsteuer 7 %", kind="reduced", rate=7
            )
            contracts.tax_code_create(
                viewer=admin, company=company, code="RC", name="Reverse charge (EU)", kind="reverse_charge", rate=0
            )
        else:
            codes[key] = contracts.tax_code_create(
                viewer=admin, company=company, code="NT", name="No sales tax on services", kind="outside_scope", rate=0
            )
    for code, project in built.projects.items():
        contract = Contract.objects.get(covered__project=project)
        key = next(k for k, c in built.companies.items() if c.pk == project.company_id)
        contracts.contract_update(viewer=admin, contract=contract, tax_code_id=codes[key].pk)
        start = plan.projects[code].start
        if code == FIXED_FEE:
            time_line = contract.billing_lines.get(model=BillingModel.TIME_AND_MATERIALS)
            contracts.billing_line_delete(viewer=admin, line=time_line)
            fee = contracts.billing_line_create(
                viewer=admin,
                contract=contract,
                model=BillingModel.FIXED_FEE,
                name="Discovery, fixed price",
                price_minor=project.budget_amount_minor,
            )
            milestone = (
                Task.objects.filter(project=project, children__isnull=True).order_by("-planned_finish", "-id").first()
            )
            half = project.budget_amount_minor // 2
            contracts.instalment_create(
                viewer=admin,
                line=fee,
                description="Kick-off (50 %)",
                amount_minor=half,
                due_date=plan.calendar.cutoffs[0] if plan.calendar.cutoffs else start,
            )
            contracts.instalment_create(
                viewer=admin,
                line=fee,
                description="Final report (50 %)",
                amount_minor=project.budget_amount_minor - half,
                milestone=milestone,
            )
        elif code == RETAINER:
            time_line = contract.billing_lines.get(model=BillingModel.TIME_AND_MATERIALS)
            contracts.billing_line_delete(viewer=admin, line=time_line)
            contracts.billing_line_create(
                viewer=admin,
                contract=contract,
                model=BillingModel.RETAINER,
                name="Migration support retainer",
                frequency="month",
                allowance_unit="minutes",
                allowance=120 * 60,
                fee_minor=1_800_000,
                rollover="periods",
                rollover_periods=1,
                overage_rate=Decimal("165"),
                start_date=start.replace(day=1),
            )
        elif code == CAPPED:
            contracts.billing_line_update(
                viewer=admin,
                line=contract.billing_lines.get(model=BillingModel.TIME_AND_MATERIALS),
                cap_kind="money",
                cap_limit=project.budget_amount_minor * 8 // 10,
            )


def _plan(built: _Built, plan: ProjectPlan, story: Chronicle) -> None:
    """The signed-off plan (durations, links, assignments, deadlines) saved as baseline 0 with its planned cost,
    then the current plan: how long the work really takes, a late start, progress, and the board."""
    code = plan.code
    project = built.projects[code]
    manager = built.viewers[plan.spec.manager]
    for phase in plan.phases():
        leaves = [t for t in plan.tasks if t.phase == phase]
        summary = projects.task_create(
            viewer=manager,
            project=project,
            name=phase,
            planned_start=min(t.baseline_start for t in leaves).date(),
            planned_finish=max(t.baseline_finish for t in leaves).date(),
            estimate_minutes=sum(t.estimate_minutes for t in leaves),
        )
        for leaf in leaves:
            built.tasks[(code, leaf.name)] = projects.task_create(
                viewer=manager,
                project=project,
                name=leaf.name,
                parent=summary,
                planned_start=leaf.baseline_start.date(),
                planned_finish=leaf.baseline_finish.date(),
                estimate_minutes=leaf.estimate_minutes,
                billable=leaf.spec.billable,
                deadline=leaf.deadline,
            )
    tasks = {t.name: built.tasks[(code, t.name)] for t in plan.tasks}
    for t in plan.tasks:
        if t.planned_minutes != DAY:
            projects.task_schedule_update(viewer=manager, task=tasks[t.name], duration_minutes=t.planned_minutes)
    for t in plan.tasks:
        for predecessor, kind, lag in t.links:
            projects.dependency_create(
                viewer=manager, predecessor=tasks[predecessor], successor=tasks[t.name], kind=kind, lag_minutes=lag
            )
    for t in plan.tasks:
        for username, units in t.assignments.items():
            resourcing.assignment_create(viewer=manager, task=tasks[t.name], person=built.people[username], units=units)
    rates.baseline_save_valued(viewer=manager, project=project, index=0, name="Signed-off plan")
    # How the work went.
    for t in plan.tasks:
        changes: dict[str, object] = {}
        if t.minutes != t.planned_minutes:
            changes["duration_minutes"] = t.minutes
        if t.late_start is not None:
            changes.update(constraint="SNET", constraint_date=to_aware(t.late_start))
        if t.actual_start is not None:
            changes.update(actual_start=to_aware(t.actual_start), percent_complete=t.percent)
        if t.actual_finish is not None:
            changes["actual_finish"] = to_aware(t.actual_finish)
        if changes:
            with _on_the_day(story, t.actual_finish or t.actual_start):  # progress reported when it happened
                projects.task_schedule_update(viewer=manager, task=tasks[t.name], **changes)  # type: ignore[arg-type]
    # The board: every card in the column of its status. Who works on it is its assignments (ADR 0011), made
    # with the plan above, so the move hands nothing over.
    projects.board_columns_ensure(viewer=manager, project=project)
    for t in plan.tasks:
        if t.status != TaskStatus.TODO:
            with _on_the_day(story, t.actual_finish if t.status == TaskStatus.DONE else t.actual_start):
                projects.task_board_move(
                    viewer=manager,
                    task=tasks[t.name],
                    status=t.status,
                    position=10_000,  # at the end of the column: the cards keep the plan's order
                )
    if WIP_LIMITED[0] == code:
        column = BoardColumn.objects.get(project=project, status=TaskStatus.IN_PROGRESS)
        projects.board_column_update(viewer=manager, column=column, wip_limit=WIP_LIMITED[1])


def _on_the_day(story: Chronicle, moment: datetime | None) -> AbstractContextManager[None]:
    """The audit rows written inside dated on the day of `moment` (a task's actual start or finish), or left to
    the chapter around when there is none."""
    return story.chapter(moment.date(), moment.date()) if moment is not None else nullcontext()


# A project kept as a template (New project → From a template): the software delivery plan, saved from BLF-WMS.
TEMPLATE = ("BLF-WMS", "TPL-SOFTWARE", "Software delivery (template)")


def _template(built: _Built) -> None:
    source, code, name = TEMPLATE
    if source in built.projects:  # a smaller build (`only`) may leave it out
        project_template_save(viewer=built.admin, project=built.projects[source], code=code, name=name)


def _history(built: _Built, plan: Plan) -> None:
    """The older weeks, approved: one bulk import, valued exactly as approval values entries."""
    rows = [_row(built, e) for e in plan.entries if e.week < WEEKS - 2]
    timesheets.time_entries_import(viewer=built.admin, rows=rows, approved=True)
    for code, project_plan in plan.projects.items():
        if project_plan.spec.status == ProjectStatus.ON_HOLD:
            projects.project_update(
                viewer=built.viewers[project_plan.spec.manager],
                project=built.projects[code],
                status=ProjectStatus.ON_HOLD,
            )


def _row(built: _Built, e: PlannedEntry) -> ImportRow:
    return ImportRow(
        project_id=built.projects[e.code].pk,
        task_id=built.tasks[(e.code, e.task)].pk,
        person_id=built.people[e.username].pk,
        work_date=e.work_date,
        minutes=e.minutes,
        billable=e.billable,
        note=e.note,
    )


def _exchange_rates(built: _Built, plan: Plan) -> None:
    """The euro's daily reference rates, entered by finance (the demo makes no network calls to the ECB)."""
    finance = built.finance("us")
    for source, target, day, rate in plan.exchange_rates:
        rates.exchange_rate_set(viewer=finance, from_currency=source, to_currency=target, day=day, rate=rate)


def _expenses(built: _Built, plan: Plan) -> None:
    """Categories, dated mileage and per-diem rates per company, and the claims taken through their workflow
    (a handful of actions: the build stays fast). No receipt files."""
    cal = plan.calendar
    categories: dict[str, ExpenseCategory] = {
        name: expenses.category_create(viewer=built.finance("us"), name=name, kind=kind, billable_default=billable)
        for name, kind, billable in EXPENSE_CATEGORIES
    }
    for key, company in built.companies.items():
        finance = built.finance(key)
        unit, first, later = MILEAGE_RATES[key]
        expenses.mileage_rate_set(viewer=finance, company=company, valid_from=cal.hired, rate=Decimal(first), unit=unit)
        if later != first:
            expenses.mileage_rate_set(
                viewer=finance, company=company, valid_from=cal.mid_period, rate=Decimal(later), unit=unit
            )
        for country, rate in PER_DIEM_RATES[key]:
            expenses.per_diem_rate_set(
                viewer=finance, company=company, country=country, valid_from=cal.hired, rate=Decimal(rate)
            )
    company_key = {p.username: p.company for p in PEOPLE}
    for spec in plan.claims:
        viewer = built.viewers[spec.username]
        claim = expenses.claim_create(viewer=viewer, title=spec.title)
        monday = cal.week(spec.week)
        for line in spec.lines:
            currency = line.currency or claim.currency
            expenses.line_add(
                viewer=viewer,
                claim=claim,
                date=monday + timedelta(days=line.day),
                category=categories[line.category],
                amount_minor=Money(Decimal(line.amount), currency).to_minor() if line.amount else None,
                currency=currency,
                merchant=line.merchant,
                distance=Decimal(line.distance) if line.distance else None,
                distance_unit=MILEAGE_RATES[company_key[spec.username]][0] if line.distance else "",
                days=Decimal(line.days) if line.days else None,
                country=line.country,
                project=built.projects[line.project] if line.project else None,
                markup_percent=Decimal(line.markup),
            )
        if spec.state == ClaimStatus.DRAFT:
            continue
        expenses.claim_submit(viewer=viewer, claim=claim)
        finance = built.finance(company_key[spec.username])
        if spec.state == ClaimStatus.REJECTED:
            expenses.claim_reject(viewer=finance, claim=claim, reason=spec.reason)
        elif spec.state in (ClaimStatus.APPROVED, ClaimStatus.REIMBURSED):
            expenses.claim_approve(viewer=finance, claim=claim)
            if spec.state == ClaimStatus.REIMBURSED:
                expenses.claim_reimburse(viewer=finance, claim=claim)


def _invoice_months(built: _Built, plan: Plan, story: Chronicle) -> None:
    """Invoice each company's projects up to each month end, and issue the drafts; a project whose work ended
    is closed once its last month is invoiced. Clients pay (`_payments`)."""
    cal = plan.calendar
    issued: list[tuple[str, Invoice]] = []
    for cutoff in cal.cutoffs:
        with story.chapter(cal.issue_date(cutoff), cal.issue_date(cutoff)):  # drafted and issued that day
            for key, company in built.companies.items():
                finance = built.finance(key)
                for invoice in billing.invoices_draft_all(viewer=finance, company=company, up_to=cutoff):
                    issued.append(
                        (key, billing.invoice_issue(viewer=finance, invoice=invoice, issue_date=cal.issue_date(cutoff)))
                    )
    _payments(built, plan, issued, story)
    for code, project_plan in plan.projects.items():
        if project_plan.spec.status == ProjectStatus.CLOSED:
            projects.project_update(
                viewer=built.viewers[project_plan.spec.manager],
                project=built.projects[code],
                status=ProjectStatus.CLOSED,
            )


def _payments(built: _Built, plan: Plan, issued: list[tuple[str, Invoice]], story: Chronicle) -> None:
    """Clients pay by bank transfer 12 to 40 days after the issue date (from the invoice's number, so the story is
    the same every time): what falls before the anchor is paid; every seventh invoice only 60 % of it (the rest
    stays open and ages), every eleventh paid with bank charges of 15.00 kept by the bank. What is due later, or
    paid after the anchor, is open: the ageing and the reminders have something to show."""
    anchor = plan.calendar.anchor
    for key, invoice in issued:
        if invoice.due_date is None or invoice.issue_date is None or invoice.total_minor <= 0:
            continue
        serial = int("".join(c for c in (invoice.number or "") if c.isdigit())[-4:] or 0)
        received = invoice.issue_date + timedelta(days=12 + serial * 7 % 29)
        if received >= anchor:
            continue
        amount = invoice.total_minor * 6 // 10 if serial % 7 == 3 else invoice.total_minor
        charges = min(1_500, amount - 1) if serial % 11 == 5 and amount > 1_500 else 0
        with story.chapter(received, received):
            _payment(built, key, invoice, received, amount, charges)


def _payment(built: _Built, key: str, invoice: Invoice, received: date, amount: int, charges: int) -> None:
    receivables.payment_record(
        viewer=built.finance(key),
        company=invoice.company,
        client=invoice.client,
        received_on=received,
        currency=invoice.currency,
        amount_minor=amount - charges,
        bank_charges_minor=charges,
        reference=f"Payment {invoice.number}",
        allocations=[receivables.AllocationIn(invoice, amount)],
    )


def _recent_weeks(built: _Built, plan: Plan) -> None:
    """The last weeks, entered by each person (from their timer app: one import of drafts each): the week before
    last submitted and decided by the managers (a few entries rejected), last week partly submitted and partly
    still draft, this week so far in draft."""
    recent = [e for e in plan.entries if e.week >= WEEKS - 2]
    by_person: dict[str, list[PlannedEntry]] = defaultdict(list)
    for e in recent:
        by_person[e.username].append(e)
    created: list[tuple[PlannedEntry, int]] = []
    for username, entries in by_person.items():
        ids = timesheets.time_entries_import(viewer=built.viewers[username], rows=[_row(built, e) for e in entries])
        created.extend(zip(entries, ids, strict=True))
    cal = plan.calendar
    before_last = cal.week(WEEKS - 2)
    for username in by_person:
        if any(e.week == WEEKS - 2 for e in by_person[username]):
            timesheets.time_entries_submit(viewer=built.viewers[username], monday=before_last)
    # Decisions on the week before last: each manager decides on their projects; the administrator on the
    # managers' own time.
    managers = {code: p.spec.manager for code, p in plan.projects.items()}
    admin = next(p.username for p in PEOPLE if p.access == "admin")
    approve: dict[str, list[int]] = defaultdict(list)
    reject: dict[tuple[str, str], list[int]] = defaultdict(list)
    for e, entry_id in created:
        if e.week != WEEKS - 2:
            continue
        decider = managers[e.code] if e.username != managers[e.code] else admin
        if e.reject_reason:
            reject[(decider, e.reject_reason)].append(entry_id)
        else:
            approve[decider].append(entry_id)
    for decider, ids in approve.items():
        timesheets.time_entries_approve(viewer=built.viewers[decider], entry_ids=ids)
    for (decider, reason), ids in reject.items():
        timesheets.time_entries_reject(viewer=built.viewers[decider], entry_ids=ids, reason=reason)
    for username in plan.submit_last_week:
        timesheets.time_entries_submit(viewer=built.viewers[username], monday=cal.last_monday)


def _close_books(built: _Built, plan: Plan) -> Invoice | None:
    """One draft invoice waiting for finance; done tasks whose time is all approved closed to new time; each
    company's time closed through the month before the last invoiced one."""
    draft = None
    if DRAFT_INVOICE_PROJECT in plan.projects:
        spec = plan.projects[DRAFT_INVOICE_PROJECT].spec
        draft = billing.invoice_draft_create(
            viewer=built.finance(spec.company),
            project=built.projects[DRAFT_INVOICE_PROJECT],
            up_to=plan.calendar.week(WEEKS - 2) - timedelta(days=1),
        )
    last_entry: dict[tuple[str, str], date] = {}
    for e in plan.entries:
        last_entry[(e.code, e.task)] = max(e.work_date, last_entry.get((e.code, e.task), e.work_date))
    for code, project_plan in plan.projects.items():
        manager = built.viewers[project_plan.spec.manager]
        for t in project_plan.tasks:
            last = last_entry.get((code, t.name))
            if t.status == TaskStatus.DONE and last is not None and last < plan.calendar.week(WEEKS - 2):
                projects.task_update(viewer=manager, task=built.tasks[(code, t.name)], closed=True)
    _books_and_revenue(built, plan.calendar.closed_through)
    for key, company in built.companies.items():
        closing.period_close(
            viewer=built.finance(key),
            company=company,
            through=plan.calendar.closed_through,
            note=f"Books closed for {plan.calendar.closed_through:%B %Y}.",
            # The demo's history keeps some time unapproved in the closed month, on purpose (the checklist
            # and the "changes since" screen have something to show); recorded only if it blocks.
            override_reason="Demo history: open work of the month is carried forward.",
        )
        books.journal_sync(viewer=built.finance(key), company=company)  # what was issued and paid since
    return draft


def _books_and_revenue(built: _Built, through: date) -> None:
    """Each company's documents posted to its journal and revenue recognised month by month up to the close, so
    the books, the revenue runs and the contracts' revenue charts have a history."""
    for key, company in built.companies.items():
        finance = built.finance(key)
        books.journal_sync(viewer=finance, company=company, up_to=through)
        first = Contract.objects.filter(company=company).order_by("start_date").values_list("start_date", flat=True)
        if not first:
            continue
        for end in month_ends(first[0], through):
            revenue.revenue_run_post(viewer=finance, company=company, year=end.year, month=end.month)


def demo_firm_exists() -> bool:
    return Organisation.objects.filter(slug=ORGANISATION_SLUG).exists()


def build_demo_firm(
    *,
    anchor: date | None = None,
    progress: Callable[[str], None] | None = None,
    only: Collection[str] | None = None,
) -> Organisation:
    """Build Northwind Consulting in the database: all of it, or nothing if a step fails.

    `anchor` (default: today) is the day the demo is "now": time ends the day before it. `progress` is called
    with the name of each step in `STEPS` once that step is done. `only` (project codes) builds only those
    projects (a smaller, faster firm for tests)."""
    today = timezone.localdate()
    if anchor is not None and anchor > today:
        # Its history would be in the future: time, invoices and the period close refuse future dates.
        raise Invalid(f"The demo can be loaded as of today or an earlier day, not {anchor}.", field="anchor")
    plan = make_plan(anchor or today, only)
    # The story's notifications are history, not news: none is e-mailed to the made-up people.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
        _build(plan, progress or (lambda step: None))
    return Organisation.objects.get(slug=ORGANISATION_SLUG)


def _build(plan: Plan, done: Callable[[str], None]) -> None:
    cal = plan.calendar
    story = Chronicle()  # the audit rows dated as the history they tell (`demo.history`)
    with story.chapter(cal.first_monday - timedelta(weeks=3), cal.first_monday - timedelta(days=1)):
        built = _people(plan)
        done(STEPS[0])
        clients = _clients(built)
        done(STEPS[1])
        _projects(built, clients, plan, story)
        _contract_terms(built, plan)
        _template(built)
    done(STEPS[2])
    with story.chapter(cal.first_monday, cal.week(WEEKS - 2) - timedelta(days=1)):
        _history(built, plan)
        _exchange_rates(built, plan)
        _expenses(built, plan)  # before the invoices: billable claims are billed on them
    done(STEPS[3])
    with story.chapter(cal.issue_date(cal.cutoffs[-1]), cal.issue_date(cal.cutoffs[-1])):
        _invoice_months(built, plan, story)  # each month's invoices and payments in chapters of their own days
    done(STEPS[4])
    with story.chapter(cal.week(WEEKS - 2), cal.yesterday):
        _recent_weeks(built, plan)
    done(STEPS[5])
    with story.chapter(cal.yesterday - timedelta(weeks=3), cal.anchor):
        _close_books(built, plan)
        demo_skills(built.admin, built.viewers, built.people, cal.anchor)
        demo_utilisation_targets(built.admin, built.people, cal.anchor)
        demo_staffing(built.admin, built.people, cal.anchor)
        demo_time_off(built.admin, built.viewers, built.people, cal.anchor)
        demo_risks(built.admin, built.viewers, cal.anchor)
        demo_activity(built.viewers)
        demo_discussion(built.viewers)
        demo_webhooks(built.admin)
    story.write(built.admin.organisation_id, latest=latest_on(cal.anchor))
    done(STEPS[6])
