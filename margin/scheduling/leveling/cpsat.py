"""Optimising leveling with OR-Tools CP-SAT under a deterministic effort budget, warm-started by the heuristic.

The model: one fixed-size interval per activity (start domain from the unleveled early start to the
latest start the best known makespan and the links into fixed activities allow), ``add_cumulative`` per
resource, one linear constraint per link (``S_succ >= S_pred + distance``), a makespan variable above every
finish, and the objective "minimise the makespan". Manual (fixed) activities are constants; their use of a
resource is taken off its capacity (clamped, as in the heuristic, when they over-allocate it among
themselves). What can be impossible is soft and costs far more than any makespan: deadline overruns and
links into a fixed activity that the unleveled plan breaks already. An activity the heuristic had to leave
over-allocated (no start before its latest one fits) stays where the heuristic put it.

The effort is deterministic, so the same plan levels the same way on a busy machine: the heuristic runs a
budget of schedules, CP-SAT a budget of deterministic time (``max_deterministic_time``) with a fixed number of
workers. The search stops as soon as a plan meets the lower bound (critical path or resource energy) or
CP-SAT proves its plan optimal. ``time_limit_s`` is only a safety cap on wall time (None: none); when it
cuts a run short the answer says so (``stats["cut_by_wall_time"]``).

``minimize_delay=True`` adds a last phase: keep the makespan (and the overruns), minimise the total delay
weighted by 1 + priority, so nothing moves later than it must.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from ortools.sat.python import cp_model

from margin.scheduling.leveling.heuristic import level_heuristic
from margin.scheduling.leveling.network import (
    Network,
    compile_problem,
    make_schedule,
    makespan_of,
    overload_of,
    overloads_of,
    tardiness_of,
)
from margin.scheduling.leveling.problem import LeveledSchedule, LevelingProblem

# The optimiser's warm start: two heuristic searches of HINT_SCHEDULES side by side (one per worker, about 5 s of
# each core on the hardest PSPLIB J60 instances), then CP-SAT for DEFAULT_EFFORT units of deterministic time
# (3-5 s on two idle cores): at most about 10 s in all (bench/leveling.py --mode cpsat). With the compiled kernel
# (ADR 0018) the long search finds most of what CP-SAT found before; CP-SAT adds a unit here and there and the
# proofs of optimality.
HINT_SCHEDULES = 250_000
DEFAULT_EFFORT = 1.0
ProgressCallback = Callable[[float, int, int], None]
Fixed = list[int | None]


@dataclass
class _Model:
    model: cp_model.CpModel
    starts: list[cp_model.IntVar]
    makespan: cp_model.IntVar
    penalty: cp_model.LinearExprT | None


def _tails(net: Network, g: int, fixed: Fixed) -> list[int]:
    """For each activity, the least time from its start to the end of the project (hard links only)."""
    q = [0] * net.n
    for i in reversed(net.topo):
        t = net.dur[i] // g
        for j, dl in net.succs[i]:
            if fixed[j] is None:  # links into a fixed activity are soft
                t = max(t, dl // g + q[j])
        q[i] = t
    return q


def _fixed_load(net: Network, g: int, fixed: Fixed) -> list[list[tuple[int, int, int]]]:
    """Per resource, (start, end, units) segments used by fixed activities, clamped at the capacity."""
    out: list[list[tuple[int, int, int]]] = []
    for r, cap in enumerate(net.capacity):
        events: dict[int, int] = {}
        for i, f in enumerate(fixed):
            if f is None:
                continue
            for rr, u in net.demands[i]:
                if rr == r:
                    s, e = f // g, (f + net.dur[i]) // g
                    events[s] = events.get(s, 0) + u
                    events[e] = events.get(e, 0) - u
        segs: list[tuple[int, int, int]] = []
        times = sorted(events)
        load = 0
        for a, b in pairwise(times):
            load += events[a]
            if load > 0:
                segs.append((a, b, min(load, cap)))
        out.append(segs)
    return out


def _build(
    net: Network, g: int, horizon: int, fixed: Fixed, makespan_cap: int | None = None, penalty_cap: int | None = None
) -> _Model:
    m = cp_model.CpModel()
    n = net.n
    dur = [d // g for d in net.dur]
    tails = _tails(net, g, fixed)
    starts: list[cp_model.IntVar] = []
    intervals: list[cp_model.IntervalVar] = []
    for i in range(n):
        f = fixed[i]
        if f is not None:
            s = m.new_constant(f // g)
        else:
            lo = net.early_start[i] // g
            hi = max(lo, horizon - tails[i])
            latest = net.latest[i] if net.latest else None
            if latest is not None:  # the links into a fixed activity allow no later start
                hi = max(lo, min(hi, latest // g))
            s = m.new_int_var(lo, hi, f"s{i}")
        starts.append(s)
        intervals.append(m.new_fixed_size_interval_var(s, dur[i], f"a{i}"))
    penalties: list[cp_model.IntVar] = []
    for link in net.links:
        i, j, dl = link.pred, link.succ, link.delta // g
        if fixed[j] is not None:
            slack = m.new_int_var(0, horizon + abs(dl), f"slack{i}_{j}")
            m.add(starts[j] + slack >= starts[i] + dl)
            penalties.append(slack)
        else:
            m.add(starts[j] >= starts[i] + dl)
    for i, dln in enumerate(net.deadline):
        if dln is not None and fixed[i] is None:
            late = m.new_int_var(0, horizon, f"late{i}")
            m.add(starts[i] + dur[i] <= dln // g + late)
            penalties.append(late)
    fixed_load = _fixed_load(net, g, fixed)
    for r, cap in enumerate(net.capacity):
        ivs: list[cp_model.IntervalVar] = []
        dem: list[int] = []
        for i in range(n):
            if fixed[i] is not None or dur[i] == 0:
                continue
            for rr, u in net.demands[i]:
                if rr == r:
                    ivs.append(intervals[i])
                    dem.append(u)
        if not ivs:
            continue
        for k, (a, b, u) in enumerate(fixed_load[r]):
            ivs.append(m.new_fixed_size_interval_var(a, b - a, f"fixed{r}_{k}"))
            dem.append(u)
        m.add_cumulative(ivs, dem, cap)
    lo = -(-net.lower_bound // g)
    makespan = m.new_int_var(lo, max(lo, horizon), "makespan")
    for i in range(n):
        # a finish implied by a hard link to a later finish needs no constraint of its own
        implied = any(dl + dur[j] >= dur[i] and fixed[j] is None for j, dl in net.succs[i])
        if not implied:
            m.add(makespan >= starts[i] + dur[i])
    if makespan_cap is not None:
        m.add(makespan <= makespan_cap)
    penalty = sum(penalties) if penalties else None
    if penalty is not None and penalty_cap is not None:
        m.add(penalty <= penalty_cap)
    if penalty is not None:
        m.minimize(penalty * (horizon + 1) + makespan)
    else:
        m.minimize(makespan)
    return _Model(m, starts, makespan, penalty)


class _Progress(cp_model.CpSolverSolutionCallback):
    """Reports each better solution: (share of the effort used, 0-1; its makespan; the best lower bound)."""

    def __init__(self, effort: float, g: int, built: _Model, floor: int, report: ProgressCallback) -> None:
        super().__init__()
        self.effort = effort
        self.g = g
        self.built = built
        self.floor = floor
        self.report = report

    def on_solution_callback(self) -> None:
        bound = self.floor
        if self.built.penalty is None:
            bound = max(bound, int(self.best_objective_bound) * self.g)
        used = min(1.0, self.deterministic_time / self.effort) if self.effort > 0 else 1.0
        self.report(used, self.value(self.built.makespan) * self.g, bound)


# Large-neighbourhood searches that do not help scheduling models: with few workers, the one worker that
# interleaves the LNS subsolvers then spends its time on the scheduling neighbourhoods (measured on J60).
_IGNORED_SUBSOLVERS = (
    "feasibility_pump",
    "rins/rens",
    "graph_arc_lns",
    "graph_cst_lns",
    "graph_dec_lns",
    "graph_var_lns",
    "ls",
    "rnd_cst_lns",
    "rnd_var_lns",
)


def _solver(effort: float, workers: int, seed: int, wall_s: float | None) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_deterministic_time = max(0.01, effort)
    if wall_s is not None:
        params.max_time_in_seconds = max(0.05, wall_s)
    params.num_workers = workers
    params.random_seed = seed
    params.merge_text_format(" ".join(f'ignore_subsolvers: "{name}"' for name in _IGNORED_SUBSOLVERS))
    return solver


@dataclass
class _Best:
    starts: list[int]  # original time units, in network order
    objective: tuple[int, int, int]  # (over-allocation, penalty, makespan)
    optimal: bool = False
    lower: int = 0


def _objective(net: Network, starts: list[int]) -> tuple[int, int, int]:
    penalty = tardiness_of(net, starts)
    for link in net.links:  # only links into a fixed (or pinned) activity can be missed by a solver's plan
        penalty += max(0, starts[link.pred] + link.delta - starts[link.succ])
    return overload_of(net, starts), penalty, makespan_of(net, starts)


def level_cpsat(
    problem: LevelingProblem | Network,
    *,
    effort: float = DEFAULT_EFFORT,
    workers: int = 2,
    seed: int = 0,
    hint: LeveledSchedule | None = None,
    heuristic_schedules: int = HINT_SCHEDULES,
    minimize_delay: bool = False,
    on_progress: ProgressCallback | None = None,
    time_limit_s: float | None = None,
) -> LeveledSchedule:
    """Level ``problem``: the heuristic (``workers`` searches of ``heuristic_schedules`` side by side), then CP-SAT
    for ``effort`` units of deterministic time with ``workers`` workers, hinted with the heuristic's plan so it
    can only improve on it.

    Stops as soon as the plan meets the lower bound or CP-SAT proves it optimal. ``minimize_delay`` spends a
    quarter of ``effort`` more on moving nothing later than it must. ``time_limit_s``: a wall-time safety cap
    (see the module docstring). ``on_progress(share_of_effort_used, best_makespan, lower_bound)`` is called
    for each better solution found.
    """
    t0 = time.perf_counter()
    c0 = time.process_time()
    net = problem if isinstance(problem, Network) else compile_problem(problem)

    def wall_left() -> float | None:
        return None if time_limit_s is None else max(0.05, time_limit_s - (time.perf_counter() - t0))

    if hint is None:
        hint = level_heuristic(
            net,
            seed=seed,
            max_schedules=heuristic_schedules,
            threads=workers,
            on_progress=None if on_progress is None else (lambda _t, ms, lb: on_progress(0.0, ms, lb)),
        )
    g = net.time_unit()
    starts = [hint.starts[a] for a in net.ids]
    best = _Best(starts, _objective(net, starts), lower=max(net.lower_bound, hint.lower_bound))
    best.optimal = net.n == 0 or (hint.proven_optimal and not hint.violations)
    # An activity the heuristic left over-allocated (no start before its latest one fitted) stays put.
    pinned = {i for i in overloads_of(net, starts) if net.fixed[i] is None}
    fixed: Fixed = [net.fixed[i] if i not in pinned else starts[i] for i in range(net.n)]
    soft = net.has_deadlines or any(f is not None for f in fixed)
    horizon = best.objective[2] // g
    if soft:  # a longer plan may keep more deadlines: allow any plan a schedule generation pass could make
        horizon = max(horizon, net.horizon_bound() // g)
    stats: dict[str, float] = {"heuristic_makespan": float(hint.makespan), "pinned": float(len(pinned))}
    dtime = 0.0
    cut = False

    if not best.optimal and effort > 0:
        built = _build(net, g, horizon, fixed)
        for i, var in enumerate(built.starts):
            if fixed[i] is None:
                built.model.add_hint(var, starts[i] // g)
        built.model.add_hint(built.makespan, best.objective[2] // g)
        solver = _solver(effort, workers, seed, wall_left())
        callback = None if on_progress is None else _Progress(effort, g, built, best.lower, on_progress)
        status = solver.solve(built.model, callback)
        dtime += solver.deterministic_time
        cut = time_limit_s is not None and status != cp_model.OPTIMAL and solver.deterministic_time < effort
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            cand = [solver.value(v) * g for v in built.starts]
            obj = _objective(net, cand)
            if obj <= best.objective:
                best.starts, best.objective = cand, obj
                best.optimal = status == cp_model.OPTIMAL and not pinned
            if built.penalty is None and not pinned:
                best.lower = max(best.lower, int(solver.best_objective_bound) * g)

    if minimize_delay and net.n and effort > 0:
        _, pen, ms = best.objective
        second = _build(net, g, horizon, fixed, ms // g, pen if soft else None)
        second.model.minimize(sum((1 + p) * s for p, s in zip(net.priority, second.starts, strict=True)))
        for i, var in enumerate(second.starts):
            if fixed[i] is None:
                second.model.add_hint(var, best.starts[i] // g)
        s2 = _solver(effort / 4, workers, seed, wall_left())
        if s2.solve(second.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            cand = [s2.value(v) * g for v in second.starts]
            if _objective(net, cand) <= best.objective:
                best.starts = cand
        dtime += s2.deterministic_time

    stats.update(
        deterministic_time=round(dtime, 3), cpu_s=round(time.process_time() - c0, 3), cut_by_wall_time=float(cut)
    )
    return make_schedule(
        net,
        best.starts,
        method="cpsat",
        proven_optimal=best.optimal,
        lower_bound=best.objective[2] if best.optimal and best.objective[:2] == (0, 0) else best.lower,
        schedules=hint.schedules,
        elapsed_s=time.perf_counter() - t0,
        stats=stats,
    )
