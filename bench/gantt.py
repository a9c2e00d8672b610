"""The Gantt data endpoint on a 2,000-task project (not part of `make test`).

    .venv/bin/python bench/gantt.py                                  # SQLite file under /tmp
    .venv/bin/python bench/gantt.py --database-url postgres://postgres@127.0.0.1:5432/margin_bench_gantt

A fresh database (dropped and migrated) gets the test firm (tests/firm.py, through the actions), then a project of
``--tasks`` tasks inserted in bulk: one summary task above every 20 leaves, each leaf linked from the one before it
inside its phase of 20 (FS), every 7th also from the leaf 5 places back (SS with a day of lag), and each phase from
the end of the phase 8 places before it (8 parallel workstreams, about 2.5 years); durations of 0.5 to 5 days, every
50th leaf a milestone. ``project_reschedule`` (the action: the engine, then one prepared UPDATE per changed row),
``baseline_save`` and a one-day slip of a task in the middle run once and are timed; then
``GET /api/v1/projects/{id}/gantt?baseline=0`` goes through the whole Django stack (session auth, router, schema
validation, JSON) ``--runs`` times and the median, minimum and maximum are printed with the
number of queries. Target: under 300 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fresh import django_on  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", default="sqlite:////tmp/margin-bench/gantt.sqlite3")
    args = parser.parse_args()

    django_on(args.database_url)
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from margin.projects import actions
    from margin.projects.models import Dependency, Task
    from tests.firm import build_firm

    firm = build_firm()
    project = firm.project
    actions.project_update(viewer=firm.manager, project=project, start_date=date(2026, 1, 5))

    t0 = time.perf_counter()
    with transaction.atomic():
        leaves: list[Task] = []
        summary: Task | None = None
        made = 2  # Design and Build exist
        position = 2
        while made < args.tasks:
            if (made - 2) % 21 == 0:
                summary = Task.objects.create(project=project, name=f"Phase {position}", position=position)
                position += 1
                made += 1
                continue
            n = len(leaves)
            task = Task(
                project=project,
                parent=summary,
                position=n % 20,
                name=f"Task {n + 1}",
                duration_minutes=0 if n % 50 == 49 else 240 * (1 + n % 10),
                estimate_minutes=480,
            )
            leaves.append(task)
            made += 1
        Task.objects.bulk_create(leaves, batch_size=500)
        # Phases of 20 leaves; inside a phase each leaf follows the one before (FS), every 7th also starts a day
        # after the start of the leaf 5 places back (SS + 1 day); a phase starts when the phase 8 places before it
        # ends: 8 workstreams in parallel, so the plan spans about two and a half years.
        links = []
        for i in range(1, len(leaves)):
            phase, place = divmod(i, 20)
            if place:
                links.append(Dependency(project=project, predecessor=leaves[i - 1], successor=leaves[i]))
                if place % 7 == 0:
                    links.append(
                        Dependency(
                            project=project, predecessor=leaves[i - 5], successor=leaves[i], kind="SS", lag_minutes=480
                        )
                    )
            elif phase >= 8:
                links.append(Dependency(project=project, predecessor=leaves[i - 8 * 20 + 19], successor=leaves[i]))
        Dependency.objects.bulk_create(links, batch_size=500)
    build_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    moved = actions.project_reschedule(viewer=firm.manager, project=project)
    reschedule_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    actions.baseline_save(viewer=firm.manager, project=project)
    baseline_s = time.perf_counter() - t0
    # A drag in the middle of the chain: the engine runs on the whole project, only moved rows are written.
    middle = leaves[len(leaves) // 2]
    t0 = time.perf_counter()
    dragged = actions.task_schedule_update(
        viewer=firm.manager, task=middle, duration_minutes=middle.duration_minutes + 480
    )
    drag_s = time.perf_counter() - t0

    client = Client()
    client.force_login(firm.manager_user)
    path = f"/api/v1/projects/{project.pk}/gantt"
    client.get(path, {"baseline": 0})  # warm up
    times = []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            response = client.get(path, {"baseline": 0})
            times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.content[:300]
    body = response.json()
    tasks, links_n = len(body["tasks"]), len(body["links"])
    size = len(response.content) // 1024
    print(f"database: {connection.vendor}; tasks {tasks}, links {links_n}, answer {size} KiB")
    print(
        f"bulk insert {build_s:.2f} s; project_reschedule {reschedule_s * 1000:.0f} ms ({len(moved)} moved); "
        f"baseline_save {baseline_s * 1000:.0f} ms; a slip of one task {drag_s * 1000:.0f} ms ({len(dragged)} moved)"
    )
    print(
        f"GET gantt?baseline=0: median {statistics.median(times):.0f} ms, min {min(times):.0f} ms, "
        f"max {max(times):.0f} ms over {args.runs} runs; {len(queries)} queries (target < 300 ms)"
    )


if __name__ == "__main__":
    main()
