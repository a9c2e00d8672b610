"""The parts of a home: my work, the health of managed projects, invoicing, and who gets which."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from margin.accounts import actions as accounts
from margin.accounts.models import Membership, Person
from margin.accounts.queries import Viewer, viewer_for
from margin.billing.actions import invoice_draft_create, invoice_issue
from margin.core.periods import week_start
from margin.crm.actions import client_create
from margin.expenses import actions as expenses
from margin.projects import actions as projects
from margin.projects.models import Task
from margin.projects.planning import to_aware
from margin.rates.actions import baseline_save_valued, cost_rate_set
from margin.reporting.health import projects_managed_health
from margin.reporting.homes import FIRM, INVOICING, PROJECTS, SETUP, WORK, firm_setup, home_of
from margin.reporting.invoicing import invoicing_of
from margin.reporting.work import my_work
from margin.resourcing import actions as resourcing
from margin.timesheets.actions import (
    time_entries_approve,
    time_entries_reject,
    time_entries_submit,
    time_entry_create,
    timer_start,
)
from tests.firm import Firm

TODAY = timezone.localdate()
MONDAY = week_start(TODAY)


def _at(day: date, hour: int = 9) -> datetime:
    return to_aware(datetime.combine(day, time(hour)))


def _schedule(task: Task, first: date, last: date) -> None:
    """Put a task on given days (the engine's dates, written after every action that reschedules)."""
    Task.objects.filter(pk=task.pk).update(start=_at(first), finish=_at(last, 17))


def _approved(firm: Firm, who: str, task: Task, day: date, minutes: int) -> int:
    viewer = getattr(firm, who)
    entry = time_entry_create(viewer=viewer, project=firm.project, task=task, work_date=day, minutes=minutes)
    time_entries_submit(viewer=viewer, monday=week_start(day))
    time_entries_approve(viewer=firm.admin, entry_ids=[entry.pk])
    return entry.pk


# --- my work ---------------------------------------------------------------------------------------


def test_my_work_tasks_today_this_week_late_and_deadlines(firm: Firm) -> None:
    tom = firm.member_person
    resourcing.assignment_create(viewer=firm.manager, task=firm.design, person=tom)
    resourcing.assignment_create(viewer=firm.manager, task=firm.build, person=tom)
    later = projects.task_create(viewer=firm.manager, project=firm.project, name="Later", deadline=TODAY + timedelta(3))
    resourcing.assignment_create(viewer=firm.manager, task=later, person=tom)
    done = projects.task_create(viewer=firm.manager, project=firm.project, name="Done already")
    resourcing.assignment_create(viewer=firm.manager, task=done, person=tom)
    projects.task_schedule_update(viewer=firm.manager, task=done, percent_complete=100)
    lea_task = projects.task_create(viewer=firm.manager, project=firm.project, name="Lea's")
    resourcing.assignment_create(viewer=firm.manager, task=lea_task, person=firm.member2_person)
    _schedule(firm.design, TODAY, TODAY + timedelta(10))  # today
    _schedule(firm.build, TODAY - timedelta(9), TODAY - timedelta(2))  # finished two days ago: late
    _schedule(later, MONDAY + timedelta(7), MONDAY + timedelta(8))  # next week, deadline in 3 days
    _schedule(done, TODAY, TODAY)
    _schedule(lea_task, TODAY, TODAY)

    work = my_work(tom.pk, TODAY)

    assert [(t.name, t.late) for t in work.today_tasks] == [("Build", True), ("Design", False)]
    assert work.week_tasks == []  # "Later" starts next week
    assert [t.name for t in work.deadlines] == ["Later"]
    assert work.deadlines[0].due == TODAY + timedelta(3)


def test_my_work_hours_capacity_drafts_fixes_and_timer(firm: Firm, midday: datetime) -> None:
    tom, maya = firm.member, firm.manager
    time_entry_create(viewer=tom, project=firm.project, task=firm.design, work_date=MONDAY, minutes=600)
    rejected = time_entry_create(
        viewer=tom, project=firm.project, task=firm.build, work_date=MONDAY - timedelta(7), minutes=60
    )
    time_entries_submit(viewer=tom, monday=MONDAY - timedelta(7))
    time_entries_reject(viewer=maya, entry_ids=[rejected.pk], reason="Wrong task")
    timer_start(viewer=tom, project=firm.project, task=firm.design)

    with CaptureQueriesContext(connection) as queries:
        work = my_work(firm.member_person.pk, TODAY)

    assert work.week_minutes == 600 and work.draft_minutes == 600
    assert work.days[0].minutes == 600 and work.days[0].capacity == 480 and work.days[0].over
    assert work.capacity_minutes == 40 * 60 and work.week_pct == 25
    assert [(f.entry_id, f.reason) for f in work.fixes] == [(rejected.pk, "Wrong task")] and work.fix_count == 1
    assert work.timer is not None and work.timer.task_id == firm.design.pk
    assert len(queries) <= 12  # capacity by the one rule: person, calendars, companies, time off


# --- the health of managed projects -------------------------------------------------------------------


def test_project_health_slip_overdue_burn_and_margin(firm: Firm) -> None:
    maya = firm.manager
    baseline_save_valued(viewer=maya, project=firm.project, index=1, name="Signed plan")
    baseline_save_valued(viewer=maya, project=firm.project, index=0, name="First plan")
    overdue = projects.task_create(viewer=maya, project=firm.project, name="Review", deadline=TODAY - timedelta(1))
    finished = projects.task_create(viewer=maya, project=firm.project, name="Kick-off", deadline=TODAY - timedelta(9))
    projects.task_schedule_update(viewer=maya, task=finished, percent_complete=100)
    _approved(firm, "member", firm.design, MONDAY - timedelta(7), 120)  # 2 h of Tom: 200 billed, 80 cost
    first = firm.project.baselines.get(index=0)
    last_day = timezone.localtime(first.finish).date()
    Task.objects.filter(pk=firm.build.pk).update(finish=_at(last_day + timedelta(4), 17))

    [health] = projects_managed_health(maya, TODAY)

    assert health.baseline_name == "First plan"  # the lowest slot
    assert health.slip_days == 4 and health.attention
    assert health.overdue_tasks == 1 and overdue.pk  # Review; Kick-off is done
    assert health.figures.margin_minor == 20_000 - 8_000
    assert str(health.figures.hours_burn_pct) == "1.0"  # 2 h of 200


def test_project_health_without_baseline_or_schedule_has_no_slip(firm: Firm) -> None:
    [health] = projects_managed_health(firm.manager, TODAY)
    assert health.baseline_finish is None and health.slip_days is None and health.early_days == 0


def test_project_health_reads_only_open_projects_the_viewer_manages_in_constant_queries(firm: Firm) -> None:
    for n in range(3):
        projects.project_create(
            viewer=firm.admin,
            company=firm.usd,
            client=firm.client,
            manager=firm.manager_person,
            code=f"M-{n}",
            name="M",
        )
    projects.project_create(
        viewer=firm.admin, company=firm.usd, client=firm.client, manager=firm.member2_person, code="LEA", name="L"
    )
    closed = projects.project_create(
        viewer=firm.admin, company=firm.usd, client=firm.client, manager=firm.manager_person, code="OLD", name="O"
    )
    projects.project_update(viewer=firm.admin, project=closed, status="closed")
    with CaptureQueriesContext(connection) as queries:
        codes = [h.figures.code for h in projects_managed_health(firm.manager, TODAY)]
    assert codes == ["GLX-1", "M-0", "M-1", "M-2"]
    assert (
        len(queries) == 9
    )  # projects, time, invoices, how they are sold, held time, expenses, finishes, baselines, overdue
    assert projects_managed_health(firm.admin, TODAY) == []  # Ada manages none
    assert [h.figures.code for h in projects_managed_health(firm.member2, TODAY)] == ["LEA"]


# --- invoicing ----------------------------------------------------------------------------------------


def test_invoicing_unbilled_by_age_drafts_and_issued_by_days_late(firm: Firm) -> None:
    old = _approved(firm, "member", firm.build, TODAY - timedelta(100), 60)  # 100 USD
    _approved(firm, "member", firm.build, TODAY - timedelta(45), 120)  # 200 USD
    _approved(firm, "member", firm.design, TODAY - timedelta(3), 30)  # 50 USD
    draft = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=TODAY - timedelta(95))
    assert draft.total_minor == 10_000 and old
    category = expenses.category_create(viewer=firm.finance, name="Travel", billable_default=True)
    claim = expenses.claim_create(viewer=firm.member, title="Trip")
    expenses.line_add(
        viewer=firm.member,
        claim=claim,
        date=TODAY - timedelta(70),
        category=category,
        amount_minor=1_000,
        currency="USD",
        project=firm.project,
        markup_percent=Decimal(10),
    )
    expenses.claim_submit(viewer=firm.member, claim=claim)
    expenses.claim_approve(viewer=firm.manager, claim=claim)

    invoicing = invoicing_of(firm.finance, TODAY)

    [unbilled] = invoicing.unbilled
    assert (unbilled.project.code, unbilled.oldest, unbilled.time_minor, unbilled.expense_minor) == (
        "GLX-1",
        TODAY - timedelta(70),
        25_000,
        1_100,
    )
    assert [b.by_currency for b in invoicing.unbilled_ages] == [{"USD": 5_000}, {"USD": 20_000}, {"USD": 1_100}, {}]
    assert [d.invoice.pk for d in invoicing.drafts] == [draft.pk] and invoicing.draft_totals == {"USD": 10_000}

    invoice_issue(viewer=firm.finance, invoice=draft, issue_date=TODAY - timedelta(50), payment_days=10)
    invoicing = invoicing_of(firm.finance, TODAY)
    assert invoicing.drafts == [] and invoicing.draft_count == 0
    assert [(b.label, b.count) for b in invoicing.issued_ages if b.count] == [("31–60 days", 1)]
    assert [(i.invoice.pk, i.days) for i in invoicing.issued_late] == [(draft.pk, 40)]


