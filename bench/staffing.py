"""Optimal staffing at scale, on SQLite and PostgreSQL (not part of `make test`).

    .venv/bin/python bench/staffing.py                               # both databases, the issue's sizes
    .venv/bin/python bench/staffing.py --backends sqlite --people 200 --requests 50
    make bench-staffing BENCH_ARGS="--backends postgresql"

For each backend a fresh process with a fresh database builds the test firm (tests/firm.py), ``--people`` people
(3 to 6 of 20 skills each at levels 1–5, a cost rate each) with soft and hard bookings over the next twelve weeks
(most people 40–90 % booked, some free), and ``--requests`` open staffing requests on the firm's project (one
to six weeks in the coming twelve, 4 or 8 hours a day, one to three skills at levels 2–4, priorities 1–4). Then
it times, once each (wall seconds, this process's CPU seconds, the 1-minute load average):

- ``solve``: :func:`margin.resourcing.jobs.staffing_solve` — the job's code path without the web: the set-based
  read of every candidate (skills, free time, cost, targets) and CP-SAT under its deterministic effort
  (target < 10 s), with the objective, the bound and the optimality gap;
- ``accept``: :func:`margin.resourcing.actions.staffing_plan_accept` — every chosen person booked hard in one
  transaction, each booking checked against capacity.

Checks: the answer keeps everyone within their free time (recomputed by the optimiser's own ``feasible``), and
after accepting no one's hard bookings exceed their capacity on any day.
Results: printed, and bench/results/staffing.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import add_backend_options, as_child, once, run_backends, server_version  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/margin_bench_staffing"
SQLITE_URL = "sqlite:////tmp/margin-bench/staffing.sqlite3"
RESULTS = ROOT / "bench" / "results"
TARGET_S = 10.0
SKILLS = 20


def _monday() -> date:
    today = date.today()
    return today - timedelta(days=today.weekday()) + timedelta(days=7)


def _world(firm: Any, people: int, requests: int, rng: random.Random) -> list[Any]:
    from margin.accounts.models import Person
    from margin.rates.models import CostRate
    from margin.resourcing.models import (
        Booking,
        PersonSkill,
        RequestSkill,
        Skill,
        SkillCategory,
        StaffingRequest,
    )

    org = firm.usd.organisation_id
    category = SkillCategory.objects.create(organisation_id=org, name="Bench")
    skills = Skill.objects.bulk_create(
        [Skill(organisation_id=org, category=category, name=f"Skill {i:02d}") for i in range(SKILLS)]
    )
    roles = [firm.consultant, firm.senior]
    staff = Person.objects.bulk_create(
        [
            Person(
                organisation_id=org,
                company=firm.usd,
                name=f"Bench person {i:04d}",
                email=f"bench{i}@example.test",
                role=roles[i % 2],
            )
            for i in range(people)
        ]
    )
    CostRate.objects.bulk_create(
        [
            CostRate(
                organisation_id=org,
                person=p,
                valid_from=date(2020, 1, 1),
                hourly_cost=Decimal(rng.randint(40, 120)),
                currency="USD",
            )
            for p in staff
        ]
    )
    PersonSkill.objects.bulk_create(
        [
            PersonSkill(organisation_id=org, person=p, skill=s, level=rng.randint(1, 5))
            for p in staff
            for s in rng.sample(skills, rng.randint(3, 6))
        ]
    )
    start = _monday()
    bookings = []
    for p in staff:
        load = rng.choice([0, 0, 120, 240, 240, 360, 360, 420])
        if load:
            first = start + timedelta(days=rng.randint(0, 20))
            bookings.append(
                Booking(
                    organisation_id=org,
                    project=firm.project,
                    person=p,
                    role=p.role,
                    first_day=first,
                    last_day=first + timedelta(days=rng.randint(14, 70)),
                    unit="hours",
                    minutes_per_day=load,
                    kind=rng.choice(["hard", "hard", "soft"]),
                )
            )
    Booking.objects.bulk_create(bookings)
    asked = StaffingRequest.objects.bulk_create(
        [
            StaffingRequest(
                organisation_id=org,
                project=firm.project,
                role=rng.choice(roles),
                first_day=(first := start + timedelta(days=7 * rng.randint(0, 10))),
                last_day=first + timedelta(days=7 * rng.randint(1, 6) - 3),
                minutes_per_day=rng.choice([240, 480, 480]),
                priority=rng.randint(1, 4),
            )
            for _ in range(requests)
        ]
    )
    RequestSkill.objects.bulk_create(
        [
            RequestSkill(request=r, skill=s, min_level=rng.randint(2, 4))
            for r in asked
            for s in rng.sample(skills, rng.randint(1, 3))
        ]
    )
    return asked


def measure(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.fresh import django_on

    url = SQLITE_URL if backend == "sqlite" else args.pg_url
    django_on(url)
    from django.db import connection, transaction

    from margin.resourcing.actions import staffing_plan_accept, staffing_plan_create, staffing_plan_fill
    from margin.resourcing.capacity import days_between
    from margin.resourcing.jobs import staffing_result, staffing_solve
    from margin.resourcing.models import StaffingRequest
    from margin.resourcing.optimiser import feasible
    from margin.resourcing.queries import booked_by_day
    from tests.firm import build_firm

    rec: dict[str, Any] = {"backend": backend, "people": args.people, "requests": args.requests}
    rec["server_version"] = server_version()
    firm = build_firm()
    with transaction.atomic():
        _world(firm, args.people, args.requests, random.Random(args.seed))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    requests = list(
        StaffingRequest.objects.filter(status="open").select_related("project").prefetch_related("skills__skill")
    )
    (batch, answer), rec["solve"] = once(lambda: staffing_solve(firm.usd.organisation_id, requests, effort=args.effort))
    rec.update(
        options=answer.options,
        constraints=answer.constraints,
        staffed=len(answer.chosen),
        objective=answer.objective,
        bound=answer.bound,
        gap=round(answer.gap, 4),
        optimal=answer.optimal,
        status=answer.status,
        deterministic_time=answer.deterministic_time,
        optimiser_wall_s=answer.wall_s,
    )
    plan = staffing_plan_create(viewer=firm.admin, requests=requests)
    staffing_plan_fill(plan_id=plan.pk, result=staffing_result(batch, answer))
    plan.refresh_from_db()
    _, rec["accept"] = once(lambda: staffing_plan_accept(viewer=firm.admin, plan=plan))
    days = days_between(min(r.first_day for r in requests), max(r.last_day for r in requests))
    loads = booked_by_day(set(answer.chosen.values()), days)
    over = sum(1 for load in loads.values() for h, c in zip(load.hard, load.capacity, strict=True) if h > c)
    checks = {"feasible": feasible(batch.problem, answer.chosen), "no_one_overbooked": over == 0}
    rec["check"] = "ok" if all(checks.values()) else f"FAILED {checks}"
    rec["loadavg"] = Path("/proc/loadavg").read_text().strip() if Path("/proc/loadavg").exists() else ""
    return rec


def _row(r: dict[str, Any]) -> str:
    def cell(key: str, target: bool = True) -> str:
        mark = (" ✓" if r[key]["wall_s"] < TARGET_S else " ✗") if target else ""
        return f"{r[key]['wall_s']:.2f} s (CPU {r[key]['cpu_s']:.2f}, load {r[key]['load']:.1f}){mark}"

    return (
        f"| {r['backend']} {r['server_version']} | {r['people']:,} | {r['requests']:,} | {cell('solve')} "
        f"| {r['staffed']} | {r['objective']:,} / {r['bound']:,} | {100 * r['gap']:.2f} % | {r['options']:,} "
        f"| {cell('accept', False)} | {r['check']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--effort", type=float, default=5.0, help="CP-SAT deterministic time")
    parser.add_argument("--seed", type=int, default=12)
    add_backend_options(parser, DEFAULT_PG_URL)
    args = parser.parse_args()
    os.environ["DEBUG"] = "0"
    if as_child(args, measure):
        return
    runs = run_backends(
        __file__,
        args,
        passed=["people", "requests", "effort", "seed"],
        title=lambda b: f"== staffing on {b}: {args.people:,} people, {args.requests:,} open requests",
    )
    lines = [
        "# Optimal staffing",
        "",
        f"`{' '.join(['bench/staffing.py', *sys.argv[1:]])}` on {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} "
        f"CPUs, Python {platform.python_version()}, CP-SAT effort {args.effort} (deterministic time). Wall seconds "
        f"(this process's CPU seconds, 1-minute load average), once each; ✓: under {TARGET_S:.0f} s.",
        "",
        "| backend | people | requests | solve (read + CP-SAT) | staffed | objective / bound | gap | options "
        "| accept | check |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        *[_row(r) for r in runs],
        "",
        *[
            f"- {r['backend']}: CP-SAT {r['status']}, {r['deterministic_time']} deterministic time, "
            f"{r['constraints']:,} capacity constraints, {r['optimiser_wall_s']} s of the solve's wall time in the "
            f"optimiser (the rest reads candidates); /proc/loadavg after: {r['loadavg']}"
            for r in runs
        ],
        "",
    ]
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "staffing.json").write_text(json.dumps(runs, indent=1, default=str))
    (RESULTS / "staffing.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
