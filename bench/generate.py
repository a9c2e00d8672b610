"""The benchmark firm: the peer harness's data set, replayed through Margin's real actions.

The data is pure arithmetic, copied from the peer harness (`../shared/anchors/tryton/bench_tryton.py`:
`project_rate`, `employee_cost`, `project_effort_hours`, `gen_line`, `expected_totals`), so both systems
load the same lines and must reach the same totals:

- P = 100 projects; project p bills `100 + 5*(p % 11)` an hour; its budget is `200 + 10*(p % 7)` hours;
- E = 50 employees; employee e costs `40 + 2*(e % 10)` an hour, from 2025-01-01;
- line i goes to project `i % P`, employee `(i*7 + i//P) % E`, on `2025-01-01 + (i*13 % 365)` days, for
  `15*(1 + (i*31) % 32)` minutes.

One difference, forced by a rule the peer does not have: Margin refuses more than 24 hours logged by
one person on one day, and at N = 100,000 the peer's data puts up to 42 hours on one employee-day
(7,911 employee-days exceed 24 h). So each of the 50 employees is staffed by as many identical
people ("shifts": same name with a suffix, same role, same cost rate) as that needs, and a line goes to
the first shift of its employee that still has room that day. Projects, dates, minutes, rates and
costs are those of the peer line for line, so every total is the peer's: 10,000 lines need 1 shift
(50 people), 100,000 need 2 (100 people).

Run by `bench/run.py` inside a configured Django process; it is not part of the test suite.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

N_PROJECTS = 100
N_EMPLOYEES = 50
DATE0 = date(2025, 1, 1)
MINUTES_PER_DAY = 24 * 60


# --- the peer's data set (same arithmetic as bench_tryton.py) -------------------------------------


def project_rate(p: int) -> Decimal:
    return Decimal(100 + 5 * (p % 11))


def employee_cost(e: int) -> Decimal:
    return Decimal(40 + 2 * (e % 10))


def project_effort_hours(p: int) -> int:
    return 200 + 10 * (p % 7)


def gen_line(i: int, n_projects: int = N_PROJECTS, n_employees: int = N_EMPLOYEES) -> tuple[int, int, date, int]:
    """The i-th line (0-based): (project, employee, date, minutes)."""
    project = i % n_projects
    employee = (i * 7 + i // n_projects) % n_employees
    day = DATE0 + timedelta(days=(i * 13) % 365)
    minutes = 15 * (1 + (i * 31) % 32)
    return project, employee, day, minutes


def expected_totals(n: int, n_projects: int = N_PROJECTS, n_employees: int = N_EMPLOYEES) -> dict[str, Decimal]:
    """The peer's `expected_totals`: what invoicing and profitability must come to."""
    minutes = [0] * n_projects
    cost = [Decimal(0)] * n_projects
    for i in range(n):
        p, e, _, m = gen_line(i, n_projects, n_employees)
        minutes[p] += m
        cost[p] += employee_cost(e) * Decimal(m) / 60
    cent = Decimal("0.01")
    amount = [(project_rate(p) * Decimal(minutes[p]) / 60).quantize(cent, ROUND_HALF_EVEN) for p in range(n_projects)]
    return {
        "lines": Decimal(n),
        "minutes": Decimal(sum(minutes)),
        "hours": Decimal(sum(minutes)) / 60,
        "amount": sum(amount, Decimal(0)),
        "cost": sum((c.quantize(cent, ROUND_HALF_EVEN) for c in cost), Decimal(0)),
    }


def assign_shifts(n: int) -> tuple[list[int], int]:
    """For each line, the shift of its employee that logs it (first with room that day), and the
    number of shifts needed, so that nobody logs more than 24 hours a day."""
    used: dict[tuple[int, date], list[int]] = defaultdict(list)
    shifts: list[int] = []
    for i in range(n):
        _, e, day, m = gen_line(i)
        bins = used[(e, day)]
        for k, total in enumerate(bins):
            if total + m <= MINUTES_PER_DAY:
                bins[k] += m
                shifts.append(k)
                break
        else:
            bins.append(m)
            shifts.append(len(bins) - 1)
    return shifts, max(shifts, default=0) + 1