def test_invoicing_follows_the_money_rule(firm: Firm) -> None:
    _approved(firm, "member", firm.build, TODAY - timedelta(3), 60)
    assert [u.project.code for u in invoicing_of(firm.manager, TODAY).unbilled] == ["GLX-1"]  # Maya manages it
    member = invoicing_of(firm.member, TODAY)
    assert member.unbilled == [] and member.unbilled_count == 0 and member.currencies == []
    assert invoicing_of(firm.other_admin, TODAY).unbilled == []


# --- who gets which part ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sections"),
    [
        ("admin", [FIRM, INVOICING]),  # Ada is on no project
        ("finance", [INVOICING]),
        ("manager", [PROJECTS, WORK]),  # Maya manages GLX-1 and logs time on it
        ("member", [WORK]),
        ("member2", [WORK]),
    ],
)
def test_home_parts_by_role(firm: Firm, who: str, sections: list[str]) -> None:
    home = home_of(getattr(firm, who), TODAY)
    assert home.sections == sections
    assert (home.firm is not None) == (FIRM in sections)
    assert (home.invoicing is not None) == (INVOICING in sections)
    assert (home.projects is not None) == (PROJECTS in sections)
    assert (home.work is not None) == (WORK in sections)


def test_a_member_who_manages_a_project_gets_both_hats(firm: Firm) -> None:
    projects.project_create(
        viewer=firm.admin, company=firm.usd, client=firm.client, manager=firm.member2_person, code="LEA", name="L"
    )
    home = home_of(firm.member2, TODAY)
    assert home.sections == [PROJECTS, WORK] and home.title == "Your projects"
    assert [h.figures.code for h in home.projects or []] == ["LEA"]


