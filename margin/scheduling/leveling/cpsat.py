"""Optimising leveling with OR-Tools CP-SAT, under a time limit, warm-started by the fast heuristic.

The model: one fixed-size interval per activity (start domain from the unleveled early start to the
latest start the best known makespan allows), ``add_cumulative`` per resource, one linear constraint per
link (``S_succ >= S_pred + distance``), a makespan variable above every finish, and the objective
"minimise the makespan". Manual (fixed) activities are constants; their use of a resource is taken off
its capacity (clamped, as in the heuristic, when they over-allocate it among themselves). What can be
impossible is soft and costs far more than any makespan: deadline overruns and links into a fixed
activity. Every CP-SAT run is hinted with the best plan so far, so it can only improve on it.

The time limit is shared by stages (all wall time): a short heuristic run gives the first plan; a
CP-SAT probe proves most easy problems optimal; if it does not, the heuristic searches on from the best
plan (one core) while CP-SAT with one worker fewer searches beside it in a thread (the solver releases
the GIL); the rest of the time goes to CP-SAT with all workers, whose large-neighbourhood search
(restricted to the scheduling neighbourhoods) polishes the best plan and whose bound may prove it.

``minimize_delay=True`` adds a last phase when time is left: keep the makespan (and the overruns),
minimise the total delay weighted by 1 + priority, so nothing moves later than it must.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from ortools.sat.python import cp_model

from margin.scheduling.leveling.heuristic import level_heuristic
from margin.scheduling.leveling.network import Network, compile_problem, make_schedule, makespan_of, tardiness_of
from margin.scheduling.leveling.problem import LeveledSchedule, LevelingProblem

ProgressCallback = Callable[[float, int, int], None]


@dataclass
class _Model:
    model: cp_model.CpModel
    starts: list[cp_model.IntVar]
    makespan: cp_model.IntVar
    penalty: cp_model.LinearExprT | None


def _tails(net: Network, g: int) -> list[int]:
    """For each activity, the least time from its start to the end of the project (links only)."""
    q = [0] * net.n
    for i in reversed(net.topo):
        t = net.dur[i] // g
        for j, dl in net.succs[i]:
            if net.fixed[j] is None:  # links into a fixed activity are soft
                t = max(t, dl // g + q[j])
        q[i] = t
    return q


def _fixed_load(net: Network, g: int) -> list[list[tuple[int, int, int]]]:
    """Per resource, (start, end, units) segments used by fixed activities, clamped at the capacity."""
    out: list[list[tuple[int, int, int]]] = []
    for r, cap in enumerate(net.capacity):
        events: dict[int, int] = {}
        for i, f in enumerate(net.fixed):
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


def _build(net: Network, g: int, horizon: int, makespan_cap: int | None, penalty_cap: int | None) -> _Model:
    m = cp_model.CpModel()
    n = net.n
    dur = [d // g for d in net.dur]
    tails = _tails(net, g)
    starts: list[cp_model.IntVar] = []
    intervals: list[cp_model.IntervalVar] = []
    for i in range(n):
        f = net.fixed[i]
        if f is not None:
            s = m.new_constant(f // g)
        else:
            lo = net.early_start[i] // g
            hi = max(lo, horizon - tails[i])
            s = m.new_int_var(lo, hi, f"s{i}")
        starts.append(s)
        intervals.append(m.new_fixed_size_interval_var(s, dur[i], f"a{i}"))
    penalties: list[cp_model.IntVar] = []
    for link in net.links:
        i, j, dl = link.pred, link.succ, link.delta // g
        if net.fixed[j] is not None:
            slack = m.new_int_var(0, horizon + abs(dl), f"slack{i}_{j}")
            m.add(starts[j] + slack >= starts[i] + dl)
            penalties.append(slack)
        else:
            m.add(starts[j] >= starts[i] + dl)
    for i, dln in enumerate(net.deadline):
        if dln is not None and net.fixed[i] is None:
            late = m.new_int_var(0, horizon, f"late{i}")
            m.add(starts[i] + dur[i] <= dln // g + late)
            penalties.append(late)
    fixed_load = _fixed_load(net, g)
    for r, cap in enumerate(net.capacity):
        ivs: list[cp_model.IntervalVar] = []
        dem: list[int] = []
        for i in range(n):
            if net.fixed[i] is not None or dur[i] == 0:
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
        implied = any(dl + dur[j] >= dur[i] and net.fixed[j] is None for j, dl in net.succs[i])
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
    """Reports each better solution: (elapsed seconds, its makespan, the best lower bound so far)."""

    def __init__(self, t0: float, g: int, built: _Model, floor: int, report: ProgressCallback) -> None:
        super().__init__()
        self.t0 = t0
        self.g = g
        self.built = built
        self.floor = floor
        self.report = report

    def on_solution_callback(self) -> None:
        bound = self.floor
        if self.built.penalty is None:
            bound = max(bound, int(self.best_objective_bound) * self.g)
        self.report(time.perf_counter() - self.t0, self.value(self.built.makespan) * self.g, bound)


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


def _solver(seconds: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.05, seconds)
    params.num_workers = workers
    params.random_seed = seed
    params.merge_text_format(" ".join(f'ignore_subsolvers: "{name}"' for name in _IGNORED_SUBSOLVERS))
    return solver


@dataclass
class _Best:
    starts: list[int]  # original time units, in network order
    objective: tuple[int, int]  # (penalty, makespan)
    optimal: bool = False
    lower: int = 0


def _objective(net: Network, starts: list[int]) -> tuple[int, int]:
    penalty = tardiness_of(net, starts)
    for link in net.links:
        if net.fixed[link.succ] is not None:
            penalty += max(0, starts[link.pred] + link.delta - starts[link.succ])
    return penalty, makespan_of(net, starts)


def _solve_stage(
    net: Network,
    g: int,
    horizon: int,
    best: _Best,
    seconds: float,
    workers: int,
    seed: int,
    t0: float,
    on_progress: ProgressCallback | None,
) -> float:
    """One CP-SAT run hinted with ``best``; updates ``best`` in place. Returns the solver's wall time."""
    built = _build(net, g, horizon, None, None)
    for i, var in enumerate(built.starts):
        if net.fixed[i] is None:
            built.model.add_hint(var, best.starts[i] // g)
    built.model.add_hint(built.makespan, best.objective[1] // g)
    solver = _solver(seconds, workers, seed)
    callback = None if on_progress is None else _Progress(t0, g, built, best.lower, on_progress)
    status = solver.solve(built.model, callback)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        cand = [solver.value(v) * g for v in built.starts]
        obj = _objective(net, cand)
        if obj <= best.objective:
            best.starts, best.objective = cand, obj
        if status == cp_model.OPTIMAL and obj <= best.objective:
            best.optimal = True
        if built.penalty is None:
            best.lower = max(best.lower, int(solver.best_objective_bound) * g)
    return float(solver.wall_time)


def level_cpsat(
    problem: LevelingProblem | Network,
    *,
    time_limit_s: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    hint: LeveledSchedule | None = None,
    heuristic_share: float = 0.35,
    probe_share: float = 0.15,
    minimize_delay: bool = False,
    on_progress: ProgressCallback | None = None,
) -> LeveledSchedule:
    """Level ``problem`` with CP-SAT within ``time_limit_s`` (wall time, everything included).

    The stages: a short heuristic run gives the first plan (or ``hint`` does); a CP-SAT probe
    (``probe_share`` of the time) proves most easy problems optimal; if it does not, the heuristic
    searches on from the best plan (``heuristic_share`` of the time, one core) and CP-SAT spends the
    rest of the time improving the result (its large-neighbourhood search starts from the hint).
    ``on_progress(elapsed_s, best_makespan, lower_bound)`` is called for each better solution found.
    """
    t0 = time.perf_counter()
    net = problem if isinstance(problem, Network) else compile_problem(problem)

    def left() -> float:  # kept 0.1 s short of the limit: building the answer takes a moment
        return time_limit_s - 0.1 - (time.perf_counter() - t0)

    if hint is None:
        hint = level_heuristic(net, seed=seed, time_limit_s=min(0.3, time_limit_s * 0.05), on_progress=on_progress)
    g = net.time_unit()
    best = _Best([hint.starts[a] for a in net.ids], (0, 0), lower=max(net.lower_bound, hint.lower_bound))
    best.objective = _objective(net, best.starts)
    best.optimal = net.n == 0 or (hint.proven_optimal and not hint.violations)
    schedules = hint.schedules
    solve_s = 0.0
    soft = net.has_deadlines or net.has_fixed
    horizon = hint.makespan // g
    if soft:  # a longer plan may keep more deadlines: allow any plan a schedule generation pass could make
        horizon = max(horizon, net.horizon_bound() // g)

    if not best.optimal:
        solve_s += _solve_stage(
            net, g, horizon, best, min(left(), time_limit_s * probe_share), workers, seed, t0, on_progress
        )
    if not best.optimal and left() > 0.5 and heuristic_share > 0:
        stage_s = min(left() - 0.2, time_limit_s * heuristic_share)
        # CP-SAT (one worker fewer) searches in a thread meanwhile: it releases the GIL while solving
        side = _Best(list(best.starts), best.objective, lower=best.lower)
        side_s: list[float] = []
        thread = None
        if workers > 1:
            thread = threading.Thread(
                target=lambda: side_s.append(
                    _solve_stage(net, g, horizon, side, stage_s, workers - 1, seed + 1, t0, on_progress)
                ),
                daemon=True,
            )
            thread.start()
        more = level_heuristic(
            net,
            seed=seed + 1,
            max_schedules=10**9,
            time_limit_s=stage_s,
            initial=[dict(zip(net.ids, best.starts, strict=True))],
        )
        if thread is not None:
            thread.join()
            solve_s += sum(side_s)
        schedules += more.schedules
        cand = [more.starts[a] for a in net.ids]
        if _objective(net, cand) < best.objective:
            best.starts, best.objective = cand, _objective(net, cand)
            if on_progress is not None:
                on_progress(time.perf_counter() - t0, best.objective[1], best.lower)
        best.lower = max(best.lower, side.lower)
        if side.optimal or side.objective < best.objective:
            best.starts, best.objective, best.optimal = side.starts, side.objective, side.optimal
    if not best.optimal and left() > 0.05:
        if not soft:
            horizon = best.objective[1] // g
        solve_s += _solve_stage(net, g, horizon, best, left(), workers, seed, t0, on_progress)

    starts = best.starts
    if minimize_delay and left() > 0.05:
        pen, ms = best.objective
        second = _build(net, g, horizon, ms // g, pen if soft else None)
        second.model.minimize(sum((1 + p) * s for p, s in zip(net.priority, second.starts, strict=True)))
        for i, var in enumerate(second.starts):
            if net.fixed[i] is None:
                second.model.add_hint(var, starts[i] // g)
        s2 = _solver(left(), workers, seed)
        if s2.solve(second.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            cand = [s2.value(v) * g for v in second.starts]
            if _objective(net, cand) <= best.objective:
                starts = cand
        solve_s += s2.wall_time

    return make_schedule(
        net,
        starts,
        method="cpsat",
        proven_optimal=best.optimal,
        lower_bound=best.objective[1] if best.optimal and best.objective[0] == 0 else best.lower,
        schedules=schedules,
        elapsed_s=time.perf_counter() - t0,
        stats={"solver_s": solve_s, "heuristic_makespan": float(hint.makespan)},
    )
