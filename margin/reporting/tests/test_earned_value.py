"""Earned value of a project against its baseline: a hand-computed case."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from margin.core.errors import NotFound
from margin.projects import actions
from margin.projects.models import BaselineTask
from margin.rates import actions as rates
from margin.reporting.earned_value import project_earned_value
from margin.resourcing.actions import assignment_create
from margin.timesheets.actions import ImportRow, time_entries_import
from tests.firm import Firm

MONDAY = date(2026, 1, 5)


@pytest.fixture
def baselined(firm: Firm) -> Firm:
    """Design (Mon 5–Tue 6 Jan, baseline cost 1,000.00) → Build (Wed 7–Fri 9, 3,000.00); Design done, Build half."""
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=MONDAY)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=2 * 480)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=3 * 480)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.design, successor=firm.build)
    baseline = actions.baseline_save(viewer=firm.manager, project=firm.project, index=0)
    # Round costs set by hand (valued baselines: margin/rates/tests/test_costing.py).
    BaselineTask.objects.filter(baseline=baseline, task=firm.design).update(cost_minor=100_000)
    BaselineTask.objects.filter(baseline=baseline, task=firm.build).update(cost_minor=300_000)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, percent_complete=100)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, percent_complete=50)
    tom, lea, pid = firm.member_person.pk, firm.member2_person.pk, firm.project.pk
    rows = [
        ImportRow(pid, firm.design.pk, tom, date(2026, 1, 5), 480),  # 8 h at 40.00 = 320.00
        ImportRow(pid, firm.build.pk, tom, date(2026, 1, 7), 480),  # 320.00
        ImportRow(pid, firm.build.pk, tom, date(2026, 1, 8), 480),  # after the status date
        ImportRow(pid, None, tom, date(2026, 1, 6), 60),  # no task: 40.00 in the project's AC only
    ]
    time_entries_import(viewer=firm.admin, rows=rows, approved=True)
    time_entries_import(viewer=firm.admin, rows=[ImportRow(pid, firm.build.pk, lea, date(2026, 1, 7), 240)])  # draft
    return firm


def test_earned_value_by_hand(baselined: Firm) -> None:
    ev = project_earned_value(baselined.project, baseline_index=0, status_date=date(2026, 1, 7))
    assert ev.currency == "USD"
    figures = {task.pk: f for task, f in ev.tasks}
    design, build = figures[baselined.design.pk], figures[baselined.build.pk]
    assert (design.bac, design.pv, design.ev, design.ac) == (100_000, 100_000, 100_000, 32_000)
    assert (design.sv, design.cv, design.spi, design.cpi) == (0, 68_000, Decimal("1"), Decimal("3.125"))
    assert (design.eac, design.etc, design.vac, design.tcpi) == (32_000, 0, 68_000, Decimal("0"))
    # Build: one of its three baseline days is planned by the end of 7 January.
    assert (build.bac, build.pv, build.ev, build.ac) == (300_000, 100_000, 150_000, 32_000)
    project = ev.project
    assert ev.unassigned_ac_minor == 4_000
    assert (project.bac, project.pv, project.ev, project.ac) == (400_000, 200_000, 250_000, 68_000)
    assert (project.sv, project.cv) == (50_000, 182_000)
    assert project.spi == Decimal("1.25")
    assert project.cpi == Decimal("3.6765")  # 250,000 / 68,000
    assert project.eac == 108_800  # 400,000 × 68,000 / 250,000
    assert (project.etc, project.vac) == (40_800, 291_200)
    assert project.tcpi == Decimal("0.4518")  # 150,000 / 332,000


def test_earned_value_before_any_work(baselined: Firm) -> None:
    ev = project_earned_value(baselined.project, baseline_index=0, status_date=date(2026, 1, 4))
    assert (ev.project.pv, ev.project.ac) == (0, 0)
    assert ev.project.spi is None and ev.project.eac is None


def test_missing_baseline_is_not_found(baselined: Firm) -> None:
    with pytest.raises(NotFound, match="Baseline 3"):
        project_earned_value(baselined.project, baseline_index=3, status_date=date(2026, 1, 7))


def test_earned_value_has_money_with_a_valued_baseline(firm: Firm) -> None:
    f = firm
    _plan_with_a_raise(f)
    assignment_create(viewer=f.manager, task=f.design, person=f.member_person)
    assignment_create(viewer=f.manager, task=f.build, person=f.member_person)
    rates.baseline_save_valued(viewer=f.manager, project=f.project, index=0)
    actions.task_schedule_update(viewer=f.manager, task=f.design, percent_complete=50)
    row = ImportRow(f.project.pk, f.design.pk, f.member_person.pk, date(2026, 1, 5), 480)  # 8 h at 40.00
    time_entries_import(viewer=f.admin, rows=[row], approved=True)
    ev = project_earned_value(f.project, baseline_index=0, status_date=date(2026, 1, 16))
    # BAC = 1,600.00 + 6,000.00; by 16 Jan, 10 of Design's 20 days are planned (800.00) and half is done.
    assert ev.project.bac == 760_000
    assert ev.project.pv == 80_000
    assert ev.project.ev == 80_000
    assert ev.project.ac == 32_000
    assert ev.project.spi == Decimal("1")
    assert ev.project.cpi == Decimal("2.5")


def _plan_with_a_raise(f: Firm) -> None:
    """Design: 20 days from Mon 5 Jan; Build after it, from Mon 2 Feb. Tom's cost goes 40 → 50 on 1 Feb."""
    actions.project_update(viewer=f.manager, project=f.project, start_date=MONDAY)
    actions.task_schedule_update(viewer=f.manager, task=f.design, duration_minutes=20 * 480)
    actions.task_schedule_update(viewer=f.manager, task=f.build, duration_minutes=10 * 480)
    actions.dependency_create(viewer=f.manager, predecessor=f.design, successor=f.build)
    rates.cost_rate_set(viewer=f.admin, person=f.member_person, valid_from=date(2026, 2, 1), hourly_cost=Decimal("50"))