def test_the_firm_sums_every_project_per_currency(firm: Firm) -> None:
    _approved(firm, "member", firm.build, TODAY - timedelta(3), 60)
    firm_part = home_of(firm.admin, TODAY).firm
    assert firm_part is not None
    assert [(t.currency, t.revenue_minor, t.cost_minor) for t in firm_part.totals] == [("USD", 10_000, 4_000)]
    assert firm_part.logged_minutes == 60 and firm_part.over_budget == []


# --- getting started ------------------------------------------------------------------------------------


def _steps(viewer: Viewer) -> dict[str, bool]:
    return {step.key: step.done for step in firm_setup(viewer)}


def test_an_empty_firm_starts_with_the_set_up_checklist(db: None) -> None:
    """Right after `create_organisation` the administrator's home is the checklist, nothing done, and it goes
    once the needed steps are done (linking yourself and inviting others stay optional)."""
    organisation = accounts.organisation_found(
        name="Fresh", slug="fresh", username="founder", email="f@fresh.test", password="Correct-horse-9"
    )
    admin = viewer_for(User.objects.get(username="founder"))
    home = home_of(admin, TODAY)
    assert home.sections == [SETUP, FIRM, INVOICING] and home.title == "Getting started"
    assert home.setup is not None and not any(step.done for step in home.setup)
    assert [s.key for s in home.setup if not s.needed] == ["me", "users"]

    company = accounts.company_create(viewer=admin, name="Fresh GmbH", base_currency="EUR")
    admin = viewer_for(User.objects.get(username="founder"))
    role = accounts.role_create(viewer=admin, name="Consultant")
    person = accounts.person_create(viewer=admin, company=company, role=role, name="Bo", email="bo@fresh.test")
    assert _steps(admin) == {
        "company": True,
        "roles": True,
        "people": False,  # no cost rate yet: Bo's time could not be approved
        "me": False,
        "users": False,
        "client": False,
        "project": False,
    }
    cost_rate_set(viewer=admin, person=person, valid_from=date(2026, 1, 1), hourly_cost=Decimal(50))
    client = client_create(viewer=admin, name="Globex", currency="EUR")
    projects.project_create(
        viewer=admin, company=company, client=client, manager=person, code="T-1", name="T", is_template=True
    )
    assert _steps(admin)["project"] is False  # a template is not a project
    assert SETUP in home_of(admin, TODAY).sections
    projects.project_create(viewer=admin, company=company, client=client, manager=person, code="P-1", name="P")
    home = home_of(admin, TODAY)
    assert home.sections == [FIRM, INVOICING] and home.setup is None
    assert organisation.pk == admin.organisation_id


@pytest.mark.parametrize("who", ["finance", "manager", "member"])
def test_only_administrators_get_the_checklist(db: None, who: str) -> None:
    organisation = accounts.organisation_found(
        name="Fresh", slug="fresh", username="founder", email="f@fresh.test", password="Correct-horse-9"
    )
    user = User.objects.create_user(username=who)
    Membership.objects.create(organisation=organisation, user=user, role=who)
    assert SETUP not in home_of(viewer_for(user), TODAY).sections


def test_templates_are_not_projects_on_a_home(firm: Firm) -> None:
    """A template is never run: managing or belonging to one gives no "Your projects" or "My work" part."""
    template = projects.project_create(
        viewer=firm.admin,
        company=firm.usd,
        client=firm.client,
        manager=firm.member2_person,
        code="TPL",
        name="Template",
        is_template=True,
    )
    finn = Person.objects.get(user=firm.finance_user)
    projects.project_member_add(viewer=firm.admin, project=template, person=finn)
    assert home_of(firm.member2, TODAY).sections == [WORK]  # Lea is on GLX-1, and manages only the template
    assert [h.figures.code for h in projects_managed_health(firm.member2, TODAY)] == []
    assert WORK not in home_of(firm.finance, TODAY).sections
