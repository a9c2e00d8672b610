"""The compiled core of the fast leveling mode: serial SGS passes, forward-backward improvement and the
genetic algorithm's children (numba, compiled to machine code on first use and cached beside this file).

One pass of the serial schedule generation scheme (SGS) places activities one by one, in an order that
respects the links, each at the earliest time that keeps every link to the already placed activities and fits
every resource for its whole duration. Because links only run from earlier to later activities of a
topological order, a pass never dead-ends: only minimum distances (``S_j >= S_i + delta``, any sign of delta)
exist, and a later time always works. The links into a fixed activity are the only maximum distances that are
kept: an activity is placed no later than its ``latest`` start (``Network.latest``). When no start up to it
fits the resources, the activity stays at its earliest start and over-allocates (counted as ``overflow``,
reported by the caller): a link is never broken to remove an over-allocation. Deadlines are soft here.

The resource profile is an array of the units in use per time unit and resource. To place an activity, the
lanes from its earliest start are read once each: the first run of ``d`` lanes with room on each of its
resources is where it starts.

Everything the search repeats thousands of times runs here, compiled: a J60 instance's pass takes a few
microseconds instead of about a hundred in Python, so the same budget of schedules fits in a fraction of a
second (ADR 0009). The search's decisions (which lists to try, when to restart or stop) stay in
``heuristic.py``; every random number comes from there too, so a seed gives the same plan everywhere.

The objective is lexicographic: the over-allocation that links forced, then the total deadline overrun, then
the makespan (``Objective``); smaller is better.
"""

from __future__ import annotations

from math import gcd
from typing import NamedTuple

import numpy as np
from numba import njit

from margin.scheduling.leveling.network import Network

NONE = -(1 << 62)  # "no value" for a fixed start, a deadline or a latest start

Ints = np.ndarray  # one-dimensional int64 arrays throughout


class Side(NamedTuple):
    """One direction of the SGS: the links as distances from predecessors, and the horizon of its profile."""

    p_ptr: Ints  # activity j's predecessors are p_idx[p_ptr[j]:p_ptr[j + 1]], at distances p_lag[...]
    p_idx: Ints
    p_lag: Ints
    s_ptr: Ints  # and its successors s_idx[s_ptr[j]:s_ptr[j + 1]] (for ordering by priority)
    s_idx: Ints
    npred: Ints
    horizon: int
    sortable: bool  # no negative distance: sorting by plan times alone respects the links


class Arrays(NamedTuple):
    """A network in scaled time units (``Engine``), as the compiled functions take it."""

    dur: Ints
    release: Ints
    fixed: Ints  # NONE: movable
    latest: Ints  # NONE: no latest start
    deadline: Ints  # NONE: no deadline
    rank: Ints  # position in a topological order
    d_ptr: Ints  # activity j uses d_u[k] units of resource d_res[k], k in d_ptr[j]:d_ptr[j + 1]
    d_res: Ints
    d_u: Ints
    cap: Ints
    used_f: np.ndarray  # the forward profile of the fixed activities, [time, resource]
    has_fixed: bool
    has_deadlines: bool
    has_latest: bool
    fwd: Side
    bwd: Side


class Memo(NamedTuple):
    """Results remembered by the hash of an activity list (``evaluate``) or of a plan (``improve``).

    A converged population keeps making lists and plans it has met before; decoding them again would spend
    the budget on nothing new, so a repeat costs no pass (``st[REPEATS]`` counts them). Open addressing in
    ``keys`` (0: empty) points to rows of ``starts`` and ``objs``; when the rows are full the memo starts
    afresh. A hash collision (never seen) would only hand back another valid plan."""

    keys: Ints
    rows: Ints
    starts: np.ndarray  # [row, activity]
    objs: np.ndarray  # [row, 3]
    used: Ints  # one item: rows in use


