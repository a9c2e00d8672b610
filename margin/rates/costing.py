"""Planned cost of a project's tasks: planned work valued at the cost rate of whoever does it (as MS Project).

Queries level: nothing here writes. A baseline stores these costs (``margin.rates.actions.baseline_save_valued``)
and earned value spreads them (``margin.reporting.earned_value``).

Rules, per **leaf** task (summary tasks are rolled up by the scheduling engine, their own values are ignored):

- The task's planned work is its ``estimate_minutes``. It is split across the task's assignments in proportion
  to their units (a person at 100 % and a person at 50 % do 2/3 and 1/3 of it).
- A **person** is valued at their cost rate (``CostRate``, dated) on the day the task starts: its scheduled
  ``start`` (local date), else its ``planned_start``, else the project's start.
- A **pool** with a role is valued at the mean cost rate, on that day, of the active people with that role in the
  project's company who have one (in the project's currency). A pool without a role, or with nobody costed,
  cannot be valued.
- Nobody (no assignment, no assignee), no cost rate on that day, or a rate in another currency than the
  project's (there are no exchange rates yet): that share is valued at 0 and the task is listed in
  :attr:`PlannedCosts.unvalued` with the reason, so screens can say "unvalued" rather than show a false zero.
- The cost of a task is summed exactly and rounded **once** to the project currency's minor unit
  (ROUND_HALF_UP, ``margin.core.money``).

Set-based: four queries whatever the size of the project (tasks, assignments, pool people, cost rates).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from margin.accounts.models import Person
from margin.core.money import Money
from margin.projects.models import Project, Task
from margin.projects.planning import project_start_of, to_local
from margin.rates.queries import cost_rates_by_person
from margin.rates.rules import DatedRate, latest_on

NOBODY = "nobody is assigned"
NO_RATE = "no cost rate"
OTHER_CURRENCY = "cost rate in another currency"
POOL_UNCOSTED = "pool without costed people"


@dataclass(frozen=True)
class PlannedCosts:
    """Each leaf task's planned cost (minor units, project currency) and why some could not be valued."""

    currency: str
    costs: dict[int, int]
    unvalued: dict[int, str] = field(default_factory=dict)  # task id → reason (the first found)

    @property
    def total(self) -> int:
        return sum(self.costs.values())


@dataclass(frozen=True)
class _Share:
    units: int
    person_id: int | None = None
    pool_role_id: int | None = None  # a pool with a role
    pool: bool = False


def _start_day(task: Task, fallback: date) -> date:
    start = to_local(task.start)
    if start is not None:
        return start.date()
    return task.planned_start or fallback


def _rate_of(rates: list[DatedRate], day: date, currency: str) -> tuple[Decimal | None, str | None]:
    row = latest_on(rates, day)
    if row is None:
        return None, NO_RATE
    if row.currency is not None and row.currency != currency:
        return None, OTHER_CURRENCY
    return row.rate, None


def planned_costs(project: Project, *, tasks: list[Task] | None = None) -> PlannedCosts:
    """The planned cost of every leaf task of ``project`` (``tasks``: its rows, already loaded)."""
    rows = tasks if tasks is not None else list(Task.objects.filter(project=project))
    return _planned([project], rows)[project.pk]


def planned_costs_many(projects: list[Project]) -> dict[int, PlannedCosts]:
    """`planned_costs` of many projects in the same four queries (the revenue run values every contract's plan)."""
    if not projects:
        return {}
    return _planned(projects, list(Task.objects.filter(project__in=projects)))


def _planned(projects: list[Project], rows: list[Task]) -> dict[int, PlannedCosts]:
    parents = {t.parent_id for t in rows if t.parent_id is not None}
    leaves: dict[int, list[Task]] = defaultdict(list)
    for t in rows:
        if t.pk not in parents:
            leaves[t.project_id].append(t)
    shares: dict[int, list[_Share]] = defaultdict(list)
    # Assignments belong to resourcing, above this app: read through the task's relation (ADR 0032).
    assignments = Task.objects.filter(project__in=projects, assignments__isnull=False).values_list(
        "id", "assignments__person_id", "assignments__pool_id", "assignments__pool__role_id", "assignments__units"
    )
    for task_id, person_id, pool_id, role_id, units in assignments.order_by("assignments__id"):
        if person_id is not None:
            shares[task_id].append(_Share(units, person_id=person_id))
        elif pool_id is not None:
            shares[task_id].append(_Share(units, pool_role_id=role_id, pool=True))
    role_ids = {s.pool_role_id for ss in shares.values() for s in ss if s.pool_role_id is not None}
    role_people: dict[tuple[int, int], list[int]] = defaultdict(list)  # (company, role) → people
    if role_ids:
        people = Person.objects.filter(
            company_id__in={p.company_id for p in projects}, role_id__in=role_ids, active=True
        ).values_list("company_id", "role_id", "id")
        for company_id, role_id, person_id in people.order_by("id"):
            role_people[(company_id, role_id)].append(person_id)
    person_ids = {s.person_id for ss in shares.values() for s in ss if s.person_id is not None}
    person_ids |= {p for ids in role_people.values() for p in ids}
    rates = cost_rates_by_person(person_ids) if person_ids else {}
    return {project.pk: _value(project, leaves.get(project.pk, []), shares, role_people, rates) for project in projects}


def _value(
    project: Project,
    leaves: list[Task],
    shares: dict[int, list[_Share]],
    role_people: dict[tuple[int, int], list[int]],
    rates: dict[int, list[DatedRate]],
) -> PlannedCosts:
    currency = project.currency
    fallback = project_start_of(project)
    costs: dict[int, int] = {}
    unvalued: dict[int, str] = {}
    for task in leaves:
        task_shares = shares.get(task.pk, [])
        work = task.estimate_minutes
        if not task_shares:
            costs[task.pk] = 0
            if work > 0:
                unvalued[task.pk] = NOBODY
            continue
        day = _start_day(task, fallback)
        total_units = sum(s.units for s in task_shares)
        amount = Decimal(0)
        for share in task_shares:
            if share.person_id is not None:
                rate, problem = _rate_of(rates.get(share.person_id, []), day, currency)
            elif share.pool_role_id is not None:
                pool = role_people.get((project.company_id, share.pool_role_id), [])
                found = [_rate_of(rates.get(p, []), day, currency)[0] for p in pool]
                known = [r for r in found if r is not None]
                rate, problem = (sum(known, Decimal(0)) / len(known), None) if known else (None, POOL_UNCOSTED)
            else:
                rate, problem = None, POOL_UNCOSTED
            if rate is None:
                if work > 0:
                    unvalued.setdefault(task.pk, problem or NO_RATE)
                continue
            # work × units share × hourly rate / 60, exact until the one rounding below
            amount += Decimal(work) * share.units * rate / (Decimal(total_units) * 60)
        costs[task.pk] = Money(amount, currency).to_minor()
    return PlannedCosts(currency, costs, unvalued)


def planned_task_costs(project: Project) -> dict[int, int]:
    """Each leaf task's planned cost in minor units of the project's currency (0 when it cannot be valued)."""
    return planned_costs(project).costs
