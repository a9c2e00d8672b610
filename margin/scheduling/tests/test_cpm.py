"""The critical path method: textbook networks, every link kind with lags and leads, constraints, manual tasks,
progress and slip, cycles, bad input, summary tasks and several calendars. No database.

Durations below are in days of 480 working minutes on a Mon–Fri 09:00–13:00 + 14:00–18:00 calendar; the
project starts Monday 2 March 2026 at 09:00. ``days()`` reads a task's ES, EF, LS, LF, TF and FF back in
days from the project start, so the expected values read like the textbooks' tables.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from margin.core.errors import Invalid
from margin.scheduling.calendars import Calendar, CalendarSpec, standard_calendar
from margin.scheduling.cpm import Schedule, diff, schedule
from margin.scheduling.network import ConstraintType, CycleError, Link, LinkKind, Network, NetworkError, Task

CAL = standard_calendar("std", years=range(2026, 2028))
START = datetime(2026, 3, 2, 9)  # a Monday
DAY = 480
BASE = CAL.to_working(START)
C = ConstraintType


def T(task_id: str, duration_days: float, **kw: object) -> Task:
    return Task(task_id, str(kw.pop("name", task_id)), round(duration_days * DAY), **kw)  # type: ignore[arg-type]


def L(pred: str, succ: str, kind: str = "FS", lag_days: float = 0, pct: int | None = None) -> Link:
    return Link(pred, succ, LinkKind(kind), round(lag_days * DAY), pct)


def run(tasks: list[Task], links: list[Link], status: datetime | date | None = None, **kw: object) -> Schedule:
    return schedule(Network(tasks=tasks, links=links, calendar=CAL, **kw), START, status)  # type: ignore[arg-type]


def days(s: Schedule, task_id: str) -> tuple[float, float, float, float, float, float]:
    """(ES, EF, LS, LF, TF, FF) in days from the project start."""
    w = s.working(task_id)
    return (
        (w.early_start - BASE) / DAY,
        (w.early_finish - BASE) / DAY,
        (w.late_start - BASE) / DAY,
        (w.late_finish - BASE) / DAY,
        w.total_float / DAY,
        w.free_float / DAY,
    )


def start_at(d: float) -> datetime:
    return CAL.from_working(BASE + round(d * DAY), as_finish=False)


def finish_at(d: float) -> datetime:
    return CAL.from_working(BASE + round(d * DAY), as_finish=True)


# --- textbook networks ------------------------------------------------------------------------------
def test_heizer_render_milwaukee_paper_manufacturing() -> None:
    # Source: J. Heizer & B. Render, "Operations Management", ch. 3 (Project Management), the Milwaukee Paper
    # Manufacturing example (Table 3.2 activities; ES/EF/LS/LF and slack in its Table 3.3; weeks as days here).
    # Free float worked out by hand: FF = min(successor ES) - EF (for H: project finish - EF).
    tasks = [T("A", 2), T("B", 3), T("C", 2), T("D", 4), T("E", 4), T("F", 3), T("G", 5), T("H", 2)]
    links = [L("A", "C"), L("A", "D"), L("B", "D"), L("C", "E"), L("C", "F"), L("D", "G"), L("E", "G"),
             L("F", "H"), L("G", "H")]  # fmt: skip
    s = run(tasks, links)
    expected = {  # ES, EF, LS, LF, total slack, free slack
        "A": (0, 2, 0, 2, 0, 0),
        "B": (0, 3, 1, 4, 1, 0),
        "C": (2, 4, 2, 4, 0, 0),
        "D": (3, 7, 4, 8, 1, 1),
        "E": (4, 8, 4, 8, 0, 0),
        "F": (4, 7, 10, 13, 6, 6),
        "G": (8, 13, 8, 13, 0, 0),
        "H": (13, 15, 13, 15, 0, 0),
    }
    assert {t: days(s, t) for t in expected} == expected
    assert s.critical == {"A", "C", "E", "G", "H"}
    assert s.critical_paths() == [("A", "C", "E", "G", "H")]
    assert [(lk.pred, lk.succ) for lk in s.critical_links] == [("A", "C"), ("C", "E"), ("E", "G"), ("G", "H")]
    # 15 working days from Monday 2 March: Friday 20 March at 18:00.
    assert s.project_finish == datetime(2026, 3, 20, 18)
    assert s["H"].finish == datetime(2026, 3, 20, 18) and s["H"].start == datetime(2026, 3, 19, 9)
    assert s.conflicts == ()


def test_lecture_notes_network_with_two_slack_activities() -> None:
    # Source: CPM lecture notes "Example 1: Draw the network for the events in Table 1" (studylib.net doc
    # 8378728), Table 2: critical path A-B-D-E-G of 16 hours, C and F with 1 hour of slack (hours as days).
    tasks = [T("A", 6), T("B", 2), T("C", 2), T("D", 3), T("E", 4), T("F", 2), T("G", 1)]
    links = [L("A", "B"), L("A", "C"), L("B", "D"), L("C", "F"), L("D", "E"), L("F", "E"), L("E", "G")]
    s = run(tasks, links)
    expected = {
        "A": (0, 6, 0, 6, 0, 0),
        "B": (6, 8, 6, 8, 0, 0),
        "C": (6, 8, 7, 9, 1, 0),
        "D": (8, 11, 8, 11, 0, 0),
        "E": (11, 15, 11, 15, 0, 0),
        "F": (8, 10, 9, 11, 1, 1),
        "G": (15, 16, 15, 16, 0, 0),
    }
    assert {t: days(s, t) for t in expected} == expected
    assert s.critical_paths() == [("A", "B", "D", "E", "G")]


# --- one network per link kind, with a lag and a lead ---------------------------------------------------
# X(3) → A(4) sets A at days 3–7; Z(12) runs alone, so the project lasts at least 12 days.
def _kind_net(kind: str, lag: float = 0, pct: int | None = None, b: float = 2, tail: float = 0) -> Schedule:
    tasks = [T("X", 3), T("A", 4), T("B", b), T("Z", 12)]
    links = [L("X", "A"), L("A", "B", kind, lag, pct)]
    if tail:
        tasks.append(T("W", tail))
        links.append(L("B", "W"))
    return run(tasks, links)


def test_finish_to_start_with_lag_lead_and_percent_lag() -> None:
    s = _kind_net("FS", 1)  # B starts a day after A finishes
    assert days(s, "B")[:2] == (8, 10)
    assert days(s, "A") == (3, 7, 5, 9, 2, 0)  # A may finish until B's late start (10) minus the lag
    s = _kind_net("FS", -1)  # a lead: B starts a day before A finishes
    assert days(s, "B")[:2] == (6, 8)
    assert days(s, "A")[2:5] == (7, 11, 4)
    s = _kind_net("FS", pct=50)  # 50 % of A's 4 days = 2 days
    assert days(s, "B")[:2] == (9, 11)
    assert days(s, "A")[3:5] == (8, 1)
    s = _kind_net("FS", pct=-25)  # a lead of 1 day
    assert days(s, "B")[:2] == (6, 8)
    s = _kind_net("FS", pct=10)  # 10 % of 1,920 minutes = 192 minutes: B starts 7 days 192 minutes in
    assert s.working("B").early_start - BASE == 7 * DAY + 192
    assert s["B"].start == datetime(2026, 3, 11, 12, 12)  # Wednesday of week 2, 09:00 + 3 h 12


def test_start_to_start_with_lag_and_lead() -> None:
    s = _kind_net("SS", 1, b=10)  # B starts a day after A starts and drives the finish
    assert days(s, "B") == (4, 14, 4, 14, 0, 0)
    assert days(s, "A") == (3, 7, 3, 7, 0, 0)  # A's late start is B's late start minus the lag
    s = _kind_net("SS", -1, b=10)  # B may start a day before A
    assert days(s, "B")[:2] == (2, 12)
    assert days(s, "A")[:5] == (3, 7, 3, 7, 0)
    assert s.critical_paths() == [("X", "A", "B"), ("Z",)]  # Z (12 days) ends with B


def test_free_float_of_start_links_counts_from_the_start() -> None:
    # A(4) SS+1 → B(2), and A(4) SF+1 → C(2); B and C are held later by constraints; Z(10) sets the finish.
    tasks = [
        T("A", 4),
        T("B", 2, constraint=C.SNET, constraint_date=start_at(3)),
        T("C", 2, constraint=C.SNET, constraint_date=start_at(5)),
        T("Z", 10),
    ]
    # SS: A may start until B's start (3) minus the lag: 2 days of free float. Total float: the project
    # finish (10) caps A's late finish.
    s = run(tasks, [L("A", "B", "SS", 1)])
    assert days(s, "A") == (0, 4, 6, 10, 6, 2)
    # SF: A may start until C's finish (7) minus the lag: 6 days.
    s = run(tasks, [L("A", "C", "SF", 1)])
    assert days(s, "A") == (0, 4, 6, 10, 6, 6)
    s = run(tasks, [L("A", "B", "SS", 1), L("A", "C", "SF", 1)])
    assert days(s, "A")[5] == 2


def test_finish_to_finish_with_lag_and_lead() -> None:
    s = _kind_net("FF", 1)  # B finishes a day after A finishes
    assert days(s, "B") == (6, 8, 10, 12, 4, 4)
    assert days(s, "A") == (3, 7, 7, 11, 4, 0)  # late finish: B's late finish (12) minus the lag
    s = _kind_net("FF", -1)
    assert days(s, "B")[:2] == (4, 6)
    assert days(s, "A")[3:5] == (12, 5)  # 13, capped by the project finish


def test_start_to_finish_with_lag_and_lead() -> None:
    s = _kind_net("SF", 1, tail=8)  # B finishes a day after A starts; B → W(8) makes B critical
    assert days(s, "B")[:2] == (2, 4)
    assert days(s, "W")[:2] == (4, 12)
    assert days(s, "A") == (3, 7, 3, 7, 0, 0)  # A's late start is B's late finish (4) minus the lag
    s = _kind_net("SF", -1, tail=8)
    assert days(s, "B")[:2] == (0, 2)
    assert days(s, "A")[2:5] == (5, 9, 2)  # B's late finish 4 plus the lead


def test_a_lead_never_starts_work_before_the_project() -> None:
    s = run([T("A", 1), T("B", 2)], [L("A", "B", "FS", -3)])
    assert days(s, "B")[:2] == (0, 2)
    assert s.driving_links == ()


# --- the MS Project finish convention in the schedule ---------------------------------------------------
def test_dates_follow_ms_project_conventions() -> None:
    s = run([T("M0", 0), T("A", 1), T("M", 0), T("B", 0.5)], [L("M0", "A"), L("A", "M"), L("M", "B")])
    assert s["M0"].start == s["M0"].finish == datetime(2026, 3, 2, 9)  # a milestone at the project start
    assert (s["A"].start, s["A"].finish) == (datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 18))
    assert s["M"].start == s["M"].finish == datetime(2026, 3, 2, 18)  # at its predecessor's finish
    assert s["M"].milestone and not s["A"].milestone
    assert (s["B"].start, s["B"].finish) == (datetime(2026, 3, 3, 9), datetime(2026, 3, 3, 13))
    assert s.project_finish == datetime(2026, 3, 3, 13)


def test_a_task_crossing_lunch_and_a_weekend() -> None:
    # Starts Friday 11:00 (SNET), 1.5 days: Fri 11–13, 14–18, then Mon 09–13, 14–16.
    s = run([T("A", 1.5, constraint=C.SNET, constraint_date=datetime(2026, 3, 6, 11))], [])
    assert (s["A"].start, s["A"].finish) == (datetime(2026, 3, 6, 11), datetime(2026, 3, 9, 16))


# --- constraints ---------------------------------------------------------------------------------------
def _con(kind: ConstraintType, when: datetime | date | None) -> Schedule:
    # A(2) → B(2); Z(10) alone sets the project finish at day 10.
    return run([T("A", 2), T("B", 2, constraint=kind, constraint_date=when), T("Z", 10)], [L("A", "B")])


def test_start_and_finish_no_earlier_than() -> None:
    s = _con(C.SNET, start_at(5))
    assert days(s, "B")[:2] == (5, 7) and s.conflicts == ()
    assert days(s, "A")[3:5] == (8, 6)  # A may finish until B's late start
    assert s.driving_links == ()  # the constraint, not the link, sets B
    assert days(_con(C.SNET, start_at(1)), "B")[:2] == (2, 4)  # earlier than the links: no effect
    s = _con(C.FNET, finish_at(8))
    assert days(s, "B")[:2] == (6, 8)


def test_start_no_later_than() -> None:
    s = _con(C.SNLT, start_at(3))
    assert days(s, "B") == (2, 4, 3, 5, 1, 1)
    assert days(s, "A")[3:5] == (3, 1)
    s = _con(C.SNLT, start_at(1))  # the link pushes B to day 2: reported, links win, negative float
    assert days(s, "B")[:5] == (2, 4, 1, 3, -1)
    assert days(s, "A")[4] == -1
    assert s.critical == {"A", "B", "Z"}
    [conflict] = s.conflicts
    assert conflict.task == "B" and conflict.kind == "constraint" and conflict.link == L("A", "B")
    assert "should start no later than 2026-03-03 09:00" in conflict.message
    assert "FS link from A needs it to start 2026-03-04 09:00" in conflict.message


def test_finish_no_later_than() -> None:
    s = _con(C.FNLT, date(2026, 3, 5))  # a plain date: the end of Thursday = day 4
    assert days(s, "B")[:5] == (2, 4, 2, 4, 0) and s.conflicts == ()
    s = _con(C.FNLT, finish_at(3))
    assert days(s, "B")[:5] == (2, 4, 1, 3, -1)
    assert [c.kind for c in s.conflicts] == ["constraint"]
    assert "should finish no later than 2026-03-04 18:00" in s.conflicts[0].message


def test_must_start_on_and_must_finish_on_win_over_links() -> None:
    s = _con(C.MSO, start_at(4))
    assert days(s, "B")[:5] == (4, 6, 4, 6, 0) and s.conflicts == ()
    assert days(s, "A")[3:5] == (4, 2)
    s = _con(C.MSO, start_at(1))  # before A finishes: the constraint is kept
    assert days(s, "B")[:2] == (1, 3)
    assert days(s, "A")[3:5] == (1, -1)
    assert "must start on" in s.conflicts[0].message and "negative float" in s.conflicts[0].message
    s = _con(C.MFO, finish_at(6))
    assert days(s, "B")[:5] == (4, 6, 4, 6, 0)
    s = _con(C.MFO, finish_at(3))
    assert days(s, "B")[:2] == (1, 3)
    assert days(s, "A")[4] == -1
    assert s.conflicts[0].kind == "constraint"


def test_as_late_as_possible() -> None:
    s = _con(C.ALAP, None)
    assert days(s, "B")[:2] == (2, 4)  # early dates stay the CPM's
    assert (s["B"].start, s["B"].finish) == (start_at(8), finish_at(10))  # scheduled at the project finish
    # ALAP before a successor: pushed up to the successor's scheduled start, and a chain of ALAP tasks moves.
    s = run(
        [T("P", 1, constraint=C.ALAP), T("A", 2, constraint=C.ALAP), T("C", 1, constraint=C.SNET,
         constraint_date=start_at(6)), T("Z", 10)],
        [L("P", "A"), L("A", "C")],
    )  # fmt: skip
    assert (s["A"].start, s["A"].finish) == (start_at(4), finish_at(6))
    assert (s["P"].start, s["P"].finish) == (start_at(3), finish_at(4))


def test_a_dated_constraint_needs_its_date() -> None:
    with pytest.raises(NetworkError, match="SNET constraint without a date"):
        run([T("A", 1, constraint=C.SNET)], [])


# --- manual tasks --------------------------------------------------------------------------------------
def test_a_manual_task_keeps_its_dates_and_reports_the_link_it_breaks() -> None:
    tasks = [T("A", 2), T("M", 2, manual=True, manual_start=start_at(1)), T("C", 1)]
    s = run(tasks, [L("A", "M"), L("M", "C")])
    assert days(s, "M")[:2] == (1, 3) and s["M"].manual
    assert days(s, "C")[:2] == (3, 4)  # successors follow the manual task's own dates
    [conflict] = s.conflicts
    assert (conflict.task, conflict.kind) == ("M", "manual")
    assert "Manual task M starts 2026-03-03 09:00" in conflict.message
    assert "FS link from A needs it to start no earlier than 2026-03-04 09:00" in conflict.message
    # With a finish and no conflict.
    tasks = [T("A", 1), T("M", 0, manual=True, manual_start=start_at(2), manual_finish=datetime(2026, 3, 5, 13))]
    s = run(tasks, [L("A", "M")])
    assert s.conflicts == ()
    assert (s["M"].start, s["M"].finish, s["M"].duration) == (start_at(2), datetime(2026, 3, 5, 13), 720)


def test_a_manual_task_stays_when_its_predecessor_slips() -> None:
    tasks = [T("A", 1), T("M", 1, manual=True, manual_start=start_at(2)), T("C", 1)]
    before = run(tasks, [L("A", "M"), L("M", "C")])
    assert before.conflicts == ()
    tasks[0] = T("A", 4)
    after = run(tasks, [L("A", "M"), L("M", "C")])
    assert days(after, "M")[:2] == (2, 3)
    assert [c.task for c in after.conflicts] == ["M"]
    assert [m.task for m in diff(before, after)] == ["A"]


def test_manual_finish_before_start_is_refused() -> None:
    with pytest.raises(NetworkError, match=r"finishes .* before it starts"):
        run([T("M", 1, manual=True, manual_start=start_at(3), manual_finish=finish_at(1))], [])


# --- progress and slip ---------------------------------------------------------------------------------
def test_remaining_work_runs_from_the_status_date() -> None:
    tasks = [T("A", 4, actual_start=START, percent_complete=25), T("B", 2), T("U", 1)]
    links = [L("A", "B")]
    s = run(tasks, links)  # no status date: as planned
    assert days(s, "A")[:2] == (0, 4) and days(s, "B")[:2] == (4, 6)
    # Status: end of Wednesday (day 3). One day done, three remain from the status date.
    s = run(tasks, links, status=date(2026, 3, 4))
    assert days(s, "A")[:2] == (0, 6)
    assert days(s, "B")[:2] == (6, 8)
    assert days(s, "U")[:2] == (3, 4)  # work not started cannot start before the status date
    assert s["A"].percent_complete == 25
    assert s.status_date == datetime(2026, 3, 5)
    # Progress without an actual start: the task started as planned, the rest runs from the status date too.
    tasks[0] = T("A", 4, percent_complete=25)
    s = run(tasks, links, status=date(2026, 3, 4))
    assert days(s, "A")[:2] == (0, 6) and days(s, "B")[:2] == (6, 8)


def test_actuals_move_successors_and_diff_reports_them() -> None:
    tasks = [T("A", 2), T("B", 2), T("C", 1), T("Z", 1)]
    links = [L("A", "B"), L("B", "C")]
    before = run(tasks, links)
    tasks[0] = T("A", 2, actual_start=start_at(1), percent_complete=50)  # started a day late
    after = run(tasks, links)
    assert days(after, "A")[:2] == (1, 3)
    assert days(after, "C")[:2] == (5, 6)
    moved = diff(before, after)
    assert [m.task for m in moved] == ["A", "B", "C"]
    assert (moved[2].old_start, moved[2].new_start) == (start_at(4), start_at(5))
    # A longer duration moves them again; an unrelated task does not move.
    tasks[1] = T("B", 4)
    later = run(tasks, links)
    assert [(m.task, m.new_finish) for m in diff(after, later)] == [("B", finish_at(7)), ("C", finish_at(8))]
    # Added and removed tasks.
    gone = run([*tasks[:3], T("N", 1)], links)
    assert [(m.task, m.old_start is None, m.new_start is None) for m in diff(later, gone)] == [
        ("N", True, False),
        ("Z", False, True),
    ]


def test_completed_and_remaining_durations() -> None:
    tasks = [
        T("A", 2, actual_start=START, actual_finish=finish_at(3)),  # took 3 days
        T("B", 4, percent_complete=50, remaining=3 * DAY),  # 2 days done, 3 remain: 5 in all
        T("C", 1),
    ]
    s = run(tasks, [L("A", "C"), L("B", "C")])
    assert days(s, "A")[:2] == (0, 3) and s["A"].duration == 3 * DAY
    assert not s["A"].critical and s["A"].percent_complete == 100
    assert days(s, "B")[:2] == (0, 5) and s["B"].duration == 5 * DAY
    assert s["B"].percent_complete == 40  # 2 of 5 days
    assert days(s, "C")[:2] == (5, 6)
    # A finished task is never critical, even with no float left.
    s = run([tasks[0], T("D", 1)], [L("A", "D")])
    assert days(s, "A")[4] == 0 and s.critical == {"D"}


def test_deadline_gives_negative_float_and_a_conflict() -> None:
    tasks, links = [T("A", 3), T("B", 3), T("C", 1)], [L("A", "B")]
    s = run(tasks, links, deadline=date(2026, 3, 5))  # end of Thursday: day 4 of 6
    assert days(s, "A")[4] == -2 and days(s, "B")[4] == -2 and days(s, "C")[4] == 3
    [conflict] = s.conflicts
    assert conflict.kind == "deadline" and conflict.task is None
    assert "after its deadline 2026-03-06 00:00" in conflict.message
    s = run(tasks, links, deadline=date(2026, 3, 13))  # two weeks: more float everywhere
    assert days(s, "A")[4] == 4 and s.critical == frozenset()
    assert days(s, "C")[4:] == (9, 5)  # free float counts to the project's finish (day 6), not the deadline


# --- cycles and bad input ------------------------------------------------------------------------------
def test_a_cycle_names_its_tasks_in_order() -> None:
    tasks = [T("s", 1, name="Start"), T("a", 1, name="Design"), T("b", 1, name="Build"), T("c", 1, name="Test")]
    links = [L("s", "a"), L("a", "b"), L("b", "c"), L("c", "a", "SS")]
    with pytest.raises(CycleError) as info:
        run(tasks, links)
    assert info.value.cycle == ("a", "b", "c")
    assert "'Design' (a) → 'Build' (b) → 'Test' (c) → 'Design' (a)" in info.value.message
    assert info.value.status == 422 and info.value.code == "dependency_cycle"


@pytest.mark.parametrize(
    ("tasks", "links", "message"),
    [
        ([T("A", 1), Task("B", duration=-5)], [], "B has an invalid duration -5"),
        ([T("A", 1)], [L("A", "Q")], "unknown successor task 'Q'"),
        ([T("A", 1)], [L("Q", "A")], "unknown predecessor task 'Q'"),
        ([T("A", 1)], [L("A", "A")], "cannot depend on itself"),
        ([T("A", 1), T("B", 1)], [L("A", "B", pct=1001)], "between -100 % and 1000 %"),
        ([T("A", 1), T("B", 1)], [L("A", "B", pct=-101)], "between -100 % and 1000 %"),
        ([T("A", 1), T("B", 1)], [Link("A", "B", LinkKind.FS, 60, 10)], "both a lag and a % lag"),
        ([T("A", 1), T("B", 1)], [Link("A", "B", "XX", 0)], "unknown kind"),  # type: ignore[arg-type]
        ([T("A", 1), T("A", 2)], [], "Two tasks have the id 'A'"),
        ([T("A", 1, parent="Q")], [], "unknown parent 'Q'"),
        ([T("A", 1, parent="B"), T("B", 1, parent="A")], [], "outline loops"),
        ([T("A", 1, calendar="nope")], [], "unknown calendar 'nope'"),
        ([T("A", 1, percent_complete=120)], [], "from 0 to 100"),
        ([T("A", 1, actual_finish=finish_at(1))], [], "actual finish but no actual start"),
        ([T("S", 0, constraint=C.SNET, constraint_date=START), T("A", 1, parent="S")], [], "cannot carry a SNET"),
        ([T("S", 0, manual=True), T("A", 1, parent="S")], [], "cannot be scheduled manually"),
    ],
)
def test_bad_input_names_what_is_wrong(tasks: list[Task], links: list[Link], message: str) -> None:
    with pytest.raises(NetworkError, match=message) as info:
        run(tasks, links)
    assert isinstance(info.value, Invalid)


def test_a_bad_link_is_attached_to_the_error() -> None:
    bad = L("A", "A")
    with pytest.raises(NetworkError) as info:
        run([T("A", 1)], [bad])
    assert info.value.link == bad


# --- summary tasks -------------------------------------------------------------------------------------
def test_summary_tasks_roll_up_and_links_to_them_reach_their_subtasks() -> None:
    tasks = [
        Task("P1", "Phase 1"),
        T("A", 2, parent="P1", work=600, cost=10_000, percent_complete=50, actual_start=START),
        T("B", 3, parent="P1", work=200, cost=5_000),
        Task("P2", "Phase 2"),
        T("C", 1, parent="P2", work=480, cost=2_000),
        T("D", 2, parent="P2"),
        T("E", 1),
    ]
    links = [L("P1", "P2"), L("E", "P2", "SS")]  # summary → summary (FS) and task → summary (SS)
    s = run(tasks, links)
    assert days(s, "C")[:2] == (3, 4) and days(s, "D")[:2] == (3, 5)  # after both A and B
    p1, p2 = s["P1"], s["P2"]
    assert p1.summary and not p1.milestone
    assert (p1.start, p1.finish) == (start_at(0), finish_at(3))
    assert (p2.start, p2.finish, p2.duration) == (start_at(3), finish_at(5), 2 * DAY)
    assert (p1.work, p1.cost) == (800, 15_000)
    assert p1.percent_complete == 37.5  # (600 × 50 + 200 × 0) / 800
    assert s.project.work == 1280 and s.project.cost == 17_000
    assert (s.project.start, s.project.finish) == (start_at(0), finish_at(5))
    assert p2.critical and p1.critical and not s["A"].critical
    assert s.critical_links == (links[0],)


@pytest.mark.parametrize(
    ("link", "message"),
    [
        (L("A", "P", "FF"), "FF link cannot end on summary task"),
        (L("P", "A", "SS"), "SS link cannot start from summary task"),
        (L("P", "C", pct=50), "% lag needs a predecessor with its own duration"),
        (L("P", "B"), "cannot be linked to its own subtask"),
    ],
)
def test_links_to_summary_tasks_that_cannot_be_expressed_are_refused(link: Link, message: str) -> None:
    tasks = [Task("P"), T("B", 1, parent="P"), T("A", 1), T("C", 1)]
    with pytest.raises(NetworkError, match=message):
        run(tasks, [link])


# --- several calendars ---------------------------------------------------------------------------------
def test_a_link_between_calendars_counts_its_lag_on_the_successor_calendar() -> None:
    part_time = Calendar(
        CalendarSpec(id="lea", parent=CAL.spec, week=dict.fromkeys(range(4), ((480, 720),)) | {4: ()})
    )  # Mon–Thu 08:00–12:00
    network = Network(
        tasks=[T("A", 1), T("B", 1, calendar="lea"), T("C", 0.5)],
        links=[L("A", "B", lag_days=0.5), L("B", "C")],
        calendar=CAL,
        calendars={"lea": part_time},
    )
    s = schedule(network, START)
    assert (s["A"].start, s["A"].finish) == (datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 18))
    # The 240-minute lag is Lea's Tuesday morning; her 480 minutes are Wednesday and Thursday mornings.
    assert (s["B"].start, s["B"].finish) == (datetime(2026, 3, 4, 8), datetime(2026, 3, 5, 12))
    assert s["B"].calendar == "lea" and s["B"].duration == 480
    # C (on the project calendar) starts when B finishes, Thursday 12:00: 12–13, lunch, 14–17.
    assert (s["C"].start, s["C"].finish) == (datetime(2026, 3, 5, 12), datetime(2026, 3, 5, 17))
    assert s.critical == {"A", "B", "C"}
    assert all(s[t].total_float == 0 for t in "ABC")


def test_a_start_to_start_link_into_a_weekend_calendar_keeps_the_predecessor_before_it() -> None:
    # B works Saturday mornings (a field team); A, on the office calendar, must start no later than B starts.
    # B is held on Saturday 7 March 09:00 and drives Z, the last task, so B's late start is that Saturday
    # morning; the office's last working minute before it is Friday 17:59.
    weekend = Calendar(CalendarSpec(id="field", parent=CAL.spec, week={5: ((540, 780),)}))
    network = Network(
        tasks=[
            Task("A", duration=60),
            Task("B", duration=60, calendar="field", constraint=C.SNET, constraint_date=datetime(2026, 3, 7, 9)),
            Task("Z", duration=480, calendar="field"),
        ],
        links=[Link("A", "B", LinkKind.SS), Link("B", "Z")],
        calendar=CAL,
        calendars={"field": weekend},
    )
    s = schedule(network, START)
    assert (s["B"].start, s["Z"].start, s["Z"].finish) == (
        datetime(2026, 3, 7, 9), datetime(2026, 3, 7, 10), datetime(2026, 3, 9, 15),
    )  # fmt: skip
    assert s["B"].total_float == 0
    assert s["A"].late_start == datetime(2026, 3, 6, 17, 59)
    assert s["A"].total_float == 4 * DAY + 479


def test_a_network_without_tasks_schedules_to_nothing() -> None:
    # An empty project is valid input (it used to fail with an IndexError).
    s = run([], [])
    assert len(s) == 0 and s.tasks == [] and s.critical == frozenset()
    assert s.project_finish == START
    assert s.conflicts == ()
    assert s.project.work == 0
    assert diff(s, run([], [])) == []
