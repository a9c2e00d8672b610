"""Fast leveling for interactive use: priority rules, forward-backward improvement and a genetic algorithm.

1. Priority-rule passes. Each rule (LFT, LST, MTS, GRPW, MSLK, ...; activities with a higher
   ``priority`` first) orders the activities; the serial SGS (``kernel.py``) turns an order into a plan.
2. Forward-backward improvement (FBI, "double justification", Valls et al. 2005; Tormos & Lova 2001):
   the plan is right-justified (a backward SGS pass in order of decreasing finish times, against the
   reflected network) and then left-justified again (a forward pass in order of the right-justified
   starts). This never lengthens the plan and often shortens it; it is repeated while it helps.
3. A genetic algorithm over activity lists (Hartmann 1998): two-point crossover and swap mutation keep
   every list consistent with the links; each child is decoded, improved by FBI and written back
   (Lamarckian), and the best ``population`` plans (80) survive (no two alike). When the best plan has not
   improved for ``restart_after`` generations, the population restarts from its two best plans and
   fresh samples around the LFT order, which keeps long searches from stalling.

The passes, FBI and the making of children run compiled (``kernel.py``, numba; ADR 0018); this module decides
what to try and when to stop, and draws every random number (numpy's PCG64 from ``seed``).

The effort is a budget of SGS passes (``max_schedules``): for a given problem, ``seed`` and budget the
answer is always the same, however busy the machine is (a wall-time cap made the same plan level
differently under load). An activity list or a plan met before is not decoded or improved again (its result
is remembered and costs no pass; ``stats["repeats"]`` counts them), so the budget goes to new plans; a search
that only meets old ones (a small problem) stops after ``2 * max_schedules`` repeats. While the best plan is
within ``near_bound`` (8 %) of the lower bound, the budget shrinks with the gap, down to a quarter: there the
plan is usually optimal and only the bound is weak, so the schedules go where the gap is large.
``time_limit_s`` is an optional safety cap on wall time for callers that need one (None, the default: no
cap). The search also stops as soon as it meets a lower bound (critical path or resource energy), because
the plan is then optimal.

Links into fixed activities are kept (``Network.latest``, see ``kernel.py``): when an activity cannot be
leveled without breaking one, it stays at its earliest start, over-allocated, and the plan says so. Such
over-allocation weighs more than any makespan in the objective, so the search keeps it as small as it can.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from margin.scheduling.leveling import kernel
from margin.scheduling.leveling.kernel import Arrays, adjacency, csr, optional, scale_units, side
from margin.scheduling.leveling.network import Network, check_schedule, compile_problem, make_schedule
from margin.scheduling.leveling.problem import ActivityId, LeveledSchedule, LevelingProblem

# at most about 0.8 s of one core on a PSPLIB J60 instance, 0.1 s on average (bench/leveling.py)
DEFAULT_MAX_SCHEDULES = 30_000
# Near the lower bound the budget shrinks: within NEAR_BOUND of it (as a share of the bound), in proportion to
# the gap, down to NEAR_BOUND_FLOOR of the budget.
NEAR_BOUND = 0.08
NEAR_BOUND_FLOOR = 0.25

Objective = tuple[int, int, int]  # (forced over-allocation, deadline overrun, makespan), see kernel.objective


class Engine:
    """A network in scaled time units, as the compiled passes take it, and the search's state."""

    def __init__(self, net: Network, max_schedules: int, near_bound: float) -> None:
        self.net = net
        g = net.time_unit()
        self.g = g
        n = net.n
        self.n = n
        dur = [d // g for d in net.dur]
        self.dur = dur
        release = [r // g for r in net.release]
        deadline = [None if d is None else d // g for d in net.deadline]
        fixed = [None if f is None else f // g for f in net.fixed]
        latest: list[int | None] = [None] * n
        if net.has_latest:
            latest = [None if x is None else x // g for x in net.latest]
        fpreds = [[(i, dl // g) for i, dl in net.preds[j]] for j in range(n)]
        bpreds = [[(j, dl // g + dur[j] - dur[i]) for j, dl in net.succs[i]] for i in range(n)]
        caps, dem = scale_units(net)

        def extra(preds: list[list[tuple[int, int]]]) -> int:
            return sum(max([0] + [dl - dur[i] for i, dl in preds[j]]) for j in range(n))

        fixed_end = max((f + dur[j] for j, f in enumerate(fixed) if f is not None), default=0)
        h_f = max(release, default=0) + fixed_end + sum(dur) + extra(fpreds) + 2
        h_b = (h_f if net.has_deadlines else 0) + (h_f if net.has_fixed else 0) + sum(dur) + extra(bpreds) + 2
        rank = [0] * n
        for pos, i in enumerate(net.topo):
            rank[i] = pos
        self.rank = np.array(rank, np.int64)
        d_ptr, d_res, d_u = csr([[(r, u) for r, u in dem[j] if u > 0] if dur[j] > 0 else [] for j in range(n)])
        a = Arrays(
            dur=np.array(dur, np.int64),
            release=np.array(release, np.int64),
            fixed=optional(fixed),
            latest=optional(latest),
            deadline=optional(deadline),
            rank=self.rank,
            d_ptr=d_ptr,
            d_res=d_res,
            d_u=d_u,
            cap=np.array(caps, np.int64),
            used_f=np.zeros((0, len(caps)), np.int64),
            has_fixed=net.has_fixed,
            has_deadlines=net.has_deadlines,
            has_latest=net.has_latest,
            fwd=side(n, fpreds, h_f),
            bwd=side(n, bpreds, h_b),
        )
        self.arrays = a._replace(used_f=kernel.profile(a, a.fixed, h_f))
        self.lower_bound = -(-net.lower_bound // g)
        self.state = np.zeros(kernel.STATE_SIZE, np.int64)
        self.state[[kernel.BUDGET, kernel.MAX_SCHEDULES]] = max_schedules
        self.state[kernel.BEST_MAKESPAN] = -1
        self.state[kernel.LOWER_BOUND] = self.lower_bound
        self.best = np.zeros(n, np.int64)
        self.near = near_bound
        self.floor = NEAR_BOUND_FLOOR
        self.lists = kernel.memo(n)
        self.plans = kernel.memo(n)

    @property
    def schedules(self) -> int:
        return int(self.state[kernel.SCHEDULES])

    @property
    def repeats(self) -> int:
        return int(self.state[kernel.REPEATS])

    @property
    def stopped(self) -> bool:
        return bool(self.state[kernel.STOP])

    @property
    def best_objective(self) -> Objective:
        st = self.state
        return int(st[kernel.BEST_OVERFLOW]), int(st[kernel.BEST_LATE]), int(st[kernel.BEST_MAKESPAN])

    def improved(self) -> bool:
        """Whether the best plan improved since the last call."""
        was = bool(self.state[kernel.IMPROVED])
        self.state[kernel.IMPROVED] = 0
        return was

    def attempt(self, order: np.ndarray) -> tuple[Objective, np.ndarray]:
        """Decode ``order``, improve the plan, keep the best; the improved plan's objective and list."""
        out, obj = kernel.attempt(
            self.arrays, order, self.state, self.best, self.near, self.floor, self.lists, self.plans
        )
        return obj, out

    def consider_plan(self, starts: list[int]) -> None:
        """Keep a valid plan given from outside if it beats the best so far."""
        plan = np.array(starts, np.int64)
        obj = kernel.objective(self.arrays, plan, 0)
        kernel.consider(self.arrays, plan, obj, self.state, self.best, self.near, self.floor)

    def order_by(self, keys: np.ndarray) -> np.ndarray:
        return kernel.order_by(self.arrays.fwd, keys, False)

    def order_of(self, starts: list[int]) -> np.ndarray:
        return kernel.order_of(self.arrays, np.array(starts, np.int64))


# --- priority rules ----------------------------------------------------------------------------


def _rules(eng: Engine) -> dict[str, list[float]]:
    """Priority values per rule: smaller is scheduled first."""
    net = eng.net
    n = net.n
    g = eng.g
    lf = [f / g for f in net.late_finish]
    ls = [lf[i] - eng.dur[i] for i in range(n)]
    es = [e / g for e in net.early_start]
    succs = net.succs
    # total successors (transitive), via bitsets in reverse topological order
    reach = [0] * n
    for i in reversed(net.topo):
        m = 0
        for j, _ in succs[i]:
            m |= reach[j] | (1 << j)
        reach[i] = m
    mts = [-float(bin(reach[i]).count("1")) for i in range(n)]
    grpw = [-float(eng.dur[i] + sum(eng.dur[j] for j, _ in succs[i])) for i in range(n)]
    # work content of the resources used, relative to capacity
    caps = net.capacity
    load = [sum(u / caps[r] for r, u in net.demands[i] if caps[r]) * eng.dur[i] for i in range(n)]
    rules = {
        "LFT": lf,
        "LST": ls,
        "MSLK": [ls[i] - es[i] for i in range(n)],
        "MTS": mts,
        "GRPW": grpw,
        "WRUP": [mts[i] * 0.7 - load[i] * 0.3 for i in range(n)],
        "LFT+MTS": [lf[i] + mts[i] * 0.01 for i in range(n)],
    }
    if any(net.priority):
        top = max(net.priority)
        span = max(max(lf) - min([*ls, 0.0]), 1.0) * 2
        rules = {k: [v[i] + (top - net.priority[i]) * span for i in range(n)] for k, v in rules.items()}
    return rules


def _keys_from(values: Sequence[float] | np.ndarray, eng: Engine) -> np.ndarray:
    """Integer keys from float priorities; ties broken by topological rank."""
    keys = np.empty(eng.n, np.int64)
    keys[np.lexsort((eng.rank, np.asarray(values, np.float64)))] = np.arange(eng.n)
    return keys


# --- genetic algorithm -------------------------------------------------------------------------


def level_heuristic(
    problem: LevelingProblem | Network,
    *,
    seed: int = 0,
    max_schedules: int = DEFAULT_MAX_SCHEDULES,
    threads: int = 1,
    time_limit_s: float | None = None,
    population: int = 80,
    mutation_rate: float = 0.05,
    restart_after: int = 30,
    keep_on_restart: int = 2,
    on_progress: Callable[[float, int, int], None] | None = None,
    initial: Sequence[Mapping[ActivityId, int]] = (),
    near_bound: float = NEAR_BOUND,
) -> LeveledSchedule:
    """Level ``problem`` with the fast heuristic (see the module docstring).

    ``threads``: independent searches (seeds ``seed``, ``seed + 1``, ...) of ``max_schedules`` each, run side by
    side (the kernel releases the GIL); the best plan wins, ties to the lower seed, so the answer stays the
    same whatever the machine's load. Separate searches rather than one shared one: a converged population
    is what stops the search improving, and two find more than one of twice the budget.
    ``on_progress(elapsed_s, best_makespan, lower_bound)`` is called whenever the best plan improves (at the
    latest after the generation that improved it), from the searches' threads.
    ``initial``: plans (starts per activity) whose orders seed the first population, e.g. a solver's best.
    ``near_bound``: while the best plan's makespan is within this share of the lower bound (and it owes nothing
    else), the budget is cut in proportion to the gap, down to a quarter: on PSPLIB J60 such a plan is nearly
    always optimal already (the bound is what is weak), so the schedules are better spent where the gap is
    large. 0 keeps the whole budget.
    """
    t0 = time.perf_counter()
    net = problem if isinstance(problem, Network) else compile_problem(problem)
    options = _Options(population, mutation_rate, restart_after, keep_on_restart, initial, on_progress, t0)
    deadline_t = None if time_limit_s is None else t0 + time_limit_s
    engines = [Engine(net, max_schedules, near_bound) for _ in range(max(1, threads))]
    if len(engines) == 1:
        _run(engines[0], seed, deadline_t, options)
    else:
        with ThreadPoolExecutor(len(engines)) as pool:
            list(pool.map(lambda k: _run(engines[k], seed + k, deadline_t, options), range(len(engines))))
    eng = min(engines, key=lambda e: e.best_objective)  # the first of equals: the lowest seed

    n = net.n
    g = eng.g
    best = eng.best.tolist() if eng.best_objective[2] >= 0 and n else []
    starts_out = [s * g for s in best]
    ms = eng.best_objective[2] if best else 0  # the kept plan's makespan, in the engine's time unit
    return make_schedule(
        net,
        starts_out,
        method="heuristic",
        proven_optimal=n == 0 or (eng.best_objective[:2] == (0, 0) and ms <= eng.lower_bound),
        lower_bound=eng.lower_bound * g,
        schedules=sum(e.schedules for e in engines),
        elapsed_s=time.perf_counter() - t0,
        stats={"repeats": float(sum(e.repeats for e in engines))},
    )


@dataclass(frozen=True)
class _Options:
    population: int
    mutation_rate: float
    restart_after: int
    keep_on_restart: int
    initial: Sequence[Mapping[ActivityId, int]]
    on_progress: Callable[[float, int, int], None] | None
    t0: float


def _run(eng: Engine, seed: int, deadline_t: float | None, opt: _Options) -> None:
    """One search on ``eng`` until its budget, the lower bound or the wall-time cap stops it."""
    rng = np.random.Generator(np.random.PCG64(seed))

    def done() -> bool:
        """Report progress; whether the search is over (the kernel's stop, or the safety cap on wall time)."""
        if eng.improved() and opt.on_progress is not None:
            opt.on_progress(time.perf_counter() - opt.t0, eng.best_objective[2] * eng.g, eng.lower_bound * eng.g)
        return eng.stopped or (deadline_t is not None and time.perf_counter() > deadline_t)

    pop: list[tuple[Objective, np.ndarray]] = []

    def add(order: np.ndarray) -> bool:
        obj, out = eng.attempt(order)
        if not eng.stopped:
            pop.append((obj, out))
        return done()

    if eng.n:
        _search(eng, rng, opt, add, done, pop)


def _search(
    eng: Engine,
    rng: np.random.Generator,
    opt: _Options,
    add: Callable[[np.ndarray], bool],
    done: Callable[[], bool],
    pop: list[tuple[Objective, np.ndarray]],
) -> None:
    """The search proper: the first population (given plans, priority rules, samples around LFT), then
    generations until ``done()``."""
    net = eng.net
    n = net.n
    population = opt.population
    for plan in opt.initial:
        starts = [plan[a] // eng.g for a in net.ids]
        if not check_schedule(net, [plan[a] for a in net.ids]) and not any(plan[a] % eng.g for a in net.ids):
            eng.consider_plan(starts)  # otherwise not a plan this search could make: only its order is taken
        if done() or add(eng.order_of(starts)):
            return
    rules = _rules(eng)
    for values in rules.values():
        if add(eng.order_by(_keys_from(values, eng))):
            return
    # random-key perturbations of LFT fill the population
    lft = np.array(rules["LFT"], np.float64)
    spread = max(float(lft.max() - lft.min()), 1.0)
    while len(pop) < population:
        if add(eng.order_by(_keys_from(lft + rng.random(n) * spread * 0.3, eng))):
            return
    link_ptr, link_idx = adjacency([sorted(linked) for linked in _neighbours(net)])
    stale = 0
    while True:
        pop.sort(key=lambda p: p[0])
        del pop[population:]
        if stale >= opt.restart_after:
            # the population has converged: keep the best plans, sample afresh around LFT
            stale = 0
            del pop[opt.keep_on_restart :]
            while len(pop) < population:
                if add(eng.order_by(_keys_from(lft + rng.random(n) * spread, eng))):
                    return
        before = eng.best_objective
        count = 2 * (len(pop) // 2)
        q1 = rng.integers(0, n, count)
        q2 = q1 + (rng.random(count) * (n - q1)).astype(np.int64)
        children, objs, made = kernel.breed(
            eng.arrays,
            np.stack([p[1] for p in pop]),
            rng.permutation(len(pop)),
            np.stack([q1, q2], axis=1),
            rng.random((count, max(n - 1, 0))),
            opt.mutation_rate,
            link_ptr,
            link_idx,
            eng.state,
            eng.best,
            eng.near,
            eng.floor,
            eng.lists,
            eng.plans,
        )
        if done():
            return
        stale = 0 if eng.best_objective < before else stale + 1
        seen = {p[1].tobytes() for p in pop}
        for c in range(made):
            key = children[c].tobytes()
            if key not in seen:
                seen.add(key)
                pop.append(((int(objs[c, 0]), int(objs[c, 1]), int(objs[c, 2])), children[c]))


def _neighbours(net: Network) -> list[set[int]]:
    """Per activity, the activities linked to it either way (a mutation never swaps two of them)."""
    linked: list[set[int]] = [set() for _ in range(net.n)]
    for link in net.links:
        linked[link.pred].add(link.succ)
        linked[link.succ].add(link.pred)
    return linked
