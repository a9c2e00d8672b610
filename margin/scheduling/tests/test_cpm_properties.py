"""Properties of the CPM on random networks (hypothesis): links hold, floats are consistent, the critical path
is a chain from the project start to its finish. No database."""

from __future__ import annotations

import itertools
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from margin.scheduling.calendars import Calendar, CalendarSpec, standard_calendar
from margin.scheduling.cpm import Schedule, schedule
from margin.scheduling.network import ConstraintType, Link, LinkKind, Network, Task

CAL = standard_calendar("std", country="US", years=range(2026, 2028))
ODD = Calendar(
    CalendarSpec(
        id="odd",
        parent=CAL.spec,
        country="DE",
        week={0: ((420, 660),), 2: ((600, 1320),), 4: ((480, 600), (900, 960)), 5: ((540, 780),)},
    )
)  # early Mondays, late Wednesdays, a split Friday, Saturday mornings; Tue/Thu inherited
START = datetime(2026, 3, 2, 9)
KINDS = list(LinkKind)
PRED_FINISH = {LinkKind.FS: True, LinkKind.SS: False, LinkKind.FF: True, LinkKind.SF: False}
SUCC_FINISH = {LinkKind.FS: False, LinkKind.SS: False, LinkKind.FF: True, LinkKind.SF: True}


@st.composite
def networks(draw: st.DrawFn, two_calendars: bool = False) -> Network:
    n = draw(st.integers(min_value=1, max_value=24))
    names = draw(st.permutations([f"t{i}" for i in range(n)]))  # input order differs from link order
    tasks = [
        Task(
            names[i],
            duration=draw(st.integers(min_value=0, max_value=40)) * 60,
            calendar="odd" if two_calendars and draw(st.booleans()) else None,
        )
        for i in range(n)
    ]
    links = []
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] < p[1]),
            max_size=3 * n,
            unique=True,
        )
    )
    for a, b in pairs:
        kind = draw(st.sampled_from(KINDS))
        if draw(st.integers(0, 4)) == 0:
            links.append(Link(names[a], names[b], kind, lag_percent=draw(st.integers(-100, 200))))
        else:
            links.append(Link(names[a], names[b], kind, lag=draw(st.integers(-20, 20)) * 60))
    # Tasks in a shuffled order, links in theirs.
    order = draw(st.permutations(list(range(n))))
    return Network(
        tasks=[tasks[i] for i in order],
        links=links,
        calendar=CAL,
        calendars={"odd": ODD} if two_calendars else {},
    )


def _lag(s: Schedule, link: Link) -> int:
    if link.lag_percent is None:
        return link.lag
    d = s[link.pred].duration * link.lag_percent
    return (d * 2 + 100) // 200 if d >= 0 else -((-d * 2 + 100) // 200)


def _check_links(s: Schedule, network: Network, late: bool) -> None:
    for link in network.links:
        p, q = s.working(link.pred), s.working(link.succ)
        cp, cq = s.calendar_of(link.pred), s.calendar_of(link.succ)
        fp, fs = PRED_FINISH[link.kind], SUCC_FINISH[link.kind]
        if late:
            pv, qv = (p.late_finish if fp else p.late_start), (q.late_finish if fs else q.late_start)
        else:
            pv, qv = (p.early_finish if fp else p.early_start), (q.early_finish if fs else q.early_start)
        on_succ = pv if cp is cq else cq.working_at_clock(cp.clock_at_working(pv, as_finish=fp))
        assert on_succ + _lag(s, link) <= qv, (link, pv, qv)


@settings(max_examples=150, deadline=None)
@given(network=networks())
def test_random_networks_keep_every_link_and_consistent_floats(network: Network) -> None:
    s = schedule(network, START)
    base = CAL.to_working(START)
    _check_links(s, network, late=False)
    _check_links(s, network, late=True)  # the late dates are a feasible schedule too
    finish = max(s.working(t.id).early_finish for t in network.tasks)
    for t in network.tasks:
        w = s.working(t.id)
        assert w.early_start >= base and w.early_finish - w.early_start == t.duration
        assert w.late_finish <= finish
        assert w.total_float >= w.free_float >= 0
        assert w.total_float == w.late_start - w.early_start == w.late_finish - w.early_finish
        assert (w.total_float == 0) == (t.id in s.critical)
    # Nothing starts later than it must: each task is at the project start or held by a driving link.
    driven = {link.succ for link in s.driving_links}
    for t in network.tasks:
        assert s.working(t.id).early_start == base or t.id in driven


@settings(max_examples=150, deadline=None)
@given(network=networks())
def test_the_critical_path_runs_from_the_start_to_the_finish(network: Network) -> None:
    s = schedule(network, START)
    base = CAL.to_working(START)
    finish = max(s.working(t.id).early_finish for t in network.tasks)
    critical_links = {(link.pred, link.succ) for link in s.critical_links}
    paths = s.critical_paths(limit=10_000)
    assert paths, "there is always a critical path"
    for path in paths:
        assert s.working(path[0]).early_start == base
        assert s.working(path[-1]).early_finish == finish
        assert all((a, b) in critical_links for a, b in itertools.pairwise(path))
        assert all(task in s.critical for task in path)
    assert {task for path in paths for task in path} == s.critical


@settings(max_examples=100, deadline=None)
@given(network=networks(two_calendars=True))
def test_links_between_calendars_hold_and_floats_stay_consistent(network: Network) -> None:
    s = schedule(network, START)
    _check_links(s, network, late=False)
    _check_links(s, network, late=True)
    for t in network.tasks:
        w = s.working(t.id)
        assert w.total_float >= w.free_float >= 0
    # The dates shown respect each task's calendar: work starts and ends inside working time.
    for t in network.tasks:
        st_ = s[t.id]
        if st_.milestone:
            continue
        cal = s.calendar_of(t.id)
        start_minute = st_.start.hour * 60 + st_.start.minute
        finish_minute = st_.finish.hour * 60 + st_.finish.minute
        assert any(a <= start_minute < b for a, b in cal.intervals_on(st_.start.date()))
        assert any(a < finish_minute <= b for a, b in cal.intervals_on(st_.finish.date()))


@settings(max_examples=100, deadline=None)
@given(network=networks(), data=st.data())
def test_free_float_is_how_far_a_task_slips_before_anything_else_moves(network: Network, data: st.DataObject) -> None:
    s = schedule(network, START)
    task = data.draw(st.sampled_from(list(network.tasks)))
    w = s.working(task.id)
    others = [t.id for t in network.tasks if t.id != task.id]

    def delayed(by: int) -> Schedule:
        hold = Task(
            task.id, duration=task.duration, constraint=ConstraintType.SNET,
            constraint_date=CAL.from_working(w.early_start + by, as_finish=False),
        )  # fmt: skip
        tasks = [hold if t.id == task.id else t for t in network.tasks]
        return schedule(Network(tasks=tasks, links=network.links, calendar=CAL), START)

    def dates(x: Schedule) -> list[tuple[int, int]]:
        return [(x.working(t).early_start, x.working(t).early_finish) for t in others]

    by_free = delayed(w.free_float)
    assert dates(by_free) == dates(s) and by_free.project_finish == s.project_finish
    assert delayed(w.total_float).project_finish == s.project_finish
    one_more = delayed(w.free_float + 1)
    assert dates(one_more) != dates(s) or one_more.project_finish != s.project_finish
