"""Compile the leveling kernel ahead of its first use: ``python -m margin.scheduling.leveling.warm``.

numba compiles ``kernel.py`` to machine code the first time it runs (about 15 s of one core) and keeps the
result in ``__pycache__`` beside it; every later process loads it in a fraction of a second. ``make setup``
and ``make test`` run this once so that neither the first leveling request nor every test worker pays that
price. It levels a small problem through every compiled path (forward and backward passes, ordering with and
without negative distances, fixed activities, deadlines, latest starts, the genetic algorithm).
"""

from __future__ import annotations

import time

from margin.scheduling.leveling.heuristic import level_heuristic
from margin.scheduling.leveling.problem import Activity, Demand, LevelingProblem, Precedence, Resource


def warm_up() -> float:
    """Level the small problems; the seconds it took."""
    t0 = time.perf_counter()
    acts = [Activity(k, 1 + k % 3) for k in range(12)]
    links = [Precedence(k, k + 2, "FS", 0) for k in range(10)] + [Precedence(0, 11, "SS", -1)]
    res = [Resource("r", 2)]
    dem = [Demand(k, "r", 1 + k % 2) for k in range(12)]
    level_heuristic(LevelingProblem.build(acts, links, res, dem), max_schedules=500, near_bound=0)
    pinned = [Activity(0, 2, fixed_start=1), Activity(1, 2, deadline=3), *(Activity(k, 1) for k in range(2, 6))]
    level_heuristic(
        LevelingProblem.build(pinned, [Precedence(2, 0, "FS", 0)], res, [Demand(k, "r", 2) for k in range(6)]),
        max_schedules=500,
    )
    return time.perf_counter() - t0


if __name__ == "__main__":
    print(f"leveling kernel ready in {warm_up():.1f} s")
