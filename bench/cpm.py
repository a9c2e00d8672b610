"""CPM timing on generated projects (not part of `make test`).

    .venv/bin/python bench/cpm.py                       # 2,000 tasks / 4,000 links and 10,000 / 20,000
    .venv/bin/python bench/cpm.py --sizes 10000:20000 --runs 20 --seed 7

A project is generated deterministically from ``--seed``: one calendar (Mon–Fri 09:00–13:00 and 14:00–18:00,
US public holidays), durations of 0 (5 % milestones) to 5 days in half days, links between nearby tasks
(a successor's predecessors lie up to 60 tasks before it, as in real plans, so the network has long chains)
of mixed kinds (FS 70 %, SS 12 %, FF 12 %, SF 6 %) with zero, positive, negative and % lags, and about 10 %
of the tasks constrained (SNET, FNET, SNLT, FNLT, MSO, MFO, ALAP in turn; the dates land within 2 days of
where the task falls without them, so some hold and some conflict and are reported). With ``--summaries N``
every N leaves get a summary task above them (extra tasks; links stay between leaves).

Each size is timed as the median of ``--runs`` runs of:

- ``schedule``: ``schedule(network, start)`` — checks, Kahn order, forward and backward passes, free float,
  critical flags, ALAP: the integer result, with conflicts.
- ``+ dates``: the same, then every task's ``ScheduledTask`` built (datetimes for the six dates, summary
  roll-ups), i.e. everything the Gantt needs.

The calendar is compiled once beforehand (as the app caches calendars); building the network's dataclasses
is not timed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from margin.scheduling.calendars import Calendar, standard_calendar
from margin.scheduling.cpm import schedule
from margin.scheduling.network import ConstraintType, Link, LinkKind, Network, Task

START = datetime(2026, 1, 5, 9, 0)
CONSTRAINTS = (
    ConstraintType.SNET,
    ConstraintType.FNET,
    ConstraintType.SNLT,
    ConstraintType.FNLT,
    ConstraintType.MSO,
    ConstraintType.MFO,
    ConstraintType.ALAP,
)


def generate(
    tasks: int, links: int, *, seed: int = 42, calendar: Calendar | None = None, summaries: int = 0
) -> Network:
    rng = random.Random(seed)
    cal = calendar or standard_calendar(country="US", years=range(2026, 2036))
    durations = [0 if rng.random() < 0.05 else rng.randint(1, 10) * 240 for _ in range(tasks)]
    pairs: set[tuple[int, int]] = set()
    out: list[Link] = []
    while len(out) < links:
        succ = rng.randrange(1, tasks)
        pred = rng.randrange(max(0, succ - 60), succ)
        if (pred, succ) in pairs:
            continue
        pairs.add((pred, succ))
        r = rng.random()
        kind = LinkKind.FS if r < 0.70 else LinkKind.SS if r < 0.82 else LinkKind.FF if r < 0.94 else LinkKind.SF
        r = rng.random()
        if r < 0.60:
            out.append(Link(pred, succ, kind))
        elif r < 0.85:
            out.append(Link(pred, succ, kind, lag=rng.randint(1, 16) * 60))
        elif r < 0.95:
            out.append(Link(pred, succ, kind, lag=-rng.randint(1, 8) * 60))
        else:
            out.append(Link(pred, succ, kind, lag_percent=rng.randint(-50, 100)))
    parent_of = (lambda i: f"S{i // summaries}") if summaries else (lambda i: None)
    plain = [Task(i, f"Task {i}", d, parent=parent_of(i)) for i, d in enumerate(durations)]
    if summaries:
        plain.extend(Task(f"S{j}", f"Phase {j}") for j in range((tasks + summaries - 1) // summaries))
    # Date the constraints near where each task falls without them (± 2 days), so some hold and some conflict.
    free = schedule(Network(tasks=plain, links=out, calendar=cal), START)
    result = list(plain)
    for i, d in enumerate(durations):
        if rng.random() >= 0.10:
            continue
        kind = CONSTRAINTS[i % len(CONSTRAINTS)]
        if kind == ConstraintType.ALAP:
            result[i] = Task(i, f"Task {i}", d, parent=parent_of(i), constraint=kind)
            continue
        working = free.working(i)
        base = (
            working.early_finish
            if kind in (ConstraintType.FNET, ConstraintType.FNLT, ConstraintType.MFO)
            else (working.early_start)
        )
        finish = kind in (ConstraintType.FNET, ConstraintType.FNLT, ConstraintType.MFO)
        when = cal.from_working(base + rng.randint(-960, 960), as_finish=finish)
        result[i] = Task(i, f"Task {i}", d, parent=parent_of(i), constraint=kind, constraint_date=when)
    return Network(tasks=result, links=out, calendar=cal)


def _time(fn: object, runs: int) -> tuple[float, float, float]:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), min(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000:4000,10000:20000", help="tasks:links,… (default %(default)s)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--summaries", type=int, default=0, help="one summary task per N leaves (0: none)")
    args = parser.parse_args()
    cal = standard_calendar(country="US", years=range(2026, 2036))
    print(f"python {sys.version.split()[0]}, median of {args.runs} runs, seed {args.seed}")
    head = f"{'tasks':>7} {'links':>7} {'schedule ms (min-max)':>24} {'+ dates ms (min-max)':>24}"
    print(f"{head}  finish, critical tasks, conflicts")
    for size in args.sizes.split(","):
        n, m = (int(x) for x in size.split(":"))
        network = generate(n, m, seed=args.seed, calendar=cal, summaries=args.summaries)
        result = schedule(network, START)  # warm the calendar's table

        def run_all(network: Network = network) -> None:
            for _ in schedule(network, START):
                pass

        med, lo, hi = _time(lambda network=network: schedule(network, START), args.runs)
        med2, lo2, hi2 = _time(run_all, args.runs)
        print(
            f"{len(network.tasks):>7} {len(network.links):>7} {med:>10.1f} ({lo:.1f}-{hi:.1f}){'':>5}"
            f"{med2:>10.1f} ({lo2:.1f}-{hi2:.1f}){'':>5}  {result.project_finish:%Y-%m-%d %H:%M}, "
            f"{len(result.critical)}, {len(result.conflicts)}"
        )


if __name__ == "__main__":
    main()
