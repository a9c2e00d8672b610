"""The resource heatmap and the utilisation report at scale, on SQLite and PostgreSQL (not part of `make test`).

    .venv/bin/python bench/resourcing.py                                 # both databases, the issue's sizes
    .venv/bin/python bench/resourcing.py --backends sqlite --entries 200000
    make bench-resourcing BENCH_ARGS="--backends postgresql"

For each backend a fresh process with a fresh database builds the test firm (tests/firm.py), then loads with
set-based statements: ``--people`` people (bulk insert; a line manager for each ten), 20 projects, ``--entries``
time entries over the last 365 days (one ``INSERT … SELECT`` over a recursive series: people × days, a few entries
per person-day, 80 % billable, one in twenty rejected) and ``--bookings`` bookings from four weeks ago to 30 weeks
ahead (hours per day or a percentage, hard or soft, 1 to 8 weeks long), utilisation targets (a default, two roles,
one person from a date). It then times, median of ``--repeat`` warm runs (the first, cold, reported too), with
this process's CPU seconds and the 1-minute load average (``/proc/loadavg``):

- ``heatmap``: ``GET /resources/heatmap/?weeks=26`` through the Django test client (middleware, view, template:
  the whole HTML for every person × 26 weeks); target < 300 ms;
- ``utilisation``: ``reporting.utilisation.utilisation_report`` for the year, per person; target < 500 ms;
- ``utilisation_api``: ``GET /api/v1/utilisation?group=role`` for the year (the report through the API).

Checks: the heatmap shows every person; the report's recorded minutes equal a plain ``SUM`` of the entries not
rejected. Results: printed, and bench/results/resourcing.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import add_backend_options, as_child, run_backends, server_version  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/margin_bench_resourcing"
SQLITE_URL = "sqlite:////tmp/margin-bench/resourcing.sqlite3"
RESULTS = ROOT / "bench" / "results"
TARGETS = {"heatmap": 0.300, "utilisation": 0.500}
PROJECTS = 20


def _loadavg() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:
        return os.getloadavg()[0]


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, dict[str, float]]:
    load = _loadavg()
    t0 = time.perf_counter()
    value = fn()
    cold = time.perf_counter() - t0
    times, cpu = [], []
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return value, {
        "wall_s": round(statistics.median(times), 3),
        "cold_s": round(cold, 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
        "cpu_s": round(statistics.median(cpu), 3),
        "load": round(max(load, _loadavg()), 2),
    }


def _people(firm: Any, n: int) -> list[int]:
    from margin.accounts.actions import role_create
    from margin.accounts.models import Person

    roles = [firm.consultant, firm.senior, role_create(viewer=firm.admin, name="Partner")]
    rows = [
        Person(
            organisation_id=firm.usd.organisation_id,
            company=firm.usd,
            name=f"Person {i:04d}",
            email=f"p{i:04d}@bench.test",
            role=roles[i % 3 if i % 10 else 2],
            weekly_capacity_minutes=2400 if i % 7 else 1920,
        )
        for i in range(n)
    ]
    Person.objects.bulk_create(rows)
    ids = list(Person.objects.filter(email__endswith="@bench.test").order_by("id").values_list("id", flat=True))
    managers = ids[::10]
    for k, manager in enumerate(managers):
        Person.objects.filter(pk__in=ids[k * 10 + 1 : k * 10 + 10]).update(manager_id=manager)
    return ids


def _projects(firm: Any) -> list[int]:
    from margin.projects import actions as projects

    ids = [firm.project.pk]
    for p in range(PROJECTS - 1):
        made = projects.project_create(
            viewer=firm.admin,
            company=firm.usd,
            client=firm.client,
            manager=firm.manager_person,
            code=f"B-{p:02d}",
            name=f"Bench project {p}",
        )
        ids.append(made.pk)
    return ids


def _entries(firm: Any, people: list[int], projects: list[int], n: int, today: date) -> None:
    """``n`` entries: entry k is person ``people[k % P]`` on day ``(k // P) % 365`` before today (a few a day)."""
    from django.db import connection

    from margin.timesheets.models import TimeEntry

    p = len(people)
    first_person = people[0]
    assert people == list(range(first_person, first_person + p)), "people's ids are not contiguous"
    if connection.vendor == "postgresql":
        work_date = "(%s::date - ((s.n / " + str(p) + ") %% 365)::int)"
        stamp = "%s::timestamptz"
    else:
        work_date = "date(%s, '-' || ((s.n / " + str(p) + ") %% 365) || ' days')"
        stamp = "%s"
    minutes = "(30 + (s.n * 7 %% 8) * 15)"
    billable = "(s.n %% 5 <> 0)"
    now = datetime.now().astimezone()
    written: dict[str, tuple[str, list[Any]]] = {
        "organisation_id": ("%s", [firm.usd.organisation_id]),
        "company_id": ("%s", [firm.usd.pk]),
        "project_id": (f"({projects[0]} + (s.n / 7) %% {len(projects)})", []),
        "task_id": ("NULL", []),
        "person_id": (f"({first_person} + s.n %% {p})", []),
        "work_date": (work_date, [today]),
        "minutes": (minutes, []),
        "billable": (billable, []),
        "category": ("'work'", []),
        "billable_minutes": (f"CASE WHEN {billable} THEN {minutes} ELSE 0 END", []),
        "note": ("''", []),
        "status": (
            "CASE WHEN s.n %% 20 = 0 THEN 'rejected' WHEN s.n %% 20 < 15 THEN 'approved' ELSE 'submitted' END",
            [],
        ),
        "rejection_reason": ("''", []),
        "created_at": (stamp, [now]),
        "updated_at": (stamp, [now]),
        "bill_amount_minor": (f"CASE WHEN {billable} THEN {minutes} * 10000 / 60 ELSE 0 END", []),
        "cost_amount_minor": (f"{minutes} * 5000 / 60", []),
        "currency": ("'USD'", []),
    }
    if connection.vendor == "postgresql":
        written["project_id"] = (f"({projects[0]} + (s.n / 7) %% {len(projects)})::bigint", [])
    columns, expressions, params = [], [], []
    for field in TimeEntry._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(str(field.column))
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


def _bookings(firm: Any, people: list[int], projects: list[int], n: int, today: date) -> None:
    from margin.resourcing.models import Booking, BookingKind, BookingUnit

    start = today - timedelta(days=28 + today.weekday())
    rows = []
    for k in range(n):
        first = start + timedelta(days=(k * 37) % 238)
        length = 7 * (1 + k % 8) - 3
        percent = k % 4 == 0
        rows.append(
            Booking(
                organisation_id=firm.usd.organisation_id,
                project_id=projects[k % len(projects)],
                person_id=people[(k * 13) % len(people)],
                first_day=first,
                last_day=first + timedelta(days=length),
                unit=BookingUnit.PERCENT if percent else BookingUnit.HOURS,
                percent=(25, 50, 20, 40)[(k // 4) % 4] if percent else None,
                minutes_per_day=None if percent else 60 * (1 + k % 4),
                kind=BookingKind.HARD if k % 3 else BookingKind.SOFT,
            )
        )
    Booking.objects.bulk_create(rows, batch_size=2000)


def _targets(firm: Any, people: list[int], today: date) -> None:
    from margin.accounts.models import Person, Role
    from margin.resourcing.actions import utilisation_target_set

    year = today - timedelta(days=400)
    utilisation_target_set(viewer=firm.admin, percent=75, valid_from=year)
    utilisation_target_set(viewer=firm.admin, percent=80, valid_from=year, role=firm.consultant)
    partner = Role.objects.get(organisation_id=firm.usd.organisation_id, name="Partner")
    utilisation_target_set(viewer=firm.admin, percent=40, valid_from=year, role=partner)
    utilisation_target_set(
        viewer=firm.admin, percent=60, valid_from=today - timedelta(days=90), person=Person.objects.get(pk=people[1])
    )


def measure(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.fresh import django_on

    url = SQLITE_URL if backend == "sqlite" else args.pg_url
    django_on(url)
    from django.db import connection, transaction
    from django.db.models import Sum
    from django.test import Client
    from django.utils import timezone

    from margin.reporting.utilisation import utilisation_report
    from margin.timesheets.models import EntryStatus, TimeEntry
    from tests.firm import build_firm

    rec: dict[str, Any] = {"backend": backend, "server_version": server_version()}
    today = timezone.localdate()
    t0 = time.perf_counter()
    firm = build_firm()
    with transaction.atomic():
        people = _people(firm, args.people)
        projects = _projects(firm)
        _entries(firm, people, projects, args.entries, today)
        _bookings(firm, people, projects, args.bookings, today)
        _targets(firm, people, today)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rec["load_s"] = round(time.perf_counter() - t0, 1)
    rec["people"] = len(people)
    rec["entries"] = TimeEntry.objects.count()
    from margin.resourcing.models import Booking

    rec["bookings"] = Booking.objects.count()

    client = Client()
    client.force_login(firm.admin_user)

    def page() -> str:
        answer = client.get("/resources/heatmap/?weeks=26")
        assert answer.status_code == 200, answer.status_code
        return answer.content.decode()

    html, rec["heatmap"] = _timed(page, args.repeat)
    rec["heatmap_rows"] = html.count('data-testid="heat-person"')
    rec["heatmap_kb"] = round(len(html) / 1024)
    first, last = today - timedelta(days=364), today
    report, rec["utilisation"] = _timed(
        lambda: utilisation_report(firm.admin, first=first, last=last, group="person"), args.repeat
    )

    def api() -> Any:
        answer = client.get(f"/api/v1/utilisation?group=role&from={first}&to={last}")
        assert answer.status_code == 200, answer.content[:300]
        return answer.json()

    _, rec["utilisation_api"] = _timed(api, args.repeat)
    recorded = (
        TimeEntry.objects.filter(work_date__gte=first, work_date__lte=last)
        .exclude(status=EntryStatus.REJECTED)
        .aggregate(t=Sum("minutes"))["t"]
    )
    checks = {
        "heatmap_rows": rec["heatmap_rows"] >= args.people,
        "recorded": report.total.recorded == recorded,
    }
    rec["utilisation_of_capacity"] = str(report.total.of_capacity)
    rec["check"] = "ok" if all(checks.values()) else f"FAILED {checks}"
    return rec


def _cell(r: dict[str, Any], key: str) -> str:
    t = r[key]
    mark = ""
    if key in TARGETS:
        mark = " ✓" if t["wall_s"] < TARGETS[key] else " ✗"
    return (
        f"{1000 * t['wall_s']:.0f} ms (cold {1000 * t['cold_s']:.0f}, CPU {1000 * t['cpu_s']:.0f} ms, "
        f"load {t['load']:.1f}){mark}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--bookings", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    add_backend_options(parser, DEFAULT_PG_URL)
    args = parser.parse_args()
    os.environ["DEBUG"] = "0"
    if as_child(args, measure):
        return
    runs = run_backends(
        __file__,
        args,
        passed=["people", "entries", "bookings", "repeat"],
        title=lambda b: (
            f"== resourcing on {b}: {args.people} people, {args.entries:,} entries, {args.bookings:,} bookings"
        ),
    )
    lines = [
        "# Resourcing: the heatmap and utilisation",
        "",
        f"`{' '.join(['bench/resourcing.py', *sys.argv[1:]])}` on {datetime.now():%Y-%m-%d %H:%M}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}. Median of {args.repeat} warm runs (the cold "
        "first run, this process's CPU seconds, the 1-minute load average from /proc/loadavg). ✓: under the issue's "
        "target (heatmap 300 ms, a year's utilisation 500 ms).",
        "",
        "| backend | people / entries / bookings | load | heatmap 26 weeks (HTML) | utilisation, a year | "
        "API /utilisation by role | check |",
        "|---|---|---:|---:|---:|---:|---|",
        *[
            f"| {r['backend']} {r['server_version']} | {r['people']} / {r['entries']:,} / {r['bookings']:,} | "
            f"{r['load_s']} s | {_cell(r, 'heatmap')} | {_cell(r, 'utilisation')} | {_cell(r, 'utilisation_api')} "
            f"| {r['check']} |"
            for r in runs
        ],
        "",
    ]
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "resourcing.json").write_text(json.dumps(runs, indent=1, default=str))
    (RESULTS / "resourcing.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
