"""Fast leveling for interactive use: priority rules, forward-backward improvement and a genetic algorithm.

1. Priority-rule passes. Each rule (LFT, LST, MTS, GRPW, MSLK, ...; activities with a higher
   ``priority`` first) orders the activities; the serial SGS (``kernel.py``) turns an order into a plan.
2. Forward-backward improvement (FBI, "double justification", Valls et al. 2005; Tormos & Lova 2001):
   the plan is right-justified (a backward SGS pass in order of decreasing finish times, against the
   reflected network) and then left-justified again (a forward pass in order of the right-justified
   starts). This never lengthens the plan and often shortens it; it is repeated while it helps.
3. A genetic algorithm over activity lists (Hartmann 1998): two-point crossover and swap mutation keep
   every list consistent with the links; each child is decoded, improved by FBI and written back
   (Lamarckian), and the best ``population`` plans survive (no two alike). When the best plan has not
   improved for ``restart_after`` generations, the population restarts from its two best plans and
   fresh samples around the LFT order, which keeps long searches from stalling.

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

import random
import time
from collections.abc import Callable, Mapping, Sequence

from margin.scheduling.leveling.kernel import Pass, scale_units
from margin.scheduling.leveling.network import Network, check_schedule, compile_problem, make_schedule
from margin.scheduling.leveling.problem import ActivityId, LeveledSchedule, LevelingProblem

_MEMO_INTS = 1_500_000  # the remembered results hold at most this many start times per memo (about 12 MB)
# up to about 4.5 s of one core on a J60 instance it cannot solve at once, 0.87 s on average (bench/leveling.py)
DEFAULT_MAX_SCHEDULES = 30_000
# Near the lower bound the budget shrinks: within NEAR_BOUND of it (as a share of the bound), in proportion to
# the gap, down to NEAR_BOUND_FLOOR of the budget.
NEAR_BOUND = 0.08
NEAR_BOUND_FLOOR = 0.25


class _Stop(Exception):
    pass


class Engine:
    """Forward and backward SGS passes for one network, with the bookkeeping the search needs."""

    def __init__(self, net: Network) -> None:
        self.net = net
        g = net.time_unit()
        self.g = g
        n = net.n
        self.n = n
        dur = [d // g for d in net.dur]
        self.dur = dur
        self.release = [r // g for r in net.release]
        self.deadline = [None if d is None else d // g for d in net.deadline]
        self.fixed = [None if f is None else f // g for f in net.fixed]
        self.latest = [None if x is None else x // g for x in net.latest] if net.has_latest else None
        fpreds = [[(i, dl // g) for i, dl in net.preds[j]] for j in range(n)]
        bpreds = [[(j, dl // g + dur[j] - dur[i]) for j, dl in net.succs[i]] for i in range(n)]
        caps, dem = scale_units(net)

        def extra(preds: list[list[tuple[int, int]]], dur_of_pred: list[int]) -> int:
            return sum(max([0] + [dl - dur_of_pred[i] for i, dl in preds[j]]) for j in range(n))

        fixed_end = max((f + dur[j] for j, f in enumerate(self.fixed) if f is not None), default=0)
        h_f = max(self.release, default=0) + fixed_end + sum(dur) + extra(fpreds, dur) + 2
        self.fwd = Pass(n, dur, fpreds, dem, caps, h_f)
        h_b = (h_f if net.has_deadlines else 0) + (h_f if net.has_fixed else 0) + sum(dur) + extra(bpreds, dur) + 2
        self.bwd = Pass(n, dur, bpreds, dem, caps, h_b)
        self.used_f = self.fwd.profile([(j, f) for j, f in enumerate(self.fixed) if f is not None])
        self._used_b: dict[int, list[int]] = {}
        self.used_b0 = self.bwd.profile([])
        rank = [0] * n
        for pos, i in enumerate(net.topo):
            rank[i] = pos
        self.rank = rank
        self.lower_bound = -(-net.lower_bound // g)
        self.has_deadlines = net.has_deadlines
        self.has_fixed = net.has_fixed
        self.schedules = 0
        # Results by the hash of an activity list (a plan): a converged population keeps making lists and plans it
        # has seen, and decoding them again would spend the budget on nothing new. Python hashes integers the
        # same way in every process, so this stays deterministic; a collision (never seen) would only hand back
        # another valid plan.
        self._evaluated: dict[int, tuple[list[int], int]] = {}
        self._improved: dict[int, tuple[list[int], int]] = {}
        self.repeats = 0

    # --- passes --------------------------------------------------------------------------------

    def forward(self, order: list[int]) -> list[int]:
        self.schedules += 1
        return self.fwd.run(order, self.release, self.fixed, self.used_f, self.latest)

    def evaluate(self, order: list[int]) -> tuple[list[int], int]:
        """A forward pass and its objective (remembered: a list seen before costs no pass)."""
        key = hash(tuple(order))
        seen = self._evaluated.get(key)
        if seen is not None:
            self.repeats += 1
            return seen
        starts = self.forward(order)
        out = starts, self.objective(starts, self.fwd.overflow)
        self._remember(self._evaluated, key, out)
        return out

    def _remember(self, memo: dict[int, tuple[list[int], int]], key: int, value: tuple[list[int], int]) -> None:
        if len(memo) * self.n >= _MEMO_INTS:
            memo.clear()
        memo[key] = value

    def makespan(self, starts: list[int]) -> int:
        dur = self.dur
        return max([starts[i] + dur[i] for i in range(self.n)], default=0)

    def objective(self, starts: list[int], overflow: int = 0) -> int:
        """Makespan, preceded by the total deadline overrun when deadlines exist, preceded by the
        over-allocation that links forced (lexicographic)."""
        ms = self.makespan(starts) + (overflow << 80)
        if not self.has_deadlines:
            return ms
        late = 0
        for i, dl in enumerate(self.deadline):
            if dl is not None:
                over = starts[i] + self.dur[i] - dl
                if over > 0:
                    late += over
        return late * (1 << 40) + ms

    def order_of(self, starts: list[int]) -> list[int]:
        """The activity list of a plan: by start time, ties by topological rank."""
        n = self.n
        rank = self.rank
        return self.fwd.order_by([starts[i] * n + rank[i] for i in range(n)], times=True)

    def backward(self, starts: list[int]) -> list[int]:
        """Right-justify a plan; returns the forward-pass keys it implies (smaller = earlier)."""
        self.schedules += 1
        n = self.n
        dur = self.dur
        t = self.makespan(starts)
        rank = self.rank
        keys = [(t - starts[i] - dur[i]) * n + (n - 1 - rank[i]) for i in range(n)]
        order = self.bwd.order_by(keys, times=True)
        rel = [0] * n
        if self.has_deadlines:
            for i, dl in enumerate(self.deadline):
                if dl is not None and dl < t:
                    rel[i] = t - dl
        fixed: list[int | None] = [None] * n
        used = self.used_b0
        if self.has_fixed:
            for i, f in enumerate(self.fixed):
                if f is not None:
                    fixed[i] = t - f - dur[i]
            cached = self._used_b.get(t)
            if cached is None:
                cached = self.bwd.profile([(i, f) for i, f in enumerate(fixed) if f is not None])
                self._used_b[t] = cached
            used = cached
        rs = self.bwd.run(order, rel, fixed, used)
        return [-(rs[i] + dur[i]) * n + rank[i] for i in range(n)]

    def improve(self, starts: list[int], obj: int, max_rounds: int = 4) -> tuple[list[int], int]:
        """Forward-backward improvement, repeated while it shortens the plan (remembered per plan: the
        objective is a function of the plan)."""
        key = hash(tuple(starts))
        seen = self._improved.get(key)
        if seen is not None:
            self.repeats += 1
            return seen
        out = self._improve(starts, obj, max_rounds)
        self._remember(self._improved, key, out)
        return out

    def _improve(self, starts: list[int], obj: int, max_rounds: int) -> tuple[list[int], int]:
        for _ in range(max_rounds):
            keys = self.backward(starts)
            cand, cobj = self.evaluate(self.fwd.order_by(keys, times=True))
            if cobj < obj:
                starts, obj = cand, cobj
            else:
                break
        return starts, obj


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


def _keys_from(values: list[float], eng: Engine) -> list[int]:
    """Integer keys from float priorities; ties broken by topological rank."""
    order = sorted(range(eng.n), key=lambda i: (values[i], eng.rank[i]))
    keys = [0] * eng.n
    for pos, i in enumerate(order):
        keys[i] = pos
    return keys


# --- genetic algorithm -------------------------------------------------------------------------


def _crossover(mother: list[int], father: list[int], rng: random.Random) -> list[int]:
    n = len(mother)
    q1 = rng.randrange(n)
    q2 = rng.randrange(q1, n)
    child = mother[:q1]
    taken = [False] * n
    for a in child:
        taken[a] = True
    for a in father:
        if len(child) >= q2:
            break
        if not taken[a]:
            child.append(a)
            taken[a] = True
    for a in mother:
        if not taken[a]:
            child.append(a)
    return child


def _mutate(lst: list[int], linked: list[set[int]], rate: float, rng: random.Random) -> None:
    n = len(lst)
    for k in range(n - 1):
        if rng.random() < rate:
            a, b = lst[k], lst[k + 1]
            if b not in linked[a]:
                lst[k], lst[k + 1] = b, a


def level_heuristic(
    problem: LevelingProblem | Network,
    *,
    seed: int = 0,
    max_schedules: int = DEFAULT_MAX_SCHEDULES,
    time_limit_s: float | None = None,
    population: int = 24,
    mutation_rate: float = 0.05,
    restart_after: int = 30,
    keep_on_restart: int = 2,
    on_progress: Callable[[float, int, int], None] | None = None,
    initial: Sequence[Mapping[ActivityId, int]] = (),
    near_bound: float = NEAR_BOUND,
) -> LeveledSchedule:
    """Level ``problem`` with the fast heuristic (see the module docstring).

    ``on_progress(elapsed_s, best_makespan, lower_bound)`` is called whenever the best plan improves.
    ``initial``: plans (starts per activity) whose orders seed the first population, e.g. a solver's best.
    ``near_bound``: while the best plan's makespan is within this share of the lower bound (and it owes nothing
    else), the budget is cut in proportion to the gap, down to a quarter: on PSPLIB J60 such a plan is nearly
    always optimal already (the bound is what is weak), so the schedules are better spent where the gap is
    large (about 12 % less CPU time at the same quality). 0 keeps the whole budget.
    """
    t0 = time.perf_counter()
    net = problem if isinstance(problem, Network) else compile_problem(problem)
    eng = Engine(net)
    rng = random.Random(seed)  # noqa: S311 (a reproducible search, not cryptography)
    deadline_t = None if time_limit_s is None else t0 + time_limit_s
    n = net.n
    lb = eng.lower_bound
    lb_obj = lb  # no deadline overrun and the makespan at its bound

    best_starts: list[int] = []
    budget = max_schedules
    best_obj = -1

    def consider(starts: list[int], obj: int) -> None:
        nonlocal best_starts, best_obj, budget
        if best_obj < 0 or obj < best_obj:
            best_starts, best_obj = starts, obj
            if near_bound > 0 and lb > 0:
                # obj is the makespan when the plan owes nothing else (overruns and forced over-allocation
                # weigh far more, so such a plan keeps the whole budget)
                share = max(NEAR_BOUND_FLOOR, (obj - lb) / (lb * near_bound))
                budget = max(1, int(max_schedules * min(1.0, share)))
            if on_progress is not None:
                on_progress(time.perf_counter() - t0, eng.makespan(starts) * eng.g, lb * eng.g)
        if obj <= lb_obj:
            raise _Stop
        if eng.schedules >= budget or eng.repeats >= 2 * max_schedules:
            raise _Stop
        if deadline_t is not None and time.perf_counter() > deadline_t:
            raise _Stop

    pop: list[tuple[int, list[int]]] = []
    try:
        if n == 0:
            raise _Stop
        for plan in initial:
            starts = [plan[a] // eng.g for a in net.ids]
            if check_schedule(net, [plan[a] for a in net.ids]) or any(plan[a] % eng.g for a in net.ids):
                # not a plan this search could make: only its order is taken
                starts, obj = eng.evaluate(eng.order_of(starts))
            else:
                obj = eng.objective(starts)
            consider(starts, obj)
            pop.append((obj, eng.order_of(starts)))
        rules = _rules(eng)
        for _, values in rules.items():
            keys = _keys_from(values, eng)
            starts, obj = eng.evaluate(eng.fwd.order_by(keys))
            consider(starts, obj)
            starts, obj = eng.improve(starts, obj)
            consider(starts, obj)
            pop.append((obj, eng.order_of(starts)))
        # random-key perturbations of LFT fill the population
        lft = rules["LFT"]
        spread = max(max(lft) - min(lft), 1.0)

        def sample(values: list[float]) -> tuple[int, list[int]]:
            starts, obj = eng.evaluate(eng.fwd.order_by(_keys_from(values, eng)))
            consider(starts, obj)
            starts, obj = eng.improve(starts, obj)
            consider(starts, obj)
            return obj, eng.order_of(starts)

        while len(pop) < population:
            pop.append(sample([v + rng.random() * spread * 0.3 for v in lft]))
        linked: list[set[int]] = [set() for _ in range(n)]
        for link in net.links:
            linked[link.pred].add(link.succ)
            linked[link.succ].add(link.pred)
        stale = 0
        while True:
            pop.sort(key=lambda p: p[0])
            pop = pop[:population]
            if stale >= restart_after:
                # the population has converged: keep the best plans, sample afresh around LFT
                stale = 0
                pop = pop[:keep_on_restart]
                while len(pop) < population:
                    noisy = [v + rng.random() * spread for v in lft]
                    pop.append(sample(noisy))
            before = best_obj
            children: list[tuple[int, list[int]]] = []
            idx = list(range(len(pop)))
            rng.shuffle(idx)
            for a, b in zip(idx[0::2], idx[1::2], strict=False):
                for mother, father in ((pop[a][1], pop[b][1]), (pop[b][1], pop[a][1])):
                    child = _crossover(mother, father, rng)
                    _mutate(child, linked, mutation_rate, rng)
                    starts, obj = eng.evaluate(child)
                    consider(starts, obj)
                    starts, obj = eng.improve(starts, obj)
                    consider(starts, obj)
                    children.append((obj, eng.order_of(starts)))
            stale = 0 if best_obj < before else stale + 1
            seen = {tuple(p[1]) for p in pop}
            for c in children:
                key = tuple(c[1])
                if key not in seen:
                    seen.add(key)
                    pop.append(c)
    except _Stop:
        pass

    g = eng.g
    starts_out = [s * g for s in best_starts] if best_starts else []
    ms = eng.makespan(best_starts) if best_starts else 0
    return make_schedule(
        net,
        starts_out,
        method="heuristic",
        proven_optimal=n == 0 or (best_obj <= lb_obj and ms <= lb),
        lower_bound=lb * g,
        schedules=eng.schedules,
        elapsed_s=time.perf_counter() - t0,
        stats={"repeats": float(eng.repeats)},
    )