# --- the firm, built through Margin's actions -----------------------------------------------------


@dataclass
class BenchFirm:
    admin: object  # margin.accounts.queries.Viewer
    company: object  # margin.accounts.models.Company
    project_ids: list[int]  # by project number
    task_ids: list[int]  # one task per project
    person_ids: list[list[int]]  # [shift][employee]


def build_firm(n_shifts: int, progress: Callable[[int], None] | None = None) -> BenchFirm:
    """One organisation and USD company, one role, 100 projects (one task, one role rate each) and
    50 × n_shifts people with cost rates, every one a member of every project. All through the actions,
    in one transaction (the setup is not what is measured)."""
    from django.contrib.auth.models import User
    from django.db import transaction

    from margin.accounts import actions as accounts
    from margin.accounts.queries import viewer_for
    from margin.contracts import actions as contracts
    from margin.contracts.models import Contract
    from margin.crm import actions as crm
    from margin.projects import actions as projects
    from margin.rates import actions as rates

    def tick(count: int = 1) -> None:
        if progress is not None:
            progress(count)

    with transaction.atomic():
        admin_user = User.objects.create_user(username="bench-admin", email="admin@bench.example")
        accounts.organisation_create(name="Bench Services", slug="bench", admin=admin_user)
        admin = viewer_for(admin_user)
        company = accounts.company_create(viewer=admin, name="Bench Services Inc", base_currency="USD")
        admin = viewer_for(admin_user)
        role = accounts.role_create(viewer=admin, name="Consultant")
        people = []
        for k in range(n_shifts):
            shift = []
            for e in range(N_EMPLOYEES):
                suffix = "" if k == 0 else f" ({chr(ord('a') + k)})"
                person = accounts.person_create(
                    viewer=admin,
                    company=company,
                    role=role,
                    name=f"Employee {e:03d}{suffix}",
                    email=f"employee{e:03d}.{k}@bench.example",
                )
                rates.cost_rate_set(viewer=admin, person=person, valid_from=DATE0, hourly_cost=employee_cost(e))
                shift.append(person)
                tick()
            people.append(shift)
        client = crm.client_create(viewer=admin, name="Customer", currency="USD")
        vat = contracts.tax_code_create(
            viewer=admin, company=company, code="VAT10", name="VAT 10 %", kind="standard", rate=Decimal(10)
        )
        project_ids, task_ids = [], []
        for p in range(N_PROJECTS):
            project = projects.project_create(
                viewer=admin,
                company=company,
                client=client,
                manager=people[0][0],
                code=f"P{p:03d}",
                name=f"Project {p:03d}",
                budget_minutes=project_effort_hours(p) * 60,
                budget_amount_minor=int(project_rate(p) * project_effort_hours(p) * 100),
            )
            contracts.bill_rate_set(
                viewer=admin, project=project, role=role, valid_from=DATE0, hourly_rate=project_rate(p)
            )
            # Every invoice line is taxed (10 % VAT), as a firm's would be.
            contracts.contract_update(
                viewer=admin, contract=Contract.objects.get(covered__project=project), tax_code_id=vat.pk
            )
            task = projects.task_create(viewer=admin, project=project, name="Work")
            for shift in people:
                for person in shift:
                    projects.project_member_add(viewer=admin, project=project, person=person)
            project_ids.append(project.pk)
            task_ids.append(task.pk)
            tick()
    return BenchFirm(
        admin=admin,
        company=company,
        project_ids=project_ids,
        task_ids=task_ids,
        person_ids=[[p.pk for p in shift] for shift in people],
    )


def import_rows(firm: BenchFirm, n: int, shifts: list[int]) -> list[object]:
    """The N lines as Margin import rows (margin.timesheets.actions.ImportRow)."""
    from margin.timesheets.actions import ImportRow

    rows: list[object] = []
    for i in range(n):
        p, e, day, minutes = gen_line(i)
        rows.append(
            ImportRow(
                project_id=firm.project_ids[p],
                task_id=firm.task_ids[p],
                person_id=firm.person_ids[shifts[i]][e],
                work_date=day,
                minutes=minutes,
                billable=True,
                note=f"Work item {i}",
            )
        )
    return rows
