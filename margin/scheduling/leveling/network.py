"""The checked, index-based form of a :class:`LevelingProblem` that both solvers work on.

``compile_problem`` validates the problem (with errors that name what is wrong), turns every link into a
start-to-start distance ``S_j >= S_i + delta`` and computes the unleveled early starts (CPM forward pass,
resources ignored) and late finishes (backward pass from the critical-path length, tightened by
deadlines). ``check_schedule`` lists what a plan breaks; ``make_schedule`` wraps starts into a
:class:`LeveledSchedule`.

A link into a fixed activity (a manual or started task) is a maximum distance for the activities before it:
``latest`` is, per movable activity, the latest start that keeps every link into a fixed activity, directly
or through a chain of movable ones (``None``: no such link). Both solvers treat it as hard. It is never set
earlier than the unleveled early start: a link that the unleveled plan breaks already (a task started before
its predecessor could finish) is not leveling's to mend, but leveling never breaks it further.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from itertools import pairwise
from math import gcd

from margin.scheduling.leveling.problem import (
    LINK_KINDS,
    ActivityId,
    CycleError,
    LeveledSchedule,
    LevelingError,
    LevelingProblem,
    Precedence,
    ResourceId,
    Violation,
)


@dataclass(frozen=True)
class Link:
    pred: int
    succ: int
    delta: int
    source: Precedence


@dataclass(frozen=True)
class Network:
    problem: LevelingProblem
    ids: tuple[ActivityId, ...]
    index: dict[ActivityId, int]
    dur: tuple[int, ...]
    release: tuple[int, ...]
    deadline: tuple[int | None, ...]
    fixed: tuple[int | None, ...]
    priority: tuple[int, ...]
    links: tuple[Link, ...]
    preds: tuple[tuple[tuple[int, int], ...], ...]  # per activity: (pred index, delta)
    succs: tuple[tuple[tuple[int, int], ...], ...]  # per activity: (succ index, delta)
    resource_ids: tuple[ResourceId, ...]
    capacity: tuple[int, ...]
    demands: tuple[tuple[tuple[int, int], ...], ...]  # per activity: (resource index, units), units > 0
    topo: tuple[int, ...]
    early_start: tuple[int, ...]
    late_finish: tuple[int, ...]
    critical_path_length: int
    energy_bound: int
    latest: tuple[int | None, ...] = ()

    @property
    def has_latest(self) -> bool:
        return any(x is not None for x in self.latest)

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def lower_bound(self) -> int:
        return max(self.critical_path_length, self.energy_bound)

    @property
    def has_fixed(self) -> bool:
        return any(f is not None for f in self.fixed)

    @property
    def has_deadlines(self) -> bool:
        return any(d is not None for d in self.deadline)

    def horizon_bound(self) -> int:
        """A time by which a serial schedule generation pass always finishes (links and resources only).

        When an activity is placed, every resource is free after the latest finish so far, so it starts
        at most its release, the latest fixed finish, or that finish plus the part of an incoming link
        that exceeds its predecessor's duration.
        """
        fixed_end = max((f + self.dur[i] for i, f in enumerate(self.fixed) if f is not None), default=0)
        total = max(self.release, default=0) + fixed_end
        for j in range(self.n):
            total += self.dur[j] + max([0] + [dl - self.dur[i] for i, dl in self.preds[j]])
        return total

    def time_unit(self) -> int:
        """The gcd of every time in the problem: leveling can count in multiples of it without loss."""
        g = 0
        for values in (self.dur, self.release, self.deadline, self.fixed):
            for v in values:
                if v:
                    g = gcd(g, v)
        for link in self.links:
            g = gcd(g, link.source.lag)
        return g or 1


def _find_cycle(n: int, succs: list[list[tuple[int, int]]], remaining: set[int]) -> list[int]:
    """A cycle among ``remaining`` (nodes Kahn's algorithm could not order), in link order."""
    colour: dict[int, int] = {}
    for root in sorted(remaining):
        if root in colour:
            continue
        path: list[int] = []
        on_path: dict[int, int] = {}
        stack: list[tuple[int, int]] = [(root, 0)]
        while stack:
            node, k = stack.pop()
            if k == 0:
                colour[node] = 1
                on_path[node] = len(path)
                path.append(node)
            nexts = [s for s, _ in succs[node] if s in remaining]
            if k < len(nexts):
                stack.append((node, k + 1))
                nxt = nexts[k]
                if nxt in on_path:
                    return path[on_path[nxt] :]
                if nxt not in colour:
                    stack.append((nxt, 0))
            else:
                colour[node] = 2
                path.pop()
                del on_path[node]
    raise AssertionError("no cycle found among the unordered activities")  # pragma: no cover


def compile_problem(problem: LevelingProblem) -> Network:
    acts = problem.activities
    ids = tuple(a.id for a in acts)
    index: dict[ActivityId, int] = {}
    for k, a in enumerate(acts):
        if a.id in index:
            raise LevelingError(f"Activity {a.id!s} appears twice.", field="activities")
        index[a.id] = k
        if a.duration < 0:
            raise LevelingError(f"Activity {a.id!s} has a negative duration ({a.duration}).", field="duration")
        if a.release < 0:
            raise LevelingError(f"Activity {a.id!s} has a negative earliest start ({a.release}).", field="release")
        if a.fixed_start is not None and a.fixed_start < 0:
            raise LevelingError(f"Activity {a.id!s} has a negative fixed start ({a.fixed_start}).", field="fixed_start")
        if a.deadline is not None and a.deadline < 0:
            raise LevelingError(f"Activity {a.id!s} has a negative deadline ({a.deadline}).", field="deadline")
        if a.priority < 0:
            raise LevelingError(f"Activity {a.id!s} has a negative priority ({a.priority}).", field="priority")
    n = len(acts)
    dur = tuple(a.duration for a in acts)

    res_index: dict[ResourceId, int] = {}
    for k, res in enumerate(problem.resources):
        if res.id in res_index:
            raise LevelingError(f"Resource {res.id!s} appears twice.", field="resources")
        if res.capacity < 0:
            raise LevelingError(f"Resource {res.id!s} has a negative capacity ({res.capacity}).", field="capacity")
        res_index[res.id] = k
    capacity = tuple(res.capacity for res in problem.resources)

    merged: list[dict[int, int]] = [{} for _ in range(n)]
    for dm in problem.demands:
        if dm.activity not in index:
            raise LevelingError(f"A demand names an unknown activity {dm.activity!s}.", field="demands")
        if dm.resource not in res_index:
            raise LevelingError(
                f"Activity {dm.activity!s} asks for an unknown resource {dm.resource!s}.", field="demands"
            )
        if dm.units < 0:
            raise LevelingError(
                f"Activity {dm.activity!s} asks for a negative amount ({dm.units}) of {dm.resource!s}.",
                field="units",
            )
        if dm.units == 0:
            continue
        i, r = index[dm.activity], res_index[dm.resource]
        merged[i][r] = merged[i].get(r, 0) + dm.units
    for i, per in enumerate(merged):
        for r, u in per.items():
            if u > capacity[r] and dur[i] > 0:
                raise LevelingError(
                    f"Activity {ids[i]!s} needs {u} units of {problem.resources[r].id!s}, which has only "
                    f"{capacity[r]}: it can never be scheduled.",
                    field="units",
                )
    demands = tuple(tuple(sorted(per.items())) if dur[i] > 0 else () for i, per in enumerate(merged))

    links: list[Link] = []
    succ_l: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    pred_l: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for p in problem.precedences:
        for end in (p.pred, p.succ):
            if end not in index:
                raise LevelingError(f"A link names an unknown activity {end!s}.", field="precedences")
        if p.kind not in LINK_KINDS:
            raise LevelingError(f"Unknown link kind {p.kind!r} (use FS, SS, FF or SF).", field="kind")
        i, j = index[p.pred], index[p.succ]
        if i == j:
            raise CycleError((ids[i],))
        delta = p.distance(dur[i], dur[j])
        links.append(Link(i, j, delta, p))
        succ_l[i].append((j, delta))
        pred_l[j].append((i, delta))

    # Kahn's algorithm: a topological order, or the cycle that prevents one.
    indeg = [len(pl) for pl in pred_l]
    queue = deque(i for i in range(n) if indeg[i] == 0)
    topo: list[int] = []
    while queue:
        i = queue.popleft()
        topo.append(i)
        for j, _ in succ_l[i]:
            indeg[j] -= 1
            if indeg[j] == 0:
                queue.append(j)
    if len(topo) < n:
        done = set(topo)
        cycle = _find_cycle(n, succ_l, {i for i in range(n) if i not in done})
        raise CycleError(tuple(ids[i] for i in cycle))

    release = tuple(a.release for a in acts)
    fixed = tuple(a.fixed_start for a in acts)
    deadline = tuple(a.deadline for a in acts)
    es = [0] * n
    for j in topo:
        fj = fixed[j]
        if fj is not None:
            es[j] = fj
            continue
        t = release[j]
        for i, d in pred_l[j]:
            t = max(t, es[i] + d)
        es[j] = t
    cpl = max((es[i] + dur[i] for i in range(n)), default=0)
    lf = [0] * n
    for i in reversed(topo):
        f = cpl
        dl = deadline[i]
        if dl is not None:
            f = min(f, dl)
        for j, d in succ_l[i]:
            f = min(f, lf[j] - dur[j] - d + dur[i])
        lf[i] = f
    latest: list[int | None] = [None] * n
    for i in reversed(topo):
        if fixed[i] is not None:
            continue
        bound: int | None = None
        for j, d in succ_l[i]:
            limit = fixed[j] if fixed[j] is not None else latest[j]
            if limit is not None and (bound is None or limit - d < bound):
                bound = limit - d
        if bound is not None:
            latest[i] = max(bound, es[i])
    energy = 0
    for r, cap in enumerate(capacity):
        work = sum(u * dur[i] for i in range(n) for rr, u in demands[i] if rr == r)
        if work and cap:
            energy = max(energy, -(-work // cap))

    return Network(
        problem=problem,
        ids=ids,
        index=index,
        dur=dur,
        release=release,
        deadline=deadline,
        fixed=fixed,
        priority=tuple(a.priority for a in acts),
        links=tuple(links),
        preds=tuple(tuple(pl) for pl in pred_l),
        succs=tuple(tuple(sl) for sl in succ_l),
        resource_ids=tuple(r.id for r in problem.resources),
        capacity=capacity,
        demands=demands,
        topo=tuple(topo),
        early_start=tuple(es),
        late_finish=tuple(lf),
        critical_path_length=cpl,
        energy_bound=energy,
        latest=tuple(latest),
    )


def makespan_of(net: Network, starts: list[int]) -> int:
    return max((starts[i] + net.dur[i] for i in range(net.n)), default=0)


def tardiness_of(net: Network, starts: list[int]) -> int:
    late = 0
    for i, dl in enumerate(net.deadline):
        if dl is not None:
            over = starts[i] + net.dur[i] - dl
            if over > 0:
                late += over
    return late


def overloads_of(net: Network, starts: list[int]) -> dict[int, tuple[int, tuple[int, int, int]]]:
    """Activity index → (the most units above a capacity while it runs, (resource, time, load) of that moment)."""
    out: dict[int, tuple[int, tuple[int, int, int]]] = {}
    for r, cap in enumerate(net.capacity):
        events: dict[int, list[tuple[int, int]]] = {}
        for i in range(net.n):
            for rr, u in net.demands[i]:
                if rr == r:
                    events.setdefault(starts[i], []).append((i, u))
                    events.setdefault(starts[i] + net.dur[i], []).append((i, -u))
        load = 0
        running: set[int] = set()
        for t in sorted(events):
            for i, u in events[t]:
                load += u
                if u > 0:
                    running.add(i)
                else:
                    running.discard(i)
            if load > cap:
                for i in running:
                    if i not in out or out[i][0] < load - cap:
                        out[i] = (load - cap, (r, t, load))
    return out


def overload_of(net: Network, starts: list[int]) -> int:
    """Units above capacity times time units, summed over resources (0 = no over-allocation)."""
    total = 0
    for r, cap in enumerate(net.capacity):
        events: dict[int, int] = {}
        for i in range(net.n):
            for rr, u in net.demands[i]:
                if rr == r:
                    events[starts[i]] = events.get(starts[i], 0) + u
                    events[starts[i] + net.dur[i]] = events.get(starts[i] + net.dur[i], 0) - u
        load = 0
        for a, b in pairwise(sorted(events)):
            load += events[a]
            total += max(0, load - cap) * (b - a)
    return total


def check_schedule(net: Network, starts: list[int]) -> list[Violation]:
    """Everything the plan ``starts`` breaks: deadlines, links, releases, capacities (empty = all kept).

    Each violation names an activity (a capacity one: each activity running while its resource is over
    its capacity), so a user can be told, per task, what a plan does not keep."""
    ids = net.ids
    out: list[Violation] = []
    for i, dl in enumerate(net.deadline):
        if dl is not None and starts[i] + net.dur[i] > dl:
            over = starts[i] + net.dur[i] - dl
            out.append(Violation("deadline", ids[i], over, f"{ids[i]!s} finishes {over} after its deadline {dl}."))
    for i in range(net.n):
        if starts[i] < net.release[i]:
            short = net.release[i] - starts[i]
            out.append(
                Violation(
                    "release", ids[i], short, f"{ids[i]!s} starts {short} before its earliest start {net.release[i]}."
                )
            )
    for link in net.links:
        short = starts[link.pred] + link.delta - starts[link.succ]
        if short > 0:
            p = link.source
            out.append(
                Violation(
                    "link",
                    ids[link.succ],
                    short,
                    f"Link {p.pred!s} → {p.succ!s} ({p.kind}, lag {p.lag}) is broken by {short}.",
                    other=ids[link.pred],
                )
            )
    for i, (amount, where) in sorted(overloads_of(net, starts).items()):
        rid = net.resource_ids[where[0]]
        out.append(
            Violation(
                "capacity",
                ids[i],
                amount,
                f"{ids[i]!s} runs while resource {rid!s} is over-allocated at {where[1]}: "
                f"{where[2]} units of {net.capacity[where[0]]}.",
                other=rid,
            )
        )
    return out


def make_schedule(
    net: Network,
    starts: list[int],
    *,
    method: str,
    proven_optimal: bool,
    lower_bound: int,
    schedules: int = 0,
    elapsed_s: float = 0.0,
    stats: dict[str, float] | None = None,
) -> LeveledSchedule:
    ids = net.ids
    makespan = makespan_of(net, starts)
    return LeveledSchedule(
        starts={ids[i]: starts[i] for i in range(net.n)},
        makespan=makespan,
        delays={ids[i]: starts[i] - net.early_start[i] for i in range(net.n)},
        method=method,
        proven_optimal=proven_optimal,
        lower_bound=min(lower_bound, makespan),
        violations=tuple(check_schedule(net, starts)),
        schedules=schedules,
        elapsed_s=elapsed_s,
        stats=stats or {},
    )
