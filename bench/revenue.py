"""The month-end revenue run at scale, on SQLite and PostgreSQL (not part of `make test`).

    .venv/bin/python bench/revenue.py                                # both databases, the issue's sizes
    .venv/bin/python bench/revenue.py --backends sqlite --contracts 200 --entries 100000
    make bench-revenue BENCH_ARGS="--backends postgresql"

For each backend a fresh process with a fresh database builds the test firm (tests/firm.py) and ``--contracts``
contracts, each covering a project of its own with a planned task assigned to one of the firm's people (so the
plan has a cost): half fixed fees recognised cost to cost, three in ten time and materials, one in five
monthly retainers. It loads ``--entries`` approved time entries spread over the projects and the twelve months
before the run's month with one ``INSERT … SELECT`` (the database's own guards and running totals work as they
do for any write), and one fixed-fee instalment invoice per fixed contract. Then it times, once each (wall
seconds, this process's CPU seconds, the 1-minute load average):

- ``preview``: `revenue.runs.run_preview` for the month — every line's recognition (target < 10 s);
- ``run``: `revenue.actions.revenue_run_post` for the month — the same reads, the stored figures and the
  journal entry (target < 10 s);
- ``next_run``: the following month's run, which also reads the previous run's figures.

Checks: every contract line has its figures, the journal entry balances and the chain verifies; the fixed fees'
recognised revenue equals price × cost to date ÷ estimated cost, recomputed here from the loaded figures.
Results: printed, and bench/results/revenue.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import add_backend_options, as_child, once, run_backends, server_version  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/margin_bench_revenue"
SQLITE_URL = "sqlite:////tmp/margin-bench/revenue.sqlite3"
RESULTS = ROOT / "bench" / "results"
TARGET_S = 10.0
RUN_MONTH = (2026, 10)


def _contracts(firm: Any, n: int) -> list[Any]:
    """`n` projects, each with a planned task assigned to a costed person and a contract of its own."""
    from margin.contracts.models import BillingLine, Contract, CoveredProject
    from margin.projects.models import Assignment, Project, ProjectMember, Task

    company, client = firm.usd, firm.client
    people = [firm.member_person, firm.member2_person, firm.manager_person]
    projects = Project.objects.bulk_create(
        [
            Project(
                organisation_id=company.organisation_id,
                company=company,
                client=client,
                code=f"R-{i:04d}",
                name=f"Revenue bench {i}",
                currency=company.base_currency,
                manager=firm.manager_person,
                start_date=date(2025, 10, 1),
            )
            for i in range(n)
        ]
    )
    ProjectMember.objects.bulk_create(
        [ProjectMember(project=p, person=people[i % 3]) for i, p in enumerate(projects)], ignore_conflicts=True
    )
    tasks = Task.objects.bulk_create(
        [Task(project=p, name="Delivery", estimate_minutes=(600 + i % 400) * 60) for i, p in enumerate(projects)]
    )
    Assignment.objects.bulk_create([Assignment(task=t, person=people[i % 3]) for i, t in enumerate(tasks)])
    contracts = Contract.objects.bulk_create(
        [
            Contract(
                organisation_id=company.organisation_id,
                company=company,
                client=client,
                reference=f"RC-{i:04d}",
                name=f"Contract {i}",
                currency=company.base_currency,
                start_date=date(2025, 10, 1),
            )
            for i in range(n)
        ]
    )
    CoveredProject.objects.bulk_create(
        [CoveredProject(contract=c, project=p) for c, p in zip(contracts, projects, strict=True)]
    )
    lines = []
    for i, contract in enumerate(contracts):
        kind = i % 10
        if kind < 5:
            lines.append(BillingLine(contract=contract, model="fixed", name="Fee", price_minor=5_000_000 + i * 1_000))
        elif kind < 8:
            lines.append(BillingLine(contract=contract, model="time", name="Time"))
        else:
            lines.append(
                BillingLine(
                    contract=contract,
                    model="retainer",
                    name="Retainer",
                    allowance=20 * 60,
                    fee_minor=300_000,
                    start_date=date(2025, 10, 1),
                )
            )
    BillingLine.objects.bulk_create(lines)
    return projects


def _entries(firm: Any, projects: list[Any], n: int) -> None:
    """`n` approved entries: entry k on project k mod P, person k mod 3, day k mod 365 before the run's month."""
    from django.db import connection

    from margin.timesheets.models import TimeEntry

    first_project = projects[0].pk
    assert [p.pk for p in projects] == list(range(first_project, first_project + len(projects)))
    from margin.projects.models import Task

    first_task = Task.objects.filter(project_id=first_project).values_list("pk", flat=True).get()
    people = [firm.member_person.pk, firm.member2_person.pk, firm.manager_person.pk]
    costs = [4000, 4500, 6000]  # cents an hour (tests/firm.py)
    start = date(RUN_MONTH[0], RUN_MONTH[1], 1)
    pg = connection.vendor == "postgresql"
    day = "(%s::date - 1 - (s.n %% 365))" if pg else "date(%s, '-1 day', '-' || (s.n %% 365) || ' days')"
    person = f"CASE s.n %% 3 WHEN 0 THEN {people[0]} WHEN 1 THEN {people[1]} ELSE {people[2]} END"
    cost = f"CASE s.n %% 3 WHEN 0 THEN {costs[0]} WHEN 1 THEN {costs[1]} ELSE {costs[2]} END"
    minutes = "(60 + (s.n %% 8) * 30)"
    now = datetime.now().astimezone()
    written: dict[str, tuple[str, list[Any]]] = {
        "organisation_id": ("%s", [firm.usd.organisation_id]),
        "company_id": ("%s", [firm.usd.pk]),
        "project_id": (f"({first_project} + s.n %% {len(projects)})", []),
        "task_id": (f"({first_task} + s.n %% {len(projects)})", []),
        "person_id": (person, []),
        "work_date": (day, [start]),
        "minutes": (minutes, []),
        "billable": ("TRUE" if pg else "1", []),
        "billable_minutes": (minutes, []),
        "status": ("'approved'", []),
        "bill_rate": ("100", []),
        "bill_amount_minor": (f"({minutes} * 10000 / 60)", []),
        "cost_rate": (f"({cost} / 100)", []),
        "cost_amount_minor": (f"({minutes} * {cost} / 60)", []),
        "currency": ("%s", [firm.usd.base_currency]),
        "created_at": ("%s", [now]),
        "updated_at": ("%s", [now]),
        "decided_at": ("%s", [now]),
    }
    columns, expressions, params = [], [], []
    for field in TimeEntry._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in written:
            expression, values = written[field.column]
            expressions.append(expression)
            params.extend(values)
        elif field.null:
            expressions.append("NULL")
        else:
            expressions.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (
        "WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < %s) "
        f"INSERT INTO {TimeEntry._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(expressions)} FROM s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [n - 1, *params])


def measure(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.fresh import django_on

    url = SQLITE_URL if backend == "sqlite" else args.pg_url
    django_on(url)
    from django.db import connection, transaction

    from margin.books.chain import ledger_verify
    from margin.revenue import actions
    from margin.revenue.models import RevenueLine
    from margin.revenue.runs import run_preview
    from tests.firm import build_firm

    rec: dict[str, Any] = {"backend": backend, "contracts": args.contracts, "entries": args.entries}
    rec["server_version"] = server_version()
    firm = build_firm()
    t0 = time.perf_counter()
    with transaction.atomic():
        projects = _contracts(firm, args.contracts)
        _entries(firm, projects, args.entries)
    rec["load_s"] = round(time.perf_counter() - t0, 1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    year, month = RUN_MONTH
    start, end = actions.month_of(year, month)
    preview, rec["preview"] = once(lambda: run_preview(firm.usd, period_start=start, period_end=end))
    run, rec["run"] = once(
        lambda: actions.revenue_run_post(viewer=firm.finance, company=firm.usd, year=year, month=month)
    )
    _, rec["next_run"] = once(
        lambda: actions.revenue_run_post(viewer=firm.finance, company=firm.usd, year=year, month=month + 1)
    )
    lines = RevenueLine.objects.filter(run=run).count()
    fixed_ok = all(
        line.result.recognised_minor
        == (
            (line.result.price_minor or 0) * line.figures.inputs.cost_to_date_minor * 2
            + (line.figures.inputs.estimated_cost_minor or 1)
        )
        // (2 * (line.figures.inputs.estimated_cost_minor or 1))
        for line in preview.lines
        if line.figures.inputs.method == "cost_to_cost" and line.figures.inputs.estimated_cost_minor
    )
    rec["lines"] = lines
    rec["recognised_minor"] = preview.recognised_period_minor
    rec["problems"] = preview.problems[:5]
    checks = {
        "every_line": lines >= args.contracts,
        "fixed_fees": fixed_ok,
        "chain": ledger_verify(firm.usd.pk).intact,
        "journal": run.entry_id is not None,
    }
    rec["check"] = "ok" if all(checks.values()) else f"FAILED {checks}"
    return rec


def _row(r: dict[str, Any]) -> str:
    def cell(key: str) -> str:
        mark = "✓" if r[key]["wall_s"] < TARGET_S else "✗"
        return f"{r[key]['wall_s']:.2f} s (CPU {r[key]['cpu_s']:.2f}, load {r[key]['load']:.1f}) {mark}"

    return (
        f"| {r['backend']} {r['server_version']} | {r['contracts']:,} | {r['entries']:,} | {cell('preview')} "
        f"| {cell('run')} | {cell('next_run')} | {r['load_s']:.0f} | {r['check']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=1_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    add_backend_options(parser, DEFAULT_PG_URL)
    args = parser.parse_args()
    os.environ["DEBUG"] = "0"
    if as_child(args, measure):
        return
    runs = run_backends(
        __file__,
        args,
        passed=["contracts", "entries"],
        title=lambda b: f"== revenue run on {b}: {args.contracts:,} contracts, {args.entries:,} entries",
    )
    lines = [
        "# The month-end revenue run",
        "",
        f"`{' '.join(['bench/revenue.py', *sys.argv[1:]])}` on {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} "
        f"CPUs, Python {platform.python_version()}. Wall seconds (this process's CPU seconds, 1-minute load "
        f"average), once each; ✓: under the issue's {TARGET_S:.0f} s.",
        "",
        "| backend | contracts | time entries | preview | run | next month's run | load s | check |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        *[_row(r) for r in runs],
        "",
    ]
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "revenue.json").write_text(json.dumps(runs, indent=1, default=str))
    (RESULTS / "revenue.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
