"""Revenue runs on the issue's story: each month's recognised revenue, the contract asset or liability, the
journal that carries them; a loss contract; refusals change nothing."""

from __future__ import annotations

from datetime import date

import pytest

from margin.accounts.models import Company
from margin.books.actions import journal_sync
from margin.books.chain import ledger_verify
from margin.books.models import JournalEntry, JournalLine
from margin.books.queries import trial_balance
from margin.books.rules import Role
from margin.core.errors import Conflict, Forbidden, Invalid
from margin.core.models import AuditEntry
from margin.revenue import actions as revenue
from margin.revenue.models import RevenueLine, RevenueRun, RunStatus
from margin.revenue.tests.scenario import MONTHS, fixed_price_story
from tests.firm import Firm


def _balance(company: Company, role: str, contract_id: int | None = None, up_to: date | None = None) -> int:
    rows = JournalLine.objects.filter(company=company, account__role=role)
    if up_to is not None:
        rows = rows.filter(date__lte=up_to)
    if contract_id is not None:
        rows = rows.filter(contract_id=contract_id)
    return sum(rows.values_list("amount_minor", flat=True))


def test_a_fixed_price_contract_over_four_months(firm: Firm) -> None:
    story = fixed_price_story(firm)
    journal_sync(viewer=firm.finance, company=firm.usd, up_to=date(2026, 9, 30))
    expected = [
        # recognised in the month, to date, billed to date, contract asset, contract liability, backlog
        (800_000, 800_000, 900_000, 0, 100_000, 2_200_000),
        (800_000, 1_600_000, 900_000, 700_000, 0, 1_400_000),
        (800_000, 2_400_000, 1_800_000, 600_000, 0, 600_000),
        (600_000, 3_000_000, 3_000_000, 0, 0, 0),
    ]
    for (year, month), figures in zip(MONTHS, expected, strict=True):
        run = revenue.revenue_run_post(viewer=firm.finance, company=firm.usd, year=year, month=month)
        line = RevenueLine.objects.get(run=run, billing_line=story.line)
        assert (
            line.recognised_period_minor,
            line.recognised_minor,
            line.billed_minor,
            line.contract_asset_minor,
            line.contract_liability_minor,
            line.backlog_minor,
        ) == figures, (year, month)
        # The books agree: revenue to date is what was recognised; asset and liability are the run's.
        contract = story.contract.pk
        end = run.period_end
        assert -_balance(firm.usd, Role.REVENUE_FIXED, contract, end) == figures[1]
        assert _balance(firm.usd, Role.CONTRACT_ASSET, contract, end) == figures[3]
        assert -_balance(firm.usd, Role.CONTRACT_LIABILITY, contract, end) == figures[4]
        assert trial_balance(firm.usd, date_to=run.period_end).balances
    assert JournalEntry.objects.filter(source_kind="revenue_run").count() == 4
    assert AuditEntry.objects.filter(action="revenue.run").count() == 4
    assert ledger_verify(firm.usd.pk).intact


def test_a_loss_contract_books_its_loss_at_once_and_releases_it(firm: Firm) -> None:
    story = fixed_price_story(firm, months=1)
    # The estimate rises to $36,000 of cost for a $30,000 price: a $6,000 loss, all of it booked in June.
    revenue.estimate_set(
        viewer=firm.finance, line=story.line, effective=date(2026, 6, 30), total_cost_minor=3_600_000, reason="Rework"
    )
    run = revenue.revenue_run_post(viewer=firm.finance, company=firm.usd, year=2026, month=6)
    line = RevenueLine.objects.get(run=run, billing_line=story.line)
    # 3,200 of 36,000 cost: 8.89 % of the price is recognised; the provision carries the rest of the loss.
    assert line.recognised_minor == 266_667 and line.expected_loss_minor == 600_000
    assert line.loss_provision_minor == 546_667
    assert -_balance(firm.usd, Role.LOSS_PROVISION) == 546_667
    assert _balance(firm.usd, Role.CONTRACT_LOSS) == 546_667
    # Revenue below cost carries the rest: recognised 2,666.67 − cost 3,200.00 = −533.33; with the provision the
    # whole 6,000.00 is in June's result.
    assert line.recognised_minor - line.cost_to_date_minor - line.loss_provision_minor == -600_000


def test_a_month_runs_once_and_a_reversal_lets_it_run_again(firm: Firm) -> None:
    fixed_price_story(firm, months=1)
    run = revenue.revenue_run_post(viewer=firm.finance, company=firm.usd, year=2026, month=6)
    with pytest.raises(Conflict):
        revenue.revenue_run_post(viewer=firm.finance, company=firm.usd, year=2026, month=6)
    assert RevenueRun.objects.count() == 1
    reversed_run = revenue.revenue_run_reverse(viewer=firm.finance, run=run, reason="Estimate was wrong")
    assert reversed_run.status == RunStatus.REVERSED and reversed_run.reversal_entry is not None
    assert _balance(firm.usd, Role.CONTRACT_LIABILITY) == 0
    again = revenue.revenue_run_post(viewer=firm.finance, company=firm.usd, year=2026, month=6)
    assert again.pk != run.pk and ledger_verify(firm.usd.pk).intact


def test_refusals_change_nothing(firm: Firm) -> None:
    story = fixed_price_story(firm, months=1)
    with pytest.raises(Invalid) as below:
        revenue.estimate_set(
            viewer=firm.finance, line=story.line, effective=date(2026, 6, 30), total_cost_minor=100, reason="Too low"
        )
    assert below.value.code == "below_incurred"
    with pytest.raises(Forbidden):
        revenue.revenue_run_post(viewer=firm.manager, company=firm.usd, year=2026, month=6)
    Company.objects.filter(pk=firm.usd.pk).update(locked_through=date(2026, 6, 30))
    with pytest.raises(Conflict) as closed:
        revenue.revenue_run_post(viewer=firm.finance, company=firm.usd, year=2026, month=6)
    assert closed.value.code == "period_closed"
    assert not RevenueRun.objects.exists() and not JournalEntry.objects.filter(source_kind="revenue_run").exists()


def test_a_progress_measure_needs_a_plan(firm: Firm) -> None:
    from margin.contracts import actions as contracts
    from margin.projects import actions as projects

    project = projects.project_create(
        viewer=firm.admin,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="NP-1",
        name="No plan",
    )
    contract = contracts.contract_create(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        reference="NP",
        name="No plan",
        start_date=date(2026, 1, 1),
    )
    contracts.contract_project_add(viewer=firm.finance, contract=contract, project=project)
    line = contracts.billing_line_create(
        viewer=firm.finance, contract=contract, model="fixed", name="Fee", price_minor=100_000
    )
    with pytest.raises(Invalid) as refused:
        revenue.recognition_plan_set(viewer=firm.finance, line=line, method="hours")
    assert refused.value.code == "no_plan"
    with pytest.raises(Invalid):
        revenue.recognition_plan_set(viewer=firm.finance, line=line, method="delivered")
    plan = revenue.recognition_plan_set(viewer=firm.finance, line=line, method="on_completion")
    assert plan.method == "on_completion"
