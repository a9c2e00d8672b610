"""Profitability figures: billed, WIP (drafts included), cost, margin, burn, from stored amounts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from margin.billing.actions import invoice_discard, invoice_draft_create, invoice_issue
from margin.contracts.actions import bill_rate_set
from margin.core.money import Money
from margin.core.periods import week_start
from margin.projects import actions as projects
from margin.projects.models import Project
from margin.reporting.queries import profitability, profitability_visible, project_profitability
from margin.timesheets.actions import (
    time_entries_approve,
    time_entries_reject,
    time_entries_submit,
    time_entry_create,
)
from tests.firm import Firm

MONDAY = week_start(timezone.localdate()) - timedelta(days=7)
SUNDAY = MONDAY + timedelta(days=6)


def _log(firm: Firm, who: str, task: object, day: int, minutes: int, billable: bool | None = None) -> int:
    entry = time_entry_create(
        viewer=getattr(firm, who),
        project=firm.project,
        task=task,  # type: ignore[arg-type]
        work_date=MONDAY + timedelta(days=day),
        minutes=minutes,
        billable=billable,
    )
    return entry.pk


def _story(firm: Firm) -> None:
    """Approved: Tom 480 + 240 + 90 (+ 60 non-billable), Lea 60, Maya 45. Rejected: Lea 30. Draft: Tom 30."""
    approved = [
        _log(firm, "member", firm.build, 0, 480),
        _log(firm, "member", firm.build, 1, 240),
        _log(firm, "member", firm.design, 2, 90),
        _log(firm, "member", firm.build, 3, 60, billable=False),
        _log(firm, "member2", firm.build, 1, 60),
        _log(firm, "manager", firm.design, 2, 45),
    ]
    rejected = _log(firm, "member2", firm.design, 2, 30)
    for who in ("member", "member2", "manager"):
        time_entries_submit(viewer=getattr(firm, who), monday=MONDAY)
    time_entries_approve(viewer=firm.admin, entry_ids=approved)
    time_entries_reject(viewer=firm.manager, entry_ids=[rejected], reason="wrong project")
    _log(firm, "member", firm.design, 4, 30)  # still a draft


WIP = 80000 + 40000 + 15000 + 10000 + 11250  # billable approved time at 100/h (150/h for Maya)
COST = (480 + 240 + 90 + 60) * 40 * 100 // 60 + 60 * 45 * 100 // 60 + 45 * 60 * 100 // 60


def test_a_project_without_time(firm: Firm) -> None:
    figures = project_profitability(firm.project)
    assert (figures.billed_minor, figures.wip_minor, figures.cost_minor, figures.margin_minor) == (0, 0, 0, 0)
    assert figures.margin_pct is None  # no revenue: no percentage, rather than a division by zero
    assert (figures.hours_burn_pct, figures.money_burn_pct) == (Decimal("0.0"), Decimal("0.0"))
    assert (figures.code, figures.client_name, figures.manager_name, figures.currency) == (
        "GLX-1",
        "Globex",
        "Maya",
        "USD",
    )


def test_zero_budgets_give_no_burn(firm: Firm) -> None:
    projects.project_update(viewer=firm.admin, project=firm.project, budget_minutes=0, budget_amount_minor=0)
    _story(firm)
    figures = project_profitability(firm.project)
    assert (figures.hours_burn_pct, figures.money_burn_pct) == (None, None)
    assert figures.margin_pct is not None


def test_figures_through_the_life_of_the_time(firm: Firm) -> None:
    _story(firm)
    figures = project_profitability(firm.project)
    assert (figures.billed_minor, figures.wip_minor, figures.cost_minor) == (0, WIP, COST)
    assert (figures.logged_minutes, figures.approved_minutes) == (480 + 240 + 90 + 60 + 60 + 45 + 30, 975)
    assert figures.revenue_minor == WIP and figures.margin_minor == WIP - COST
    assert figures.margin_pct == (Decimal(WIP - COST) * 100 / WIP).quantize(Decimal("0.1"))
    assert figures.hours_burn_pct == Decimal("8.4")  # 1005 of 12,000 minutes
    assert figures.money_burn_pct == Decimal("5.2")  # 1,562.50 of 30,000.00
    assert figures.wip == Money(Decimal("1562.50"), "USD") and str(figures.cost) == "670.00 USD"

    # A draft invoice is still work in progress.
    draft = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    assert draft.total_minor == WIP
    assert (project_profitability(firm.project).billed_minor, project_profitability(firm.project).wip_minor) == (0, WIP)

    # Discarding it changes nothing; issuing moves the value from WIP to billed.
    invoice_discard(viewer=firm.finance, invoice=draft)
    assert project_profitability(firm.project).wip_minor == WIP
    issued = invoice_issue(
        viewer=firm.finance, invoice=invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    )
    after = project_profitability(firm.project)
    assert (after.billed_minor, after.wip_minor, after.cost_minor) == (issued.total_minor, 0, COST)
    assert after.revenue_minor == WIP and after.margin == Money.from_minor(WIP - COST, "USD")


def test_billed_is_the_invoice_total_with_line_rounding(firm: Firm) -> None:
    """WIP sums the rounded entries; billed sums the rounded lines (ADR 0001): they may differ by cents."""
    bill_rate_set(
        viewer=firm.finance,
        project=firm.project,
        role=firm.consultant,
        valid_from=MONDAY - timedelta(days=365),
        hourly_rate=Decimal("0.3"),
    )
    ids = [_log(firm, "member", firm.build, d, 1) for d in range(3)]
    time_entries_submit(viewer=firm.member, monday=MONDAY)
    time_entries_approve(viewer=firm.manager, entry_ids=ids)
    assert project_profitability(firm.project).wip_minor == 3
    invoice_issue(
        viewer=firm.finance, invoice=invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    )
    assert (project_profitability(firm.project).billed_minor, project_profitability(firm.project).wip_minor) == (2, 0)


def test_profitability_takes_six_queries_whatever_the_number_of_projects(firm: Firm) -> None:
    for i in range(5):
        projects.project_create(
            viewer=firm.admin,
            company=firm.usd,
            client=firm.client,
            manager=firm.manager_person,
            code=f"P-{i}",
            name=f"Project {i}",
        )
    _story(firm)
    with CaptureQueriesContext(connection) as queries:
        figures = profitability(Project.objects.filter(organisation_id=firm.admin.organisation_id))
    assert len(figures) == 6 and len(queries) == 6  # projects, time, invoices, how they are sold, held time, expenses
    assert [f.code for f in figures] == ["GLX-1", "P-0", "P-1", "P-2", "P-3", "P-4"]
    assert sum(f.wip_minor for f in figures) == WIP


def test_profitability_visible_follows_the_money_rule(firm: Firm) -> None:
    """Finance and administrators: every project of their companies; a manager: the projects they
    manage; a member: none, although they see the project itself."""
    assert [f.code for f in profitability_visible(firm.finance)] == ["GLX-1"]
    assert [f.code for f in profitability_visible(firm.manager)] == ["GLX-1"]
    assert profitability_visible(firm.member) == []
    assert [f.code for f in profitability_visible(firm.other_admin)] == ["INI-1"]
    projects.project_create(
        viewer=firm.admin, company=firm.usd, client=firm.client, manager=firm.member2_person, code="LEA", name="Lea's"
    )
    assert [f.code for f in profitability_visible(firm.admin)] == ["GLX-1", "LEA"]
    assert [f.code for f in profitability_visible(firm.member2)] == ["LEA"]  # a member who manages one project
    assert [f.code for f in profitability_visible(firm.manager)] == ["GLX-1"]


def test_profitability_counts_credit_notes_write_downs_and_fixed_fees(firm: Firm) -> None:
    """Billed is net of credit notes and write-downs; a fixed-fee project's hours are cost, not WIP."""
    from margin.billing.actions import invoice_draft_create, invoice_issue
    from margin.billing.crediting import credit_note_create
    from margin.billing.models import InvoiceLine
    from margin.billing.review import invoice_line_adjust
    from margin.billing.tests.test_contract_invoicing import MARCH_END, fixed_contract, march

    march(firm)
    draft = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=MARCH_END)
    build = InvoiceLine.objects.get(invoice=draft, minutes=780)
    invoice_line_adjust(viewer=firm.finance, invoice_id=draft.pk, line_id=build.pk, amount_minor=100_000, reason="Ramp")
    invoice = invoice_issue(viewer=firm.finance, invoice=draft, issue_date=date(2026, 4, 1))
    before = project_profitability(firm.project)
    # 1,525.00 standard, written down by 300.00: billed 1,225.00, nothing left in WIP, realisation 80.3 %.
    assert (before.billed_minor, before.wip_minor) == (122_500, 0)
    assert (before.billed_time_minor, before.standard_time_minor) == (122_500, 152_500)
    assert before.realisation_pct == Decimal("80.3")
    note = credit_note_create(viewer=firm.finance, invoice=invoice, reason="Agreed", amount_minor=22_500)
    invoice_issue(viewer=firm.finance, invoice=note, issue_date=date(2026, 4, 2))
    after = project_profitability(firm.project)
    assert (after.billed_minor, after.wip_minor, after.revenue_minor) == (100_000, 0, 100_000)
    # A fixed-fee project: income is the instalments billed, its time is cost only.
    contract, project, _milestone = fixed_contract(firm)
    from margin.billing.actions import invoice_draft_for_contract

    fixed = invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)[0]
    invoice_issue(viewer=firm.finance, invoice=fixed, issue_date=date(2026, 4, 1))
    figures = project_profitability(project)
    assert (figures.billed_minor, figures.wip_minor) == (300_000, 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_on_postgresql_profitability_reads_through_prepared_statements(firm: Firm) -> None:
    """Planning its six grouped statements cost more than running them (margin.core.prepared)."""
    figures = project_profitability(firm.project)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = " ".join(row[0] for row in cursor.fetchall())
    assert '"timesheets_projecttimetotal"' in prepared and '"billing_invoiceline"' in prepared
    assert project_profitability(firm.project) == figures  # the prepared run answers as the first did
