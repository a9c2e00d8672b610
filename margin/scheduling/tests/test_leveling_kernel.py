"""The compiled SGS kernel against a plain reference: the same starts for any list, the memo, the order by
priority with negative distances, and the horizon guard."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from margin.scheduling.leveling import Activity, Demand, LevelingProblem, Precedence, Resource, compile_problem, kernel
from margin.scheduling.leveling.heuristic import Engine


def engine(problem: LevelingProblem) -> Engine:
    return Engine(compile_problem(problem), max_schedules=1000, near_bound=0.0)


def reference_pass(eng: Engine, order: list[int]) -> list[int]:
    """The serial SGS as the textbook states it: each activity at the earliest time after its predecessors
    (plus the link's distance) and its release where every resource it needs has room for its whole
    duration, trying one time after another."""
    a = eng.arrays
    cap = a.cap.tolist()
    load: dict[tuple[int, int], int] = {}
    start: dict[int, int] = {}
    for j in order:
        t = int(a.release[j])
        for q in range(a.fwd.p_ptr[j], a.fwd.p_ptr[j + 1]):
            t = max(t, start[int(a.fwd.p_idx[q])] + int(a.fwd.p_lag[q]))
        need = [(int(a.d_res[q]), int(a.d_u[q])) for q in range(a.d_ptr[j], a.d_ptr[j + 1])]
        d = int(a.dur[j])
        while any(load.get((r, t + k), 0) + u > cap[r] for r, u in need for k in range(d)):
            t += 1
        for r, u in need:
            for k in range(d):
                load[(r, t + k)] = load.get((r, t + k), 0) + u
        start[j] = t
    return [start[j] for j in range(len(order))]


@st.composite
def networks(draw: st.DrawFn) -> tuple[LevelingProblem, int]:
    n = draw(st.integers(1, 9))
    acts = [Activity(k, draw(st.integers(0, 4)), release=draw(st.integers(0, 3))) for k in range(n)]
    caps = [draw(st.integers(1, 4)) for _ in range(2)]
    resources = [Resource(f"r{r}", c) for r, c in enumerate(caps)]
    demands = [
        Demand(k, f"r{r}", draw(st.integers(1, caps[r]))) for k in range(n) for r in range(2) if draw(st.booleans())
    ]
    links = [
        Precedence(i, j, draw(st.sampled_from(["FS", "SS", "FF", "SF"])), draw(st.integers(-2, 3)))
        for i in range(n)
        for j in range(i + 1, n)
        if draw(st.integers(0, 3)) == 0
    ]
    return LevelingProblem.build(acts, links, resources, demands), draw(st.integers(0, 2**32 - 1))


@settings(max_examples=150, deadline=None)
@given(networks())
def test_a_pass_places_every_activity_where_the_textbook_sgs_does(case: tuple[LevelingProblem, int]) -> None:
    problem, seed = case
    eng = engine(problem)
    a = eng.arrays
    # any list that respects the links: by random priorities, as far as the links allow
    keys = np.random.default_rng(seed).permutation(eng.n).astype(np.int64)
    order = kernel.order_by(a.fwd, keys, False)
    starts, overflow = kernel.place(a, a.fwd, order, a.release, a.fixed, False, a.used_f.copy())
    assert starts.tolist() == reference_pass(eng, order.tolist())
    assert overflow == 0


def test_the_order_by_priority_keeps_links_with_negative_distances() -> None:
    # C may start 1 unit before B starts (a lead longer than B): a key sort alone would put C first
    problem = LevelingProblem.build(
        [Activity("A", 2), Activity("B", 3), Activity("C", 1)],
        [Precedence("A", "B", "FS", 0), Precedence("B", "C", "FS", -4)],
        [Resource("r", 1)],
        [],
    )
    eng = engine(problem)
    assert not eng.arrays.fwd.sortable
    index = {aid: i for i, aid in enumerate(compile_problem(problem).ids)}
    keys = np.zeros(3, np.int64)
    keys[index["C"]], keys[index["B"]], keys[index["A"]] = 0, 1, 2
    order = kernel.order_by(eng.arrays.fwd, keys, True).tolist()
    assert order == [index["A"], index["B"], index["C"]]


def test_a_list_met_before_costs_no_pass() -> None:
    problem = LevelingProblem.build(
        [Activity(k, 2) for k in range(4)], [], [Resource("r", 1)], [Demand(k, "r", 1) for k in range(4)]
    )
    eng = engine(problem)
    order = np.arange(4, dtype=np.int64)
    first, obj = kernel.evaluate(eng.arrays, order, eng.state, eng.lists)
    again, obj_again = kernel.evaluate(eng.arrays, order.copy(), eng.state, eng.lists)
    assert first.tolist() == again.tolist() == [0, 1, 2, 3]  # in the network's time unit (2, the durations' gcd)
    assert obj == obj_again == (0, 0, 4)
    assert (eng.schedules, eng.repeats) == (1, 1)


def test_a_memo_that_fills_up_starts_afresh() -> None:
    eng = engine(LevelingProblem.build([Activity(k, 1) for k in range(5)], [], [Resource("r", 5)], [Demand(0, "r", 1)]))
    m = kernel.memo(5, ints=80)  # 16 rows
    orders = [np.roll(np.arange(5, dtype=np.int64), k) for k in range(5)]
    orders += [o[::-1].copy() for o in orders] + [np.array(p, np.int64) for p in ([0, 2, 1, 3, 4], [1, 0, 2, 4, 3])]
    orders += [np.array(p, np.int64) for p in ([2, 0, 1, 3, 4], [3, 1, 0, 2, 4], [4, 2, 0, 1, 3], [0, 1, 3, 2, 4])]
    orders += [np.array([1, 3, 0, 2, 4], np.int64)]
    assert len({o.tobytes() for o in orders}) == 17
    for order in orders[:16]:
        kernel.evaluate(eng.arrays, order, eng.state, m)
    assert (eng.schedules, int(m.used[0])) == (16, 16)
    kernel.evaluate(eng.arrays, orders[16], eng.state, m)  # full: forget, then remember this one
    assert (eng.schedules, int(m.used[0])) == (17, 1)
    kernel.evaluate(eng.arrays, orders[0], eng.state, m)
    kernel.evaluate(eng.arrays, orders[16], eng.state, m)
    assert (eng.schedules, eng.repeats) == (18, 1)


def test_a_horizon_too_short_is_an_error_not_a_write_past_the_profile() -> None:
    problem = LevelingProblem.build(
        [Activity(k, 3) for k in range(3)], [], [Resource("r", 1)], [Demand(k, "r", 1) for k in range(3)]
    )
    eng = engine(problem)
    a = eng.arrays
    too_short = np.zeros((2, 1), np.int64)  # three units of time are needed
    with pytest.raises(ValueError, match="horizon"):
        kernel.place(a, a.fwd, np.arange(3, dtype=np.int64), a.release, a.fixed, False, too_short)
