"""The activity feed of a big project, on SQLite and PostgreSQL (not part of `make test`).

    .venv/bin/python bench/bench_feed.py                       # both databases, the issue's sizes
    .venv/bin/python bench/bench_feed.py --backends sqlite --rows 20000
    make bench-feed BENCH_ARGS="--backends postgresql"

For each backend a fresh process with a fresh database builds the test firm (tests/firm.py), then loads with bulk
inserts: one project of ``--tasks`` tasks, ``--rows`` audit rows on it (task creations, schedule changes with the
tasks that followed, renames, board moves, links, over the last year, one every few minutes) and as many rows again
on twenty other projects of the organisation (the feed must find its own among them). It then times, median of
``--repeat`` warm runs (the cold first run reported too), with this process's CPU seconds and the 1-minute load
average:

- ``feed``: the project's first page (50 sentences) through ``GET /projects/{id}/activity/`` with the Django test
  client (middleware, view, query, names, template); target < 200 ms;
- ``feed_query``: ``collaboration.activity.project_activity`` alone;
- ``older``: the page 1,000 rows back (a keyset cursor);
- ``mine``: "My activity" of the manager (the big project and the twenty others);
- ``task``: a task's page ``GET /tasks/{id}/`` (its history is the task's feed: the task, its links and
  assignments found by their snapshots, its thread) for the big project's busiest task; ``task_history``: its
  ``task_activity`` alone (30 sentences).

Checks: the first page has 50 sentences, the older page starts where the first ended. Results: printed, and
bench/results/feed.json and .md.
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
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import add_backend_options, as_child, run_backends, server_version  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/margin_bench_feed"
SQLITE_URL = "sqlite:////tmp/margin-bench/feed.sqlite3"
RESULTS = ROOT / "bench" / "results"
TARGETS = {"feed": 0.200, "task": 0.200}
OTHER_PROJECTS = 20


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
    walls, cpus = [], []
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        value = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return value, {
        "wall_s": round(statistics.median(walls), 4),
        "cold_s": round(cold, 4),
        "cpu_s": round(statistics.median(cpus), 4),
        "load": round(max(load, _loadavg()), 2),
    }


def _load(firm: Any, tasks: int, rows: int) -> tuple[Any, list[int]]:
    from margin.core.models import AuditEntry
    from margin.projects.actions import project_create
    from margin.projects.models import Project, Task

    project = firm.project
    Task.objects.bulk_create(
        [Task(project=project, name=f"Task {n:04d} of the big plan", position=n) for n in range(tasks)], batch_size=2000
    )
    task_ids = list(Task.objects.filter(project=project).values_list("id", flat=True))
    others = [
        project_create(
            viewer=firm.admin,
            company=firm.usd,
            client=firm.client,
            manager=firm.manager_person,
            code=f"OTH-{n}",
            name=f"Other project {n}",
        )
        for n in range(OTHER_PROJECTS)
    ]
    other_tasks: list[int] = []
    for other in others:
        Task.objects.bulk_create([Task(project=other, name=f"Other task {n}", position=n) for n in range(100)])
        other_tasks += list(Task.objects.filter(project=other).values_list("id", flat=True))
    actors = [firm.manager_user.pk, firm.member_user.pk, firm.member2_user.pk, firm.admin_user.pk]
    start = datetime.now().astimezone() - timedelta(days=365)
    step = timedelta(days=365) / (2 * rows)
    field = AuditEntry._meta.get_field("at")
    field.auto_now_add = False  # the rows' own moments, spread over the year
    try:
        batch: list[Any] = []
        for n in range(2 * rows):
            mine = n % 2 == 0
            ids = task_ids if mine else other_tasks
            task = ids[(n * 7919) % len(ids)]
            kind = n % 5
            before: dict[str, Any] | None
            after: dict[str, Any]
            if kind == 0:
                action, before, after = "task.create", None, {"name": f"Task {task}"}
            elif kind == 1:
                action = "task.schedule"
                before = {"start": "2026-01-05T09:00:00+00:00", "constraint_date": None, "duration_minutes": 480}
                after = {
                    "start": "2026-01-05T09:00:00+00:00",
                    "constraint_date": "2026-01-08T09:00:00+00:00",
                    "duration_minutes": 480,
                    "followed": n % 9,
                }
            elif kind == 2:
                action, before, after = "task.update", {"name": f"Old {task}"}, {"name": f"Task {task}"}
            elif kind == 3:
                action, before, after = "task.board_move", {"status": "todo"}, {"status": "in_progress"}
            else:
                action = "task.schedule"
                before, after = {"percent_complete": 10}, {"percent_complete": 60}
            batch.append(
                AuditEntry(
                    organisation_id=project.organisation_id,
                    actor_id=actors[n % len(actors)],
                    at=start + step * n,
                    action=action,
                    object_type="projects.task",
                    object_id=task,
                    before=before,
                    after=after,
                )
            )
            if len(batch) == 5000:
                AuditEntry.objects.bulk_create(batch)
                batch = []
        AuditEntry.objects.bulk_create(batch)
    finally:
        field.auto_now_add = True
    return Project.objects.get(pk=project.pk), task_ids


def measure(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.fresh import django_on

    url = SQLITE_URL if backend == "sqlite" else args.pg_url
    django_on(url)
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client

    from margin.collaboration.activity import my_activity, project_activity, task_activity
    from margin.core.models import AuditEntry
    from margin.projects.models import Task
    from tests.firm import build_firm

    rec: dict[str, Any] = {"backend": backend, "server_version": server_version()}
    t0 = time.perf_counter()
    firm = build_firm()
    with transaction.atomic():
        project, task_ids = _load(firm, args.tasks, args.rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rec["load_s"] = round(time.perf_counter() - t0, 1)
    rec["tasks"] = len(task_ids)
    rec["rows"] = AuditEntry.objects.count()

    client = Client()
    client.force_login(firm.manager_user)

    def page() -> str:
        answer = client.get(f"/projects/{project.pk}/activity/")
        assert answer.status_code == 200, answer.status_code
        return answer.content.decode()

    html, rec["feed"] = _timed(page, args.repeat)
    rec["sentences"] = html.count('data-testid="activity-item"')
    first, rec["feed_query"] = _timed(lambda: project_activity(firm.manager, project), args.repeat)
    cursor_at = first.next_cursor
    deep = project_activity(firm.manager, project, limit=200)
    for _ in range(4):
        deep = project_activity(firm.manager, project, before=deep.next_cursor, limit=200)
    older, rec["older"] = _timed(lambda: project_activity(firm.manager, project, before=deep.next_cursor), args.repeat)
    _, rec["mine"] = _timed(lambda: my_activity(firm.manager), args.repeat)
    busiest = (
        AuditEntry.objects.filter(object_type="projects.task", object_id__in=task_ids)
        .values("object_id")
        .annotate(n=Count("id"))
        .order_by("-n", "object_id")
        .first()
    )
    assert busiest is not None
    task_id = busiest["object_id"]

    def task_page() -> str:
        answer = client.get(f"/tasks/{task_id}/")
        assert answer.status_code == 200, answer.status_code
        return answer.content.decode()

    task_html, rec["task"] = _timed(task_page, args.repeat)
    task = Task.objects.get(pk=task_id)
    _, rec["task_history"] = _timed(lambda: task_activity(firm.manager, task, limit=30), args.repeat)
    rec["task_rows"] = busiest["n"]
    second = project_activity(firm.manager, project, before=cursor_at)
    checks = {
        "first_page": rec["sentences"] == 50 and len(first.items) == 50,
        "keyset": bool(second.items)
        and (second.items[0].at, second.items[0].id) < (first.items[-1].at, first.items[-1].id),
        "older": len(older.items) == 50,
        "task": task_html.count('data-testid="history-item"') == min(30, busiest["n"]),
    }
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
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    add_backend_options(parser, DEFAULT_PG_URL)
    args = parser.parse_args()
    os.environ["DEBUG"] = "0"
    if as_child(args, measure):
        return
    runs = run_backends(
        __file__,
        args,
        passed=["tasks", "rows", "repeat"],
        title=lambda b: (
            f"== activity feed on {b}: {args.tasks:,} tasks, {args.rows:,} audit rows (and as many elsewhere)"
        ),
    )
    lines = [
        "# The activity feed of a big project",
        "",
        f"`{' '.join(['bench/bench_feed.py', *sys.argv[1:]])}` on {datetime.now():%Y-%m-%d %H:%M}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}. Median of {args.repeat} warm runs (the cold "
        "first run, this process's CPU seconds, the 1-minute load average). ✓: under the issue's target (the first "
        "page in 200 ms).",
        "",
        "| backend | tasks / audit rows (all) | load | first page (HTML) | first page (query + sentences) | "
        "1,000 rows back | my activity | a task's page | its history alone | check |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
        *[
            f"| {r['backend']} {r['server_version']} | {r['tasks']:,} / {r['rows']:,} | {r['load_s']} s | "
            f"{_cell(r, 'feed')} | {_cell(r, 'feed_query')} | {_cell(r, 'older')} | {_cell(r, 'mine')} | "
            f"{_cell(r, 'task')} | {_cell(r, 'task_history')} ({r['task_rows']} rows) | {r['check']} |"
            for r in runs
        ],
        "",
    ]
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "feed.json").write_text(json.dumps(runs, indent=1, default=str))
    (RESULTS / "feed.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
