"""The serial schedule generation scheme (SGS) at the heart of the fast leveling mode.

One pass places activities one by one, in an order that respects the links, each at the earliest time
that keeps every link to the already placed activities and fits every resource for its whole duration.
Because links only run from earlier to later activities of a topological order, a pass never dead-ends:
only minimum distances (``S_j >= S_i + delta``, any sign of delta) exist, and a later time always works.
The links into a fixed activity are the only maximum distances that are kept: an activity is placed no later
than its ``latest`` start (``Network.latest``). When no start up to it fits the resources, the activity stays at
its earliest start and over-allocates (counted in ``overflow``, reported by the caller): a link is never broken
to remove an over-allocation. Deadlines are soft here and reported by the caller when missed.

The resource profile is kept as one Python integer per resource, one lane of ``w`` bits per time unit
holding the capacity in use ("SIMD within a register"). With ``w - 1`` bits enough for any capacity, the
constant ``2**(w-1) + capacity - u`` in every lane minus the lanes in use keeps a lane's top bit exactly where
at least ``u`` units are free, with no borrow from the next lane. ANDing those bits over the activity's
resources and over ``d`` consecutive lanes (log2(d) shifts) leaves a bit at every feasible start; the lowest
one above the link-based earliest start is the answer. Placing the activity adds ``u`` to its ``d`` lanes.
Keeping the use rather than the free capacity keeps each integer as long as the plan placed so far, not the
whole horizon (a few times shorter, about 8 % faster passes on J60). Every step is a handful of big-integer
operations done in C, whatever the capacities and however many periods an activity spans.

``Kernel`` is built for the forward problem and, with times reflected (``S' = T - S - d``), for the
backward problem that forward-backward improvement needs.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from itertools import pairwise
from math import gcd

from margin.scheduling.leveling.network import Network


def _ones(lanes: int, w: int) -> int:
    """An integer with the value 1 in each of ``lanes`` lanes of ``w`` bits."""
    if lanes <= 0:
        return 0
    return ((1 << (lanes * w)) - 1) // ((1 << w) - 1)


class Pass:
    """One direction (forward or backward) of the serial SGS, in scaled time units."""

    def __init__(
        self,
        n: int,
        dur: list[int],
        preds: list[list[tuple[int, int]]],
        demands: list[list[tuple[int, int]]],
        capacity: list[int],
        horizon: int,
    ) -> None:
        self.n = n
        self.dur = dur
        self.preds = [tuple(p) for p in preds]
        succ_ids: list[list[int]] = [[] for _ in range(n)]
        for j in range(n):
            for i, _ in preds[j]:
                succ_ids[i].append(j)
        self.succ_ids = [tuple(s) for s in succ_ids]
        self.npred = [len(p) for p in preds]
        self.sortable = all(d >= 0 for p in preds for _, d in p)
        self.capacity = capacity
        top = max(capacity, default=0)
        self.w = w = max(top.bit_length(), 1) + 1
        self.horizon = horizon
        half = 1 << (w - 1)
        ones = _ones(horizon, w)
        self.ones = ones
        self.high = ones << (w - 1)
        add: dict[tuple[int, int], int] = {}
        blk: dict[int, int] = {}
        checks: list[tuple[tuple[int, int], ...]] = []
        updates: list[tuple[tuple[int, int], ...]] = []
        shifts: list[tuple[int, ...]] = []
        for j in range(n):
            d = dur[j]
            dem = [(r, u) for r, u in demands[j] if u > 0] if d > 0 else []
            for r, u in dem:
                if (r, u) not in add:
                    add[r, u] = ones * (half + capacity[r] - u)
            if d and d not in blk:
                blk[d] = _ones(d, w)
            checks.append(tuple((r, add[r, u]) for r, u in dem))
            updates.append(tuple((r, blk[d] * u) for r, u in dem))
            sh: list[int] = []
            span = 1
            while span * 2 <= d:
                sh.append(span * w)
                span *= 2
            if span < d:
                sh.append((d - span) * w)
            shifts.append(tuple(sh))
        self.checks = checks
        # Most activities fit soon after their earliest start: test a window of lanes first, on small
        # integers, and the whole horizon only when the window has no room.
        lanes = min(horizon, max(64, 4 * max(dur, default=0)))
        mask = (1 << (lanes * w)) - 1
        self.mask = mask
        self.high_window = self.high & mask
        self.checks_window = [tuple((r, a & mask) for r, a in chk) for chk in checks]
        self.units = [tuple((r, u) for r, u in demands[j] if u > 0) if dur[j] > 0 else () for j in range(n)]
        self.updates = updates
        self.shifts = shifts
        self.overflow = 0

    def profile(self, placed: list[tuple[int, int]]) -> list[int]:
        """The capacity per resource in use by the given (activity, start) pairs (see ``run``).

        Over-allocation among them (two fixed tasks on one person) cannot be undone: the lanes are
        clamped at zero free capacity and the caller reports it.
        """
        w = self.w
        used = [0] * len(self.capacity)
        events: list[dict[int, int]] = [{} for _ in self.capacity]
        for j, s in placed:
            e = s + self.dur[j]
            for r, u in self.units[j]:
                ev = events[r]
                ev[s] = ev.get(s, 0) + u
                ev[e] = ev.get(e, 0) - u
        for r, ev in enumerate(events):
            times = sorted(ev)
            load = 0
            for a, b in pairwise(times):
                load += ev[a]
                if load > 0:
                    used[r] += (_ones(b - a, w) * min(load, self.capacity[r])) << (a * w)
        return used

    def order_by(self, keys: list[int], *, times: bool = False) -> list[int]:
        """The activities sorted by ``keys`` (smaller first), as far as the links allow.

        ``times=True`` promises keys that follow the plan's times (time * n + topological rank): with no
        negative distance, sorting alone then respects the links.
        """
        n = self.n
        if times and self.sortable:
            return sorted(range(n), key=keys.__getitem__)
        npred = list(self.npred)
        heap = [(keys[i], i) for i in range(n) if npred[i] == 0]
        heapify(heap)
        out: list[int] = []
        succ_ids = self.succ_ids
        while heap:
            _, j = heappop(heap)
            out.append(j)
            for s in succ_ids[j]:
                npred[s] -= 1
                if npred[s] == 0:
                    heappush(heap, (keys[s], s))
        return out

    def run(
        self,
        order: list[int],
        release: list[int],
        fixed: list[int | None],
        used0: list[int],
        latest: list[int | None] | None = None,
    ) -> list[int]:
        """Place the activities in ``order`` (which must respect the links) on ``used0`` (the use of what is
        placed already, from ``profile``); return the starts.

        ``latest``: per activity, the latest start its links allow (None: none). ``self.overflow`` is then the
        units times time units that activities held at their earliest start could not get."""
        self.overflow = 0
        w = self.w
        high = self.high
        mask = self.mask
        high_window = self.high_window
        preds = self.preds
        checks = self.checks
        checks_window = self.checks_window
        updates = self.updates
        shifts = self.shifts
        used = list(used0)
        # Fixed activities are where they are from the outset: an order built from the times of a plan that breaks
        # a link into a fixed activity (forward-backward improvement) may list a successor before it.
        start = [0 if f is None else f for f in fixed]
        for j in order:
            fj = fixed[j]
            if fj is not None:
                start[j] = fj
                continue
            es = release[j]
            for i, dl in preds[j]:
                t = start[i] + dl
                if t > es:
                    es = t
            chk = checks_window[j]
            if chk:
                sh = es * w
                ok = high_window
                for r, add in chk:
                    ok &= add - ((used[r] >> sh) & mask)
                for s in shifts[j]:
                    ok &= ok >> s
                if not ok:
                    ok = high >> sh
                    for r, add in checks[j]:
                        ok &= add - (used[r] >> sh)
                    for s in shifts[j]:
                        ok &= ok >> s
                    if not ok:
                        raise AssertionError("leveling horizon too short")  # pragma: no cover
                found = es + ((ok & -ok).bit_length() - w) // w
                if latest is not None and (lj := latest[j]) is not None and found > lj:
                    self._overflow(used, j, es)
                    start[j] = es
                    continue
                es = found
                sh = es * w
                for r, blk in updates[j]:
                    used[r] += blk << sh
            start[j] = es
        return start

    def _overflow(self, used: list[int], j: int, at: int) -> None:
        """Place activity ``j`` at ``at`` without room for it: take what is free, count what is not."""
        w = self.w
        lane = (1 << w) - 1
        for r, u in self.units[j]:
            for t in range(at, at + self.dur[j]):
                have = self.capacity[r] - ((used[r] >> (t * w)) & lane)
                take = min(have, u)
                used[r] += take << (t * w)
                self.overflow += u - take


def scale_units(net: Network) -> tuple[list[int], list[list[tuple[int, int]]]]:
    """Capacities and demands divided, per resource, by the gcd of its capacity and demands."""
    g = list(net.capacity)
    for per in net.demands:
        for r, u in per:
            g[r] = gcd(g[r], u)
    caps = [c // g[r] if g[r] else 0 for r, c in enumerate(net.capacity)]
    dem = [[(r, u // g[r]) for r, u in per] for per in net.demands]
    return caps, dem
