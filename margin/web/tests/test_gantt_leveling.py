"""The plan page's leveling buttons and earned-value card."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.projects import actions
from margin.projects.models import BaselineTask, Task
from margin.rates.actions import baseline_save_valued
from margin.resourcing.actions import assignment_create
from margin.timesheets.actions import ImportRow, time_entries_import
from tests.firm import Firm


def _page(client: Client, firm: Firm) -> str:
    response = client.get(reverse("web:project_gantt", args=[firm.project.pk]))
    assert response.status_code == 200
    return str(response.content.decode())


def test_manager_sees_the_leveling_buttons_member_does_not(sign_in: Callable[[User], Client], firm: Firm) -> None:
    html = _page(sign_in(firm.manager_user), firm)
    assert 'data-testid="level-resources"' in html and 'data-testid="level-optimise"' in html
    assert "web/leveling.js" in html and 'data-testid="leveling-accept"' in html
    member = _page(sign_in(firm.member_user), firm)
    assert 'data-testid="level-resources"' not in member


def test_earned_value_card_only_with_a_baseline(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.manager_user)
    assert 'data-testid="earned-value"' not in _page(client, firm)
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=date(2026, 1, 5))
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=960)
    baseline = actions.baseline_save(viewer=firm.manager, project=firm.project, index=0)
    BaselineTask.objects.filter(baseline=baseline, task=firm.design).update(cost_minor=100_000)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, percent_complete=50)
    row = ImportRow(firm.project.pk, firm.design.pk, firm.member_person.pk, date(2026, 1, 5), 480)  # 320.00 cost
    time_entries_import(viewer=firm.admin, rows=[row], approved=True)
    html = _page(client, firm)
    assert 'data-testid="earned-value"' in html
    # Today is after the baseline: PV 1,000.00, EV 500.00, AC 320.00.
    assert 'data-testid="ev-spi">0.5000<' in html
    assert 'data-testid="ev-cpi">1.5625<' in html
    assert 'data-testid="ev-eac">640.00 USD<' in html
    assert 'data-testid="ev-vac">360.00 USD<' in html
    assert 'data-testid="ev-bac">1,000.00 USD<' in html
    assert 'data-testid="ev-pv">1,000.00 USD<' in html
    assert 'data-testid="ev-ev">500.00 USD<' in html
    assert 'data-testid="ev-ac">320.00 USD<' in html
    # Build has 120 h of work and no cost in this baseline: the card says so.
    assert 'data-testid="ev-unvalued"' in html and "1 task of this baseline has planned work" in html


def test_earned_value_card_with_a_valued_baseline(sign_in: Callable[[User], Client], firm: Firm) -> None:
    """Saved through the rates layer, the baseline has every task's cost: no unvalued warning."""
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=date(2026, 1, 5))
    assignment_create(viewer=firm.manager, task=firm.design, person=firm.member_person)  # 40 h at 40.00
    assignment_create(viewer=firm.manager, task=firm.build, person=firm.member2_person)  # 120 h at 45.00
    baseline_save_valued(viewer=firm.manager, project=firm.project, index=0)
    html = _page(sign_in(firm.manager_user), firm)
    assert 'data-testid="ev-bac">7,000.00 USD<' in html
    assert 'data-testid="ev-unvalued"' not in html


def test_the_screens_of_a_project_without_tasks_answer(sign_in: Callable[[User], Client], firm: Firm) -> None:
    # A project with no tasks used to fail (IndexError in the scheduling engine) wherever the plan was scheduled.
    Task.objects.filter(project=firm.project).delete()
    client = sign_in(firm.manager_user)
    assert 'data-testid="level-resources"' in _page(client, firm)
    for name in ("project", "project_board", "project_tasks"):
        response = client.get(reverse(f"web:{name}", args=[firm.project.pk]))
        assert response.status_code == 200, name
