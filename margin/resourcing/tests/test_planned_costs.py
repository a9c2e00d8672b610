"""Planned cost of tasks (work × cost rate of whoever does it) and baselines saved with it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from margin.core.errors import Forbidden
from margin.projects import actions as projects
from margin.projects.models import Baseline, BaselineTask, Task
from margin.rates import actions as rates
from margin.rates.costing import NO_RATE, NOBODY, OTHER_CURRENCY, POOL_UNCOSTED, planned_costs, planned_task_costs
from margin.resourcing.actions import assignment_create, resource_pool_create
from margin.resourcing.models import Assignment
from tests.checks import refused
from tests.firm import Firm

MONDAY = date(2026, 1, 5)


@pytest.fixture
def planned(firm: Firm) -> Firm:
    """Design: 20 days from Mon 5 Jan; Build after it, from Mon 2 Feb. Tom's cost goes 40 → 50 on 1 Feb."""
    projects.project_update(viewer=firm.manager, project=firm.project, start_date=MONDAY)
    projects.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=20 * 480)
    projects.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=10 * 480)
    projects.dependency_create(viewer=firm.manager, predecessor=firm.design, successor=firm.build)
    rates.cost_rate_set(
        viewer=firm.admin, person=firm.member_person, valid_from=date(2026, 2, 1), hourly_cost=Decimal("50")
    )
    return firm


def test_a_person_is_valued_at_the_rate_of_the_day_the_task_starts(planned: Firm) -> None:
    f = planned
    assignment_create(viewer=f.manager, task=f.design, person=f.member_person)
    assignment_create(viewer=f.manager, task=f.build, person=f.member_person)
    costs = planned_task_costs(f.project)
    assert costs[f.design.pk] == 40 * 40_00  # 40 h at 40.00 (started 5 Jan)
    assert costs[f.build.pk] == 120 * 50_00  # 120 h at 50.00 (starts 2 Feb, after the raise)


def test_work_is_split_across_assignments_by_units(planned: Firm) -> None:
    f = planned
    assignment_create(viewer=f.manager, task=f.design, person=f.member_person, units=100)  # tom 40.00
    assignment_create(viewer=f.manager, task=f.design, person=f.member2_person, units=50)  # lea 45.00
    # 40 h: tom does 2/3 (26.67 h × 40) and lea 1/3 (13.33 h × 45) = 1,066.67 + 600.00 = 1,666.67
    assert planned_task_costs(f.project)[f.design.pk] == 166_667


def test_a_task_is_rounded_once_not_per_assignment(planned: Firm) -> None:
    f = planned
    task = projects.task_create(viewer=f.manager, project=f.project, name="Call", estimate_minutes=1)
    for person in (f.member_person, f.member2_person, f.manager_person):
        assignment_create(viewer=f.manager, task=task, person=person)
    # 1/3 minute each at 40, 45 and 60 an hour: 0.2222 + 0.25 + 0.3333 = 0.8056 → 0.81 (per share: 0.80)
    assert planned_task_costs(f.project)[task.pk] == 81


def test_a_role_pool_is_valued_at_the_mean_rate_of_its_people(planned: Firm) -> None:
    f = planned
    pool = resource_pool_create(viewer=f.admin, name="Consultants", max_units=300, role_id=f.consultant.pk)
    assignment_create(viewer=f.manager, task=f.design, pool=pool, units=200)
    # Consultants in Acme US with a cost rate on 5 Jan: Tom 40, Lea 45 (Finn has none) → 42.50; units do not
    # change the work (40 h), only how it is shared.
    assert planned_task_costs(f.project)[f.design.pk] == 40 * 42_50


def test_the_person_handed_the_card_is_costed(planned: Firm) -> None:
    """Handing a task to someone on the board assigns them (ADR 0011), so costing values their work."""
    f = planned
    projects.task_board_move(viewer=f.manager, task=f.design, status="todo", position=0, assignee=f.manager_person)
    assert planned_task_costs(f.project)[f.design.pk] == 40 * 60_00


def test_unvalued_tasks_are_zero_and_say_why(planned: Firm) -> None:
    f = planned
    empty_pool = resource_pool_create(viewer=f.admin, name="Equipment", kind="equipment")
    assignment_create(viewer=f.manager, task=f.build, pool=empty_pool)
    result = planned_costs(f.project)
    assert result.costs == {f.design.pk: 0, f.build.pk: 0}
    assert result.unvalued == {f.design.pk: NOBODY, f.build.pk: POOL_UNCOSTED}


def test_a_person_without_a_rate_or_in_another_currency_is_unvalued(planned: Firm) -> None:
    f = planned
    rates.cost_rate_set(viewer=f.admin, person=f.member2_person, valid_from=date(2026, 1, 1), hourly_cost=Decimal(1))
    f.member2_person.company = f.eur
    f.member2_person.save()
    rates.cost_rate_set(viewer=f.admin, person=f.member2_person, valid_from=date(2026, 1, 2), hourly_cost=Decimal(9))
    assignment_create(viewer=f.manager, task=f.design, person=f.member_person)
    assignment_create(viewer=f.manager, task=f.design, person=f.member2_person)  # EUR rate on 5 Jan
    new = projects.task_create(viewer=f.manager, project=f.project, name="Later", estimate_minutes=60)
    Task.objects.filter(pk=new.pk).update(planned_start=date(2019, 6, 1), start=None)
    Assignment.objects.create(task=new, person=f.member_person)
    result = planned_costs(f.project)
    assert result.costs[f.design.pk] == 20 * 40_00  # Tom's half only
    assert result.unvalued[f.design.pk] == OTHER_CURRENCY
    assert result.costs[new.pk] == 0 and result.unvalued[new.pk] == NO_RATE  # before Tom's first rate (2020)


def test_costs_take_a_fixed_number_of_queries(planned: Firm, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    f = planned
    pool = resource_pool_create(viewer=f.admin, name="Consultants", role_id=f.consultant.pk)
    for n in range(20):
        task = projects.task_create(viewer=f.manager, project=f.project, name=f"T{n}", estimate_minutes=60)
        assignment_create(viewer=f.manager, task=task, person=f.member_person if n % 2 else f.member2_person)
        assignment_create(viewer=f.manager, task=task, pool=pool)
    with django_assert_max_num_queries(4):
        result = planned_costs(f.project)
    assert len(result.costs) == 22


def test_a_valued_baseline_stores_costs_and_rolls_them_up(planned: Firm) -> None:
    f = planned
    phase = projects.task_create(viewer=f.manager, project=f.project, name="Phase")
    Task.objects.filter(pk__in=[f.design.pk, f.build.pk]).update(parent=phase)
    projects.project_reschedule(viewer=f.manager, project=f.project)
    assignment_create(viewer=f.manager, task=f.design, person=f.member_person)
    assignment_create(viewer=f.manager, task=f.build, person=f.member2_person)
    baseline = rates.baseline_save_valued(viewer=f.manager, project=f.project, index=0, name="Signed off")
    rows = dict(BaselineTask.objects.filter(baseline=baseline).values_list("task_id", "cost_minor"))
    assert rows[f.design.pk] == 160_000 and rows[f.build.pk] == 120 * 45_00
    assert rows[phase.pk] == 160_000 + 540_000  # the summary rolls its children up
    assert baseline.cost_minor == 700_000


def test_a_member_cannot_save_a_valued_baseline(planned: Firm) -> None:
    with refused(Forbidden):
        rates.baseline_save_valued(viewer=planned.member, project=planned.project)
    assert not Baseline.objects.exists()
