"""Capture benchmarks (issue 4): my week with 5 years of history, bulk approval, a 100,000-row CSV import.

    .venv/bin/python bench/capture.py                                   # SQLite file under /tmp/margin-bench
    .venv/bin/python bench/capture.py --database-url postgres://postgres@127.0.0.1:5432/margin_bench_capture
    .venv/bin/python bench/capture.py --table-rows 200000 --csv-rows 20000   # smaller and quicker

A fresh database (dropped and migrated) gets a firm built through the actions: one USD company, one role, 20 projects
of 10 leaf tasks (each with a role bill rate), `--people` people with cost rates, all members of every project
(membership rows are bulk-inserted: setup, not measured). Then, loaded with `time_entries_import(approved=True)`:

- the measured person: 5 years of history up to today, every weekday 8 one-hour entries on 8 projects (~10,400
  entries), plus
  the current week as drafts;
- everybody else: approved history until the table holds `--table-rows` entries (1,000,000 by default), so the
  person's rows are a small part of a big table.

Measured (wall time):

1. my week: `GET /week/` through the whole Django stack (session login, middleware, template), `--renders` times
   after one warm-up; p50/p95/max. Target p95 < 150 ms.
2. bulk approve: 10,000 submitted entries (500 people-weeks) approved in one `time_entries_approve` call (valuing
   every entry). Target < 5 s.
3. CSV import: a generated Toggl-format file of `--csv-rows` rows (100,000) for people without other time, read,
   matched and checked (`time_csv_preview`), then committed (`time_csv_import`, which checks again and inserts).
   Target < 30 s for `time_csv_import` (the whole thing, including parsing).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fresh import fresh_database  # noqa: E402

# The inbox has no target in the issue; 300 ms is what a page of a tool people use all day should stay under.
TARGETS = {"week_p95_ms": 150.0, "approve_s": 5.0, "csv_import_s": 30.0, "inbox_p95_ms": 300.0}
PASSWORD = "bench-pass-123"


def _weekdays(first: date, last: date) -> list[date]:
    out, day = [], first
    while day <= last:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="sqlite:////tmp/margin-bench/capture.sqlite3")
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--table-rows", type=int, default=1_000_000)
    parser.add_argument("--renders", type=int, default=50)
    parser.add_argument("--approve", type=int, default=10_000)
    parser.add_argument("--csv-rows", type=int, default=100_000)
    args = parser.parse_args()

    fresh_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from margin.accounts import actions as accounts
    from margin.accounts.queries import viewer_for
    from margin.contracts import actions as contracts
    from margin.core.periods import week_start
    from margin.crm import actions as crm
    from margin.integrations.timecsv.imports import time_csv_import, time_csv_preview
    from margin.projects import actions as projects
    from margin.projects.models import ProjectMember
    from margin.rates import actions as rates
    from margin.timesheets.actions import ImportRow, time_entries_approve, time_entries_import
    from margin.timesheets.models import EntryStatus, TimeEntry

    results: dict[str, object] = {"database": connection.vendor}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; migrate {time.perf_counter() - t0:.1f} s", flush=True)

    # ---------------------------------------------------------------- the firm (through the actions)
    t0 = time.perf_counter()
    start = date(2000, 1, 1)
    with transaction.atomic():
        admin_user = User.objects.create_user(username="admin", email="admin@bench.example", password=PASSWORD)
        accounts.organisation_create(name="Bench", slug="bench", admin=admin_user)
        admin = viewer_for(admin_user)
        company = accounts.company_create(viewer=admin, name="Bench Inc", base_currency="USD")
        admin = viewer_for(admin_user)
        role = accounts.role_create(viewer=admin, name="Consultant")
        accounts.person_create(
            viewer=admin,
            company=company,
            role=role,
            name="Ada Admin",
            email="admin@bench.example",
            user=admin_user,
            access_role="admin",
        )
        people = []
        for i in range(args.people):
            user = None
            if i == 0:
                user = User.objects.create_user(username="me", email="me@bench.example", password=PASSWORD)
            person = accounts.person_create(
                viewer=admin,
                company=company,
                role=role,
                name=f"Person {i:04d}",
                email=f"p{i:04d}@bench.example",
                user=user,
                access_role="member",
            )
            rates.cost_rate_set(viewer=admin, person=person, valid_from=start, hourly_cost=Decimal(40 + i % 30))
            people.append(person)
        client = crm.client_create(viewer=admin, name="Customer", currency="USD")
        tasks: list[list[int]] = []
        project_ids = []
        for p in range(20):
            project = projects.project_create(
                viewer=admin,
                company=company,
                client=client,
                manager=people[-1],
                code=f"P{p:02d}",
                name=f"Project {p:02d}",
            )
            contracts.bill_rate_set(
                viewer=admin, project=project, role=role, valid_from=start, hourly_rate=Decimal(120)
            )
            tasks.append([projects.task_create(viewer=admin, project=project, name=f"Task {t}").pk for t in range(10)])
            project_ids.append(project.pk)
        ProjectMember.objects.bulk_create(
            [ProjectMember(project_id=pid, person_id=person.pk) for pid in project_ids for person in people],
            ignore_conflicts=True,
        )
    print(f"firm: {args.people} people, 20 projects × 10 tasks in {time.perf_counter() - t0:.1f} s", flush=True)

    # ---------------------------------------------------------------- history
    today = timezone.localdate()
    monday = week_start(today)
    me = people[0]
    five_years = _weekdays(monday - timedelta(days=5 * 365), monday - timedelta(days=1))
    mine = [
        ImportRow(
            project_id=project_ids[k],
            task_id=tasks[k][(d.toordinal() + k) % 10],
            person_id=me.pk,
            work_date=d,
            minutes=60,
            billable=True,
            note=f"history {d} #{k}",
        )
        for d in five_years
        for k in range(8)
    ]
    t0 = time.perf_counter()
    time_entries_import(viewer=admin, rows=mine, approved=True)
    this_week = [
        ImportRow(project_id=project_ids[k], task_id=tasks[k][0], person_id=me.pk, work_date=d, minutes=90, note="now")
        for d in _weekdays(monday, min(today, monday + timedelta(days=4)))
        for k in range(5)
    ]
    if this_week:
        time_entries_import(viewer=admin, rows=this_week)
    print(f"my history: {len(mine) + len(this_week):,} entries in {time.perf_counter() - t0:.1f} s", flush=True)

    # Everyone else (except the CSV people and the approval people): approved history filling the table.
    approve_people = people[1:21]
    csv_people = people[21:121]
    fillers = people[121:-1] or people[1:21]
    remaining = args.table_rows - TimeEntry.objects.count()
    days = _weekdays(monday - timedelta(days=10 * 365), monday - timedelta(days=1))
    t0 = time.perf_counter()
    batch: list[ImportRow] = []
    made = 0
    per_day = 3
    slots = [(person, d) for d in days for person in fillers]
    i = 0
    while made < remaining and i < len(slots) * per_day:
        person, d = slots[(i // per_day) % len(slots)]
        k = (i % per_day + person.pk) % 20
        batch.append(
            ImportRow(
                project_id=project_ids[k], task_id=tasks[k][i % 10], person_id=person.pk, work_date=d, minutes=150
            )
        )
        made += 1
        i += 1
        if len(batch) == 100_000:
            time_entries_import(viewer=admin, rows=batch, approved=False)
            batch = []
            print(f"  … {made:,} / {remaining:,} filler entries ({time.perf_counter() - t0:.0f} s)", flush=True)
    if batch:
        time_entries_import(viewer=admin, rows=batch, approved=False)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total = TimeEntry.objects.count()
    results["table_rows"] = total
    print(f"table: {total:,} time entries ({made:,} filler in {time.perf_counter() - t0:.1f} s)", flush=True)

    # ---------------------------------------------------------------- 1. my week
    browser = Client()
    assert browser.login(username="me", password=PASSWORD)
    answer = browser.get("/week/")
    assert answer.status_code == 200, answer.status_code
    times = []
    for _ in range(args.renders):
        t0 = time.perf_counter()
        answer = browser.get("/week/")
        times.append((time.perf_counter() - t0) * 1000)
        assert answer.status_code == 200
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    results.update(
        week_p50_ms=round(statistics.median(times), 1), week_p95_ms=round(p95, 1), week_max_ms=round(times[-1], 1)
    )
    print(
        f"1. GET /week/ ({len(times)} renders, {len(answer.content) // 1024} KiB): "
        f"p50 {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms, max {times[-1]:.1f} ms  (target p95 < {TARGETS['week_p95_ms']:.0f} ms)",
        flush=True,
    )

    # ---------------------------------------------------------------- 2. bulk approve
    weeks = max(1, args.approve // (len(approve_people) * 5 * 5))
    rows = []
    for w in range(weeks):
        week = monday - timedelta(weeks=w + 1)
        for person in approve_people:
            for d in range(5):
                for k in range(5):
                    if len(rows) < args.approve:
                        rows.append(
                            ImportRow(
                                project_id=project_ids[k],
                                task_id=tasks[k][d],
                                person_id=person.pk,
                                work_date=week + timedelta(days=d),
                                minutes=60,
                            )
                        )
    time_entries_import(viewer=admin, rows=rows)
    pending = TimeEntry.objects.filter(person__in=approve_people, status=EntryStatus.DRAFT)
    pending.update(status=EntryStatus.SUBMITTED, submitted_at=timezone.now())
    ids = list(
        TimeEntry.objects.filter(person__in=approve_people, status=EntryStatus.SUBMITTED).values_list("id", flat=True)
    )
    # The approvals inbox with all of them waiting: the first page, then page 2 filtered by over-capacity.
    inbox = Client()
    assert inbox.login(username="admin", password=PASSWORD)
    for url in ("/approvals/", "/approvals/?over=1&page=2"):
        assert inbox.get(url).status_code == 200
        inbox_times = []
        for _ in range(args.renders):
            t0 = time.perf_counter()
            answer = inbox.get(url)
            inbox_times.append((time.perf_counter() - t0) * 1000)
            assert answer.status_code == 200
        inbox_times.sort()
        key = "inbox_p95_ms" if url == "/approvals/" else "inbox_filtered_p95_ms"
        results[key] = round(inbox_times[max(0, round(0.95 * len(inbox_times)) - 1)], 1)
        print(
            f"2a. GET {url} with {len(ids):,} waiting ({len(answer.content) // 1024} KiB): "
            f"p50 {statistics.median(inbox_times):.1f} ms, p95 {results[key]} ms  (target p95 < "
            f"{TARGETS['inbox_p95_ms']:.0f} ms)",
            flush=True,
        )

    t0 = time.perf_counter()
    approved = time_entries_approve(viewer=admin, entry_ids=ids)
    seconds = time.perf_counter() - t0
    results["approve_s"] = round(seconds, 2)
    print(
        f"2. time_entries_approve of {approved:,} entries: {seconds:.2f} s  (target < {TARGETS['approve_s']:.0f} s)",
        flush=True,
    )

    # ---------------------------------------------------------------- 3. CSV import
    header = (
        "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags\n"
    )
    lines = [header]
    csv_days = _weekdays(monday - timedelta(days=5 * 365), monday - timedelta(days=1))
    n = 0
    for d in csv_days:
        for person in csv_people:
            if n >= args.csv_rows:
                break
            k = (n + d.toordinal()) % 20
            lines.append(
                f"{person.name},{person.email},Customer,Project {k:02d},Task {n % 10},Imported item {n},Yes,"
                f"{d.isoformat()},09:00:00,{d.isoformat()},10:30:00,01:30:00,\n"
            )
            n += 1
        if n >= args.csv_rows:
            break
    data = "".join(lines).encode()
    print(f"3. CSV: {n:,} rows, {len(data) / 1e6:.1f} MB (Toggl columns)", flush=True)
    t0 = time.perf_counter()
    preview = time_csv_preview(viewer=admin, data=data)
    preview_s = time.perf_counter() - t0
    assert preview.ok, preview.summary()
    t0 = time.perf_counter()
    created = time_csv_import(viewer=admin, data=data)
    seconds = time.perf_counter() - t0
    results.update(csv_preview_s=round(preview_s, 2), csv_import_s=round(seconds, 2))
    print(
        f"   time_csv_preview (dry run): {preview_s:.2f} s; time_csv_import (parse, match, check, insert "
        f"{created:,}): {seconds:.2f} s  (target < {TARGETS['csv_import_s']:.0f} s)",
        flush=True,
    )
    verdict = {k: ("ok" if float(results[k]) < v else "MISSED") for k, v in TARGETS.items()}  # type: ignore[arg-type]
    print("results:", results, verdict, f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