def memo(n: int, ints: int = 1_500_000) -> Memo:
    """An empty memo holding at most about ``ints`` start times (about 12 MB), and at most 2**18 plans."""
    size = min(1 << 18, max(16, ints // max(n, 1)))
    slots = 1 << (2 * size - 1).bit_length()
    return Memo(
        np.zeros(slots, np.int64),
        np.zeros(slots, np.int64),
        np.zeros((size, n), np.int64),
        np.zeros((size, 3), np.int64),
        np.zeros(1, np.int64),
    )


# The search's state, shared between Python and the compiled functions (one int64 array).
SCHEDULES, BUDGET, MAX_SCHEDULES, BEST_OVERFLOW, BEST_LATE, BEST_MAKESPAN, STOP, IMPROVED, LOWER_BOUND, REPEATS = range(
    10
)
STATE_SIZE = 10


def side(n: int, preds: list[list[tuple[int, int]]], horizon: int) -> Side:
    p_ptr, p_idx, p_lag = csr(preds)
    succs: list[list[int]] = [[] for _ in range(n)]
    for j in range(n):
        for i, _ in preds[j]:
            succs[i].append(j)
    s_ptr, s_idx = adjacency(succs)
    return Side(p_ptr, p_idx, p_lag, s_ptr, s_idx, np.diff(p_ptr), horizon, all(dl >= 0 for dl in p_lag.tolist()))


def adjacency(rows: list[list[int]]) -> tuple[Ints, Ints]:
    """Items per row as (pointers, items): row j is items[pointers[j]:pointers[j + 1]]."""
    ptr = np.zeros(len(rows) + 1, np.int64)
    ptr[1:] = np.cumsum([len(row) for row in rows])
    return ptr, np.array([x for row in rows for x in row], np.int64)


def csr(rows: list[list[tuple[int, int]]]) -> tuple[Ints, Ints, Ints]:
    """Pairs per row as (pointers, first items, second items)."""
    ptr = np.zeros(len(rows) + 1, np.int64)
    a: list[int] = []
    b: list[int] = []
    for j, row in enumerate(rows):
        for x, y in row:
            a.append(x)
            b.append(y)
        ptr[j + 1] = len(a)
    return ptr, np.array(a, np.int64), np.array(b, np.int64)


def optional(values: list[int | None]) -> Ints:
    return np.array([NONE if v is None else v for v in values], np.int64)


def scale_units(net: Network) -> tuple[list[int], list[list[tuple[int, int]]]]:
    """Capacities and demands divided, per resource, by the gcd of its capacity and demands."""
    g = list(net.capacity)
    for per in net.demands:
        for r, u in per:
            g[r] = gcd(g[r], u)
    caps = [c // g[r] if g[r] else 0 for r, c in enumerate(net.capacity)]
    dem = [[(r, u // g[r]) for r, u in per] for per in net.demands]
    return caps, dem


# --- compiled functions ----------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def profile(a: Arrays, starts: Ints, horizon: int) -> np.ndarray:
    """The units in use per resource and time by the activities with a start (not NONE), clamped at the
    capacity: over-allocation among fixed activities cannot be undone, and the caller reports it."""
    used = np.zeros((horizon, a.cap.shape[0]), np.int64)
    for j in range(starts.shape[0]):
        s = starts[j]
        if s == NONE:
            continue
        for k in range(a.d_ptr[j], a.d_ptr[j + 1]):
            r = a.d_res[k]
            for t in range(s, s + a.dur[j]):
                used[t, r] = min(used[t, r] + a.d_u[k], a.cap[r])
    return used


@njit(cache=True, nogil=True)
def place(
    a: Arrays, sd: Side, order: Ints, release: Ints, fixed: Ints, use_latest: bool, used: np.ndarray
) -> tuple[Ints, int]:
    """One SGS pass: place the activities in ``order`` on ``used`` (changed in place); the starts and the
    units times time units that activities held at their earliest start could not get."""
    n = order.shape[0]
    horizon = used.shape[0]
    start = np.zeros(n, np.int64)
    for j in range(n):
        if fixed[j] != NONE:
            start[j] = fixed[j]
    overflow = 0
    for k in range(n):
        j = order[k]
        if fixed[j] != NONE:
            continue
        es = release[j]
        for q in range(sd.p_ptr[j], sd.p_ptr[j + 1]):
            t = start[sd.p_idx[q]] + sd.p_lag[q]
            if t > es:
                es = t
        d = a.dur[j]
        lo, hi = a.d_ptr[j], a.d_ptr[j + 1]
        if d == 0 or lo == hi:
            start[j] = es
            continue
        # the first run of d lanes from es with room on every resource
        t = es
        run = 0
        while run < d:
            tau = t + run
            if tau >= horizon:
                raise ValueError("leveling horizon too short")
            for q in range(lo, hi):
                if used[tau, a.d_res[q]] > a.cap[a.d_res[q]] - a.d_u[q]:
                    t = tau + 1
                    run = -1
                    break
            run += 1
        if use_latest and a.latest[j] != NONE and t > a.latest[j]:
            # no room before the latest start the links allow: stay at the earliest start, over-allocated
            for q in range(lo, hi):
                r = a.d_res[q]
                u = a.d_u[q]
                for tau in range(es, es + d):
                    take = min(a.cap[r] - used[tau, r], u)
                    used[tau, r] += take
                    overflow += u - take
            start[j] = es
            continue
        for q in range(lo, hi):
            r = a.d_res[q]
            u = a.d_u[q]
            for tau in range(t, t + d):
                used[tau, r] += u
        start[j] = t
    return start, overflow


@njit(cache=True, nogil=True)
def order_by(sd: Side, keys: Ints, times: bool) -> Ints:
    """The activities sorted by ``keys`` (smaller first, ties by index), as far as the links allow.

    ``times=True`` promises distinct keys that follow the plan's times (time * n + topological rank): with no
    negative distance, sorting alone then respects the links."""
    n = keys.shape[0]
    if times and sd.sortable:
        return np.argsort(keys)
    npred = sd.npred.copy()
    heap = np.empty(n, np.int64)  # a binary heap of activities, by (key, index)
    size = 0
    out = np.empty(n, np.int64)
    m = 0
    for i in range(n):
        if npred[i] == 0:
            size = _push(heap, size, keys, i)
    while size > 0:
        j = heap[0]
        size -= 1
        heap[0] = heap[size]
        _sift_down(heap, size, keys)
        out[m] = j
        m += 1
        for q in range(sd.s_ptr[j], sd.s_ptr[j + 1]):
            s = sd.s_idx[q]
            npred[s] -= 1
            if npred[s] == 0:
                size = _push(heap, size, keys, s)
    return out


@njit(cache=True, nogil=True)
def _before(keys: Ints, x: int, y: int) -> bool:
    return keys[x] < keys[y] or (keys[x] == keys[y] and x < y)


@njit(cache=True, nogil=True)
def _push(heap: Ints, size: int, keys: Ints, item: int) -> int:
    pos = size
    heap[pos] = item
    while pos > 0:
        parent = (pos - 1) // 2
        if _before(keys, heap[pos], heap[parent]):
            heap[pos], heap[parent] = heap[parent], heap[pos]
            pos = parent
        else:
            break
    return size + 1


@njit(cache=True, nogil=True)
def _sift_down(heap: Ints, size: int, keys: Ints) -> None:
    pos = 0
    while True:
        c = 2 * pos + 1
        if c >= size:
            return
        if c + 1 < size and _before(keys, heap[c + 1], heap[c]):
            c += 1
        if _before(keys, heap[c], heap[pos]):
            heap[pos], heap[c] = heap[c], heap[pos]
            pos = c
        else:
            return


@njit(cache=True, nogil=True)
def makespan(a: Arrays, starts: Ints) -> int:
    ms = 0
    for i in range(starts.shape[0]):
        e = starts[i] + a.dur[i]
        if e > ms:
            ms = e
    return ms


@njit(cache=True, nogil=True)
def objective(a: Arrays, starts: Ints, overflow: int) -> tuple[int, int, int]:
    """(forced over-allocation, total deadline overrun, makespan): compared in that order."""
    late = 0
    if a.has_deadlines:
        for i in range(starts.shape[0]):
            if a.deadline[i] != NONE:
                over = starts[i] + a.dur[i] - a.deadline[i]
                if over > 0:
                    late += over
    return overflow, late, makespan(a, starts)


@njit(cache=True, nogil=True)
def _hash(values: Ints) -> int:
    h = np.uint64(14695981039346656037)
    for k in range(values.shape[0]):
        h = (h ^ np.uint64(values[k] + 1)) * np.uint64(1099511628211)
    key = int(np.int64(h))
    return key if key != 0 else 1


@njit(cache=True, nogil=True)
def _recall(m: Memo, key: int) -> int:
    """The row remembered for ``key``, or -1."""
    mask = m.keys.shape[0] - 1
    slot = key & mask
    while m.keys[slot] != 0:
        if m.keys[slot] == key:
            return int(m.rows[slot])
        slot = (slot + 1) & mask
    return -1


@njit(cache=True, nogil=True)
def _remember(m: Memo, key: int, starts: Ints, obj: tuple[int, int, int]) -> None:
    if m.used[0] >= m.starts.shape[0]:
        m.keys[:] = 0
        m.used[0] = 0
    row = m.used[0]
    m.used[0] += 1
    m.starts[row] = starts
    m.objs[row, 0], m.objs[row, 1], m.objs[row, 2] = obj
    mask = m.keys.shape[0] - 1
    slot = key & mask
    while m.keys[slot] != 0:
        slot = (slot + 1) & mask
    m.keys[slot] = key
    m.rows[slot] = row


@njit(cache=True, nogil=True)
def _row(m: Memo, row: int) -> tuple[Ints, tuple[int, int, int]]:
    return m.starts[row].copy(), (m.objs[row, 0], m.objs[row, 1], m.objs[row, 2])


@njit(cache=True, nogil=True)
def evaluate(a: Arrays, order: Ints, st: Ints, lists: Memo) -> tuple[Ints, tuple[int, int, int]]:
    """A forward pass and its objective (a list met before costs no pass)."""
    key = _hash(order)
    row = _recall(lists, key)
    if row >= 0:
        st[REPEATS] += 1
        return _row(lists, row)
    st[SCHEDULES] += 1
    starts, overflow = place(a, a.fwd, order, a.release, a.fixed, a.has_latest, a.used_f.copy())
    obj = objective(a, starts, overflow)
    _remember(lists, key, starts, obj)
    return starts, obj


@njit(cache=True, nogil=True)
def order_of(a: Arrays, starts: Ints) -> Ints:
    """The activity list of a plan: by start time, ties by topological rank."""
    n = starts.shape[0]
    order: Ints = order_by(a.fwd, starts * n + a.rank, True)
    return order


@njit(cache=True, nogil=True)
def backward(a: Arrays, starts: Ints, st: Ints) -> Ints:
    """Right-justify a plan (a pass over the reflected network, ``S' = T - S - d``); the forward-pass keys it
    implies (smaller = earlier)."""
    st[SCHEDULES] += 1
    n = starts.shape[0]
    t = makespan(a, starts)
    keys = (t - starts - a.dur) * n + (n - 1 - a.rank)
    order = order_by(a.bwd, keys, True)
    rel = np.zeros(n, np.int64)
    if a.has_deadlines:
        for i in range(n):
            dl = a.deadline[i]
            if dl != NONE and dl < t:
                rel[i] = t - dl
    fixed = np.full(n, NONE, np.int64)
    if a.has_fixed:
        for i in range(n):
            if a.fixed[i] != NONE:
                fixed[i] = t - a.fixed[i] - a.dur[i]
    used = profile(a, fixed, a.bwd.horizon) if a.has_fixed else np.zeros((a.bwd.horizon, a.cap.shape[0]), np.int64)
    rs, _ = place(a, a.bwd, order, rel, fixed, False, used)
    forward_keys: Ints = -(rs + a.dur) * n + a.rank
    return forward_keys


@njit(cache=True, nogil=True)
def improve(
    a: Arrays, starts: Ints, obj: tuple[int, int, int], st: Ints, lists: Memo, plans: Memo
) -> tuple[Ints, tuple[int, int, int]]:
    """Forward-backward improvement, repeated while it shortens the plan (at most four rounds; a plan met
    before costs no pass)."""
    key = _hash(starts)
    row = _recall(plans, key)
    if row >= 0:
        st[REPEATS] += 1
        return _row(plans, row)
    for _ in range(4):
        keys = backward(a, starts, st)
        cand, cobj = evaluate(a, order_by(a.fwd, keys, True), st, lists)
        if cobj < obj:
            starts, obj = cand, cobj
        else:
            break
    _remember(plans, key, starts, obj)
    return starts, obj


@njit(cache=True, nogil=True)
def consider(
    a: Arrays, starts: Ints, obj: tuple[int, int, int], st: Ints, best: Ints, near: float, floor: float
) -> None:
    """Keep ``starts`` if it beats the best plan; set ``st[STOP]`` when the search should end: a plan at the
    lower bound, or the budget spent. While the best plan is within ``near`` of the bound (and owes no
    over-allocation or overrun), the budget shrinks in proportion to the gap, down to ``floor`` of it."""
    if st[BEST_MAKESPAN] < 0 or obj < (st[BEST_OVERFLOW], st[BEST_LATE], st[BEST_MAKESPAN]):
        st[BEST_OVERFLOW], st[BEST_LATE], st[BEST_MAKESPAN] = obj
        best[:] = starts
        st[IMPROVED] = 1
        lb = st[LOWER_BOUND]
        if near > 0 and lb > 0:
            share = 1.0
            if obj[0] == 0 and obj[1] == 0:
                share = min(1.0, max(floor, (obj[2] - lb) / (lb * near)))
            st[BUDGET] = max(1, int(st[MAX_SCHEDULES] * share))
    if (obj[0] == 0 and obj[1] == 0 and obj[2] <= st[LOWER_BOUND]) or st[SCHEDULES] >= st[BUDGET]:
        st[STOP] = 1
    if st[REPEATS] >= 2 * st[MAX_SCHEDULES]:  # a small problem: only lists and plans met before are left
        st[STOP] = 1


@njit(cache=True, nogil=True)
def attempt(
    a: Arrays, order: Ints, st: Ints, best: Ints, near: float, floor: float, lists: Memo, plans: Memo
) -> tuple[Ints, tuple[int, int, int]]:
    """Decode a list, improve the plan, keep the best: the improved plan's list and objective."""
    starts, obj = evaluate(a, order, st, lists)
    consider(a, starts, obj, st, best, near, floor)
    if st[STOP]:
        return order, obj
    starts, obj = improve(a, starts, obj, st, lists, plans)
    consider(a, starts, obj, st, best, near, floor)
    return order_of(a, starts), obj


@njit(cache=True, nogil=True)
def breed(
    a: Arrays,
    pop: np.ndarray,
    pairing: Ints,
    cuts: np.ndarray,
    swaps: np.ndarray,
    rate: float,
    link_ptr: Ints,
    link_idx: Ints,
    st: Ints,
    best: Ints,
    near: float,
    floor: float,
    lists: Memo,
    plans: Memo,
) -> tuple[np.ndarray, np.ndarray, int]:
    """One generation (Hartmann 1998): each pair of parents (``pairing``, consecutive) gives two children by
    two-point crossover (cut points ``cuts[c]``) and swap mutation of neighbours that are not linked
    (``swaps[c, k] < rate``); each child is decoded, improved and written back (Lamarckian). Returns the
    children's lists, their objectives and how many were made before the search stopped."""
    n = pop.shape[1]
    count = 2 * (pairing.shape[0] // 2)
    children = np.empty((count, n), np.int64)
    objs = np.empty((count, 3), np.int64)
    taken = np.zeros(n, np.bool_)
    c = 0
    for p in range(0, count, 2):
        for m, f in ((pairing[p], pairing[p + 1]), (pairing[p + 1], pairing[p])):
            child = _crossover(pop[m], pop[f], cuts[c, 0], cuts[c, 1], taken)
            for k in range(n - 1):
                if swaps[c, k] < rate and not _linked(link_ptr, link_idx, child[k], child[k + 1]):
                    child[k], child[k + 1] = child[k + 1], child[k]
            out, obj = attempt(a, child, st, best, near, floor, lists, plans)
            if st[STOP]:
                return children, objs, c
            children[c] = out
            objs[c, 0], objs[c, 1], objs[c, 2] = obj
            c += 1
    return children, objs, c


@njit(cache=True, nogil=True)
def _crossover(mother: Ints, father: Ints, q1: int, q2: int, taken: np.ndarray) -> Ints:
    """The mother's first ``q1`` activities, then the father's next ones up to ``q2``, then the mother's rest,
    each in the parent's order: a list that respects the links if both parents do."""
    n = mother.shape[0]
    child = np.empty(n, np.int64)
    taken[:] = False
    size = 0
    for k in range(q1):
        child[size] = mother[k]
        taken[mother[k]] = True
        size += 1
    for k in range(n):
        if size >= q2:
            break
        x = father[k]
        if not taken[x]:
            child[size] = x
            taken[x] = True
            size += 1
    for k in range(n):
        x = mother[k]
        if not taken[x]:
            child[size] = x
            taken[x] = True
            size += 1
    return child


@njit(cache=True, nogil=True)
def _linked(link_ptr: Ints, link_idx: Ints, x: int, y: int) -> bool:
    for q in range(link_ptr[x], link_ptr[x + 1]):  # noqa: SIM110 (numba compiles loops, not generators)
        if link_idx[q] == y:
            return True
    return False
