"""Importing an MS Project XML (MSPDI) file of 2,000 tasks and 3,000 links (not part of `make test`).

    .venv/bin/python bench/mspdi_import.py                            # SQLite file under /tmp
    .venv/bin/python bench/mspdi_import.py --database-url postgres://postgres@127.0.0.1:5432/margin_bench_mspdi
    .venv/bin/python bench/mspdi_import.py --tasks 200 --links 300    # smaller

A fresh database (dropped and migrated) gets the test firm (tests/firm.py). The file is written by the module's own
writer (``mspdi.write``): one summary task above every 20 leaves, ``--links`` links between leaves (each from an
earlier leaf, deterministic: FS mostly, every 5th SS with a day of lag, every 11th FF), a calendar with a 4-day week
and a holiday, two work resources matched by e-mail and one generic resource (a pool), an assignment on every leaf,
and baseline 0 on every task. ``project_import_mspdi`` then builds it into an empty project (``--runs`` times, a new
project each time) and the time of each run is printed with the counts of its result.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fresh import django_on  # noqa: E402


def _file(tasks: int, links: int) -> bytes:
    from margin.integrations.msproject import mspdi

    start = datetime(2026, 1, 5, 8)
    ms_tasks: list[mspdi.MsTask] = []
    leaves: list[int] = []
    uid = 0
    while len(ms_tasks) < tasks:
        uid += 1
        if len(ms_tasks) % 21 == 0:
            ms_tasks.append(mspdi.MsTask(uid=uid, name=f"Phase {uid}", outline_level=1, summary=True))
            continue
        leaves.append(uid)
        n = len(leaves)
        ms_tasks.append(
            mspdi.MsTask(
                uid=uid,
                name=f"Task {n}",
                outline_level=2,
                duration_minutes=0 if n % 50 == 0 else 240 * (1 + n % 10),
                work_minutes=480,
                baselines=(mspdi.MsBaseline(0, start, start + timedelta(days=1), 480, 480, 10_000),),
            )
        )
    preds: dict[int, list[mspdi.MsLink]] = {}
    made, i = 0, 1
    while made < links and i < len(leaves) * 3:
        succ = leaves[i % len(leaves) or 1]
        back = 1 + (i * 7) % 13
        index = leaves.index(succ)
        if index - back >= 0:
            pred = leaves[index - back]
            kind = "SS" if i % 5 == 0 else "FF" if i % 11 == 0 else "FS"
            existing = preds.setdefault(succ, [])
            if all(link.predecessor_uid != pred for link in existing):
                existing.append(mspdi.MsLink(pred, kind, 480 if kind == "SS" else 0))
                made += 1
        i += 1
    ms_tasks = [
        mspdi.MsTask(**{**t.__dict__, "links": tuple(preds.get(t.uid, ()))}) if t.uid in preds else t for t in ms_tasks
    ]
    week = {d: [(480, 720), (780, 1080)] if d < 4 else [] for d in range(7)}
    calendar = mspdi.MsCalendar("Four days", week, {date(2026, 1, 6): []})
    resources = [
        mspdi.MsResource(1, "Someone", "maya@example.test"),
        mspdi.MsResource(2, "Another", "tom@example.test"),
        mspdi.MsResource(3, "Bench crew", "", 400, pool=True),
    ]
    assignments = [mspdi.MsAssignment(leaf, 1 + n % 3, 100) for n, leaf in enumerate(leaves)]
    project = mspdi.MsProject("Bench", start, ms_tasks, calendar, resources, assignments)
    return mspdi.write(project)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--links", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default="sqlite:////tmp/margin-bench/mspdi.sqlite3")
    args = parser.parse_args()

    django_on(args.database_url)
    from django.db import connection

    from margin.integrations.msproject import mspdi
    from margin.integrations.msproject.exchange import project_import_mspdi
    from margin.projects import actions
    from tests.firm import build_firm

    firm = build_firm()
    data = _file(args.tasks, args.links)
    parsed = mspdi.read(data)
    n_links = sum(len(t.links) for t in parsed.tasks)
    print(f"database: {connection.vendor}; file {len(data) // 1024} KiB, {len(parsed.tasks)} tasks, {n_links} links")
    t0 = time.perf_counter()
    mspdi.read(data)
    print(f"mspdi.read: {(time.perf_counter() - t0) * 1000:.0f} ms")
    times = []
    for run in range(args.runs):
        project = actions.project_create(
            viewer=firm.admin,
            company=firm.usd,
            client=firm.client,
            manager=firm.manager_person,
            code=f"BENCH-{run}",
            name="Bench import",
            start_date=date(2026, 1, 5),
        )
        t0 = time.perf_counter()
        result = project_import_mspdi(viewer=firm.manager, project=project, data=data)
        times.append(time.perf_counter() - t0)
        print(f"run {run + 1}: {times[-1]:.2f} s; {result}")
    print(
        f"project_import_mspdi: median {statistics.median(times):.2f} s, min {min(times):.2f} s, "
        f"max {max(times):.2f} s over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
