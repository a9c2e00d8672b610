"""Resource leveling: hand-made networks with known optimal leveled makespans, every link kind, fixed tasks,
deadlines, validation, and properties on random small problems (both modes)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from margin.core.errors import Invalid
from margin.scheduling.leveling import (
    Activity,
    ActivityId,
    CycleError,
    Demand,
    LeveledSchedule,
    LevelingError,
    LevelingProblem,
    Precedence,
    Resource,
    compile_problem,
    level_cpsat,
    level_heuristic,
)
from margin.scheduling.leveling import heuristic as heuristic_module

CPSAT_EFFORT = 1.0
HINT = 3000  # the warm start's schedules per worker: these tests check CP-SAT's rules, not the default's search


# --- an independent check, written from the link definitions (not from the engine's code) ---------


def broken_links(problem: LevelingProblem, starts: dict[ActivityId, int]) -> list[str]:
    dur = {a.id: a.duration for a in problem.activities}
    out = []
    for p in problem.precedences:
        s_i, f_i = starts[p.pred], starts[p.pred] + dur[p.pred]
        s_j, f_j = starts[p.succ], starts[p.succ] + dur[p.succ]
        ok = {
            "FS": s_j >= f_i + p.lag,
            "SS": s_j >= s_i + p.lag,
            "FF": f_j >= f_i + p.lag,
            "SF": f_j >= s_i + p.lag,
        }[p.kind]
        if not ok:
            out.append(f"{p.pred}->{p.succ} {p.kind} {p.lag}")
    return out


def overloads(problem: LevelingProblem, starts: dict[ActivityId, int]) -> list[tuple[str, int, int]]:
    """(resource, time, load) for every time unit in which a resource is loaded above its capacity."""
    dur = {a.id: a.duration for a in problem.activities}
    cap = {r.id: r.capacity for r in problem.resources}
    load: dict[tuple[object, int], int] = {}
    for d in problem.demands:
        for t in range(starts[d.activity], starts[d.activity] + dur[d.activity]):
            load[(d.resource, t)] = load.get((d.resource, t), 0) + d.units
    return [(str(r), t, v) for (r, t), v in sorted(load.items(), key=str) if v > cap[r]]


def span(problem: LevelingProblem, starts: dict[ActivityId, int]) -> int:
    return max((starts[a.id] + a.duration for a in problem.activities), default=0)


def assert_valid(problem: LevelingProblem, result: LeveledSchedule) -> None:
    assert set(result.starts) == {a.id for a in problem.activities}
    assert broken_links(problem, result.starts) == []
    assert overloads(problem, result.starts) == []
    assert all(result.starts[a.id] >= a.release for a in problem.activities)
    assert result.makespan == span(problem, result.starts)
    assert result.lower_bound <= result.makespan


def solve_both(problem: LevelingProblem) -> tuple[LeveledSchedule, LeveledSchedule]:
    return level_heuristic(problem), level_cpsat(problem, effort=CPSAT_EFFORT, heuristic_schedules=HINT)


def one_person(*acts: Activity, links: tuple[Precedence, ...] = (), cap: int = 100) -> LevelingProblem:
    """Every activity needs the whole of one person (100 units of a capacity of 100)."""
    return LevelingProblem.build(
        acts, links, [Resource("ann", cap)], [Demand(a.id, "ann", 100) for a in acts if a.duration]
    )


# --- each link kind, with a known optimal leveled makespan ------------------------------------------


@pytest.mark.parametrize(
    ("kind", "lag", "durations", "optimum", "unleveled"),
    [
        # FS lag 2: B after A's finish + 2, one person: no overlap is possible anyway
        ("FS", 2, (3, 2), 7, 7),
        # SS lag 1: B may start 1 after A, but the person does one at a time: A 0-3, B 3-5
        ("SS", 1, (3, 2), 5, 3),
        # FF lag 0: B (4) must finish no earlier than A (2): A 0-2, B 2-6 (B first would finish before A)
        ("FF", 0, (2, 4), 6, 4),
        # SF lag 0: B must finish no earlier than A starts: B 0-3, A 3-5
        ("SF", 0, (2, 3), 5, 3),
        # FS with a lead of 2 (negative lag): still sequential on one person
        ("FS", -2, (4, 3), 7, 5),
        # SS lag -2: B may start up to 2 before A, not more: B first (0-3) would need A by 2, so A 0-4, B 4-7
        ("SS", -2, (4, 3), 7, 4),
    ],
)
def test_link_kinds_on_one_person(
    kind: str, lag: int, durations: tuple[int, int], optimum: int, unleveled: int
) -> None:
    a, b = Activity("A", durations[0]), Activity("B", durations[1])
    problem = one_person(a, b, links=(Precedence("A", "B", kind, lag),))  # type: ignore[arg-type]
    assert compile_problem(problem).critical_path_length == unleveled
    heur, opt = solve_both(problem)
    for result in (heur, opt):
        assert_valid(problem, result)
        assert result.makespan == optimum
    assert opt.proven_optimal
    assert opt.lower_bound == optimum


def test_a_lead_is_used_when_it_helps() -> None:
    # A (4) on the crane; B (3) and C (2) share one welder. B may start 2 into A (FS lag -2).
    # Best: A 0-4, C 0-2, B 2-5 -> 5. Without the lead B could only start at 4 -> 7.
    acts = [Activity("A", 4), Activity("B", 3), Activity("C", 2)]
    res = [Resource("crane", 1), Resource("welder", 1)]
    dem = [Demand("A", "crane", 1), Demand("B", "welder", 1), Demand("C", "welder", 1)]
    lead = LevelingProblem.build(acts, [Precedence("A", "B", "FS", -2)], res, dem)
    plain = LevelingProblem.build(acts, [Precedence("A", "B", "FS", 0)], res, dem)
    for problem, best in ((lead, 5), (plain, 7)):
        heur, opt = solve_both(problem)
        assert_valid(problem, heur)
        assert_valid(problem, opt)
        assert heur.makespan == opt.makespan == best
        assert opt.proven_optimal


def test_textbook_leveling_delays_the_task_with_float() -> None:
    # A 0-4 and B (2) both need Bob; B has float (C after A is the long chain), so B moves, A does not.
    acts = [Activity("A", 4), Activity("B", 2), Activity("C", 5)]
    links = [Precedence("A", "C"), Precedence("B", "C", "FS", -2)]
    problem = LevelingProblem.build(
        acts, links, [Resource("bob", 100)], [Demand("A", "bob", 100), Demand("B", "bob", 100)]
    )
    heur, opt = solve_both(problem)
    for result in (heur, opt):
        assert_valid(problem, result)
        assert result.makespan == 9
        assert result.starts["A"] == 0
        assert result.delays["A"] == 0
        assert result.delays["C"] == 0
        assert result.delays["B"] == 4
        assert result.starts["B"] == 4


def test_pools_and_part_time_units() -> None:
    # A pool of 3 developers (300 %): four half-time tasks and one full-time task fit at once (300),
    # a fifth half-time task must wait.
    acts = [Activity(f"T{k}", 5) for k in range(6)]
    dem = [Demand(f"T{k}", "devs", 50) for k in range(5)] + [Demand("T5", "devs", 100)]
    problem = LevelingProblem.build(acts, (), [Resource("devs", 300)], dem)
    heur, opt = solve_both(problem)
    for result in (heur, opt):
        assert_valid(problem, result)
        assert result.makespan == 10
        assert sorted(result.delays.values()) == [0, 0, 0, 0, 0, 5]


def test_minutes_are_leveled_like_days() -> None:
    """Working minutes (multiples of a day of 480) give the same plan as days, times 480."""
    days = one_person(Activity("A", 2), Activity("B", 3, release=1), Activity("C", 1))
    minutes = LevelingProblem.build(
        [Activity(a.id, a.duration * 480, release=a.release * 480) for a in days.activities],
        (),
        days.resources,
        days.demands,
    )
    d, m = level_heuristic(days), level_heuristic(minutes)
    assert m.makespan == d.makespan * 480 == 6 * 480
    assert {k: v * 480 for k, v in d.starts.items()} == m.starts
    assert_valid(minutes, m)


def test_release_is_kept_and_idle_time_is_used() -> None:
    problem = one_person(Activity("A", 3, release=4), Activity("B", 2), Activity("C", 2))
    heur, opt = solve_both(problem)
    for result in (heur, opt):
        assert_valid(problem, result)
        assert result.makespan == 7  # B and C fill 0-4, A at 4
        assert result.starts["A"] == 4


# --- manual tasks, deadlines, priorities -------------------------------------------------------------


def test_fixed_activities_do_not_move() -> None:
    problem = one_person(Activity("A", 3), Activity("M", 2, fixed_start=1), Activity("B", 2))
    heur, opt = solve_both(problem)
    for result in (heur, opt):
        assert result.starts["M"] == 1
        assert result.delays["M"] == 0
        assert_valid(problem, result)
        assert result.violations == ()
        assert result.makespan == 8  # M 1-3, A and B after it (the gap 0-1 fits neither)


def test_a_link_into_a_fixed_task_that_cannot_be_kept_is_reported() -> None:
    # M is fixed at 1 but must follow A (3 long): the link is broken by 2, and said so.
    acts = [Activity("A", 3), Activity("M", 1, fixed_start=1)]
    problem = LevelingProblem.build(acts, [Precedence("A", "M")], [], [])
    for result in solve_both(problem):
        assert result.starts["M"] == 1
        assert [(v.kind, v.activity, v.amount) for v in result.violations] == [("link", "M", 2)]
        assert not result.feasible


def test_over_allocation_among_fixed_tasks_is_reported() -> None:
    problem = one_person(Activity("M1", 3, fixed_start=0), Activity("M2", 3, fixed_start=2), Activity("A", 1))
    for result in solve_both(problem):
        assert (result.starts["M1"], result.starts["M2"]) == (0, 2)
        # each of the two tasks is told that it runs while the person is over-allocated
        assert [(v.kind, v.activity, v.amount) for v in result.violations] == [
            ("capacity", "M1", 100),
            ("capacity", "M2", 100),
        ]
        # the free task is still placed where nothing else is
        assert result.starts["A"] >= 5


def test_deadline_violations_are_reported_not_ignored() -> None:
    problem = one_person(Activity("A", 5, deadline=6), Activity("B", 5, deadline=6))
    for result in solve_both(problem):
        assert_valid(problem, result)
        late = [v for v in result.violations if v.kind == "deadline"]
        assert len(late) == 1
        assert late[0].amount == 4
        assert not result.feasible


def test_a_deadline_decides_the_order() -> None:
    # Without a deadline either order gives 7; B's deadline of 3 puts B first.
    problem = one_person(Activity("A", 4), Activity("B", 3, deadline=3))
    for result in solve_both(problem):
        assert result.violations == ()
        assert result.starts["B"] == 0
        assert result.starts["A"] == 3


def test_priority_goes_first() -> None:
    low = one_person(Activity("A", 4, priority=0), Activity("B", 3, priority=900))
    result = level_heuristic(low)
    assert result.starts["B"] == 0
    assert result.delays["A"] == 3


def test_cpsat_can_also_minimise_delay() -> None:
    # Any order gives 6; the second phase keeps 6 and puts the high-priority task first.
    problem = one_person(Activity("A", 3), Activity("B", 3, priority=5))
    result = level_cpsat(problem, effort=CPSAT_EFFORT, minimize_delay=True, hint=level_heuristic(problem))
    assert result.makespan == 6
    assert result.starts["B"] == 0


# --- validation ---------------------------------------------------------------------------------------


def test_a_cycle_is_refused_naming_its_tasks() -> None:
    acts = [Activity(x, 1) for x in "ABCD"]
    links = [Precedence("A", "B"), Precedence("B", "C", "SS"), Precedence("C", "A", "FF"), Precedence("C", "D")]
    with pytest.raises(CycleError) as err:
        compile_problem(LevelingProblem.build(acts, links))
    assert set(err.value.cycle) == {"A", "B", "C"}
    assert "A → B → C → A" in err.value.message
    assert isinstance(err.value, Invalid)
    assert err.value.status == 422


def test_a_self_link_is_a_cycle() -> None:
    with pytest.raises(CycleError, match="A → A"):
        compile_problem(LevelingProblem.build([Activity("A", 1)], [Precedence("A", "A")]))


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        (LevelingProblem.build([Activity("A", -1)]), "negative duration"),
        (LevelingProblem.build([Activity("A", 1), Activity("A", 2)]), "appears twice"),
        (LevelingProblem.build([Activity("A", 1)], [Precedence("A", "Z")]), "unknown activity Z"),
        (
            LevelingProblem.build([Activity("A", 1)], [Precedence("A", "A", "XX")]),  # type: ignore[arg-type]
            "Unknown link kind",
        ),
        (LevelingProblem.build([Activity("A", 1)], demands=[Demand("A", "nobody", 1)]), "unknown resource nobody"),
        (
            LevelingProblem.build([Activity("A", 1)], demands=[Demand("Q", "r", 1)], resources=[Resource("r", 1)]),
            "unknown activity Q",
        ),
        (
            LevelingProblem.build([Activity("A", 1)], (), [Resource("ann", 100)], [Demand("A", "ann", 150)]),
            "needs 150 units of ann, which has only 100",
        ),
        (
            LevelingProblem.build(
                [Activity("A", 1)], (), [Resource("ann", 100)], [Demand("A", "ann", 60), Demand("A", "ann", 60)]
            ),
            "needs 120 units",
        ),
        (LevelingProblem.build([Activity("A", 1, release=-3)]), "negative earliest start"),
        (LevelingProblem.build([Activity("A", 1, fixed_start=-1)]), "negative fixed start"),
        (LevelingProblem.build([Activity("A", 1)], (), [Resource("r", -1)]), "negative capacity"),
        (LevelingProblem.build([Activity("A", 1)], (), [Resource("r", 1)], [Demand("A", "r", -1)]), "negative amount"),
    ],
)
def test_bad_problems_are_refused_clearly(problem: LevelingProblem, message: str) -> None:
    with pytest.raises(LevelingError, match=message):
        level_heuristic(problem)
    with pytest.raises(LevelingError, match=message):
        level_cpsat(problem, effort=CPSAT_EFFORT)


def test_empty_and_trivial_problems() -> None:
    empty = LevelingProblem.build([])
    for result in solve_both(empty):
        assert result.starts == {} and result.makespan == 0 and result.proven_optimal
    milestone = LevelingProblem.build([Activity("M", 0)], (), [Resource("r", 1)], [Demand("M", "r", 1)])
    for result in solve_both(milestone):
        assert result.starts == {"M": 0}


# --- determinism and progress -----------------------------------------------------------------------


def _crowded() -> LevelingProblem:
    acts = [Activity(k, 1 + (k * 7) % 5) for k in range(14)]
    links = [Precedence(k, k + 3, "FS", (k % 3) - 1) for k in range(11)]
    res = [Resource("r1", 4), Resource("r2", 3)]
    dem = [Demand(k, "r1", 1 + k % 3) for k in range(14)] + [Demand(k, "r2", 1 + k % 2) for k in range(0, 14, 2)]
    return LevelingProblem.build(acts, links, res, dem)


def test_the_heuristic_is_deterministic_for_a_seed_and_budget() -> None:
    problem = _crowded()
    first = level_heuristic(problem, seed=3, max_schedules=400, time_limit_s=None)
    again = level_heuristic(problem, seed=3, max_schedules=400, time_limit_s=None)
    assert first.starts == again.starts
    assert first.schedules == again.schedules
    assert_valid(problem, first)


def test_the_default_effort_does_not_depend_on_how_busy_the_machine_is(monkeypatch: pytest.MonkeyPatch) -> None:
    # A machine so busy that every clock reading is a second later: the answer must be the same.
    problem = _crowded()
    idle = level_heuristic(problem, max_schedules=600)
    clock = iter(range(10**9))
    monkeypatch.setattr(heuristic_module.time, "perf_counter", lambda: float(next(clock)))
    busy = level_heuristic(problem, max_schedules=600)
    assert (busy.starts, busy.schedules) == (idle.starts, idle.schedules)
    assert idle.stats == busy.stats
    # the budget ran out: 600 passes, or (a small problem, whose lists repeat) twice as many repeated ones
    assert (idle.schedules == 600 or idle.stats["repeats"] == 1200) and busy.elapsed_s >= 1


def test_cpsat_with_one_worker_gives_the_same_plan_for_the_same_effort() -> None:
    problem = _crowded()
    first = level_cpsat(problem, effort=0.3, workers=1, heuristic_schedules=50)
    again = level_cpsat(problem, effort=0.3, workers=1, heuristic_schedules=50)
    assert first.starts == again.starts
    assert first.stats["deterministic_time"] <= 0.3 * 1.5
    assert_valid(problem, first)


def test_progress_is_reported() -> None:
    problem = _crowded()
    seen: list[tuple[float, int, int]] = []
    result = level_heuristic(problem, max_schedules=2000, on_progress=lambda t, m, b: seen.append((t, m, b)))
    assert seen and seen[-1][1] == result.makespan
    assert [m for _, m, _ in seen] == sorted((m for _, m, _ in seen), reverse=True)
    seen.clear()
    opt = level_cpsat(
        problem, effort=CPSAT_EFFORT, heuristic_schedules=HINT, on_progress=lambda t, m, b: seen.append((t, m, b))
    )
    assert seen
    assert min(m for _, m, _ in seen) == opt.makespan
    assert all(b <= m for _, m, b in seen)


# --- properties on random small problems --------------------------------------------------------------


@st.composite
def small_problems(draw: st.DrawFn) -> LevelingProblem:
    n = draw(st.integers(1, 7))
    acts = [Activity(i, draw(st.integers(0, 5)), release=draw(st.integers(0, 3))) for i in range(n)]
    links = []
    for j in range(1, n):
        for i in draw(st.lists(st.integers(0, j - 1), max_size=2, unique=True)):
            kind = draw(st.sampled_from(["FS", "SS", "FF", "SF"]))
            links.append(Precedence(i, j, kind, draw(st.integers(-3, 3))))
    caps = draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))
    res = [Resource(f"R{k}", c) for k, c in enumerate(caps)]
    dem = []
    for a in acts:
        for k, c in enumerate(caps):
            u = draw(st.integers(0, c))
            if u:
                dem.append(Demand(a.id, f"R{k}", u))
    return LevelingProblem.build(acts, links, res, dem)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_plans_keep_every_link_and_capacity_and_never_beat_a_proven_optimum(problem: LevelingProblem) -> None:
    heur = level_heuristic(problem, max_schedules=300, time_limit_s=None)
    assert_valid(problem, heur)
    assert heur.violations == ()
    net = compile_problem(problem)
    assert all(heur.delays[a] == heur.starts[a] - net.early_start[i] >= 0 for i, a in enumerate(net.ids))
    opt = level_cpsat(problem, effort=0.5, hint=heur)
    assert_valid(problem, opt)
    assert opt.makespan <= heur.makespan
    assert opt.lower_bound <= opt.makespan
    if opt.proven_optimal:
        assert heur.makespan >= opt.makespan
        assert heur.lower_bound <= opt.makespan


def test_an_initial_plan_that_breaks_the_rules_only_lends_its_order() -> None:
    problem = one_person(Activity("A", 3), Activity("B", 2), links=(Precedence("A", "B", "SS", 1),))
    bad = {"A": 0, "B": 0}  # breaks the link and overloads the person
    result = level_heuristic(problem, initial=[bad], max_schedules=1, time_limit_s=None)
    assert_valid(problem, result)
    assert result.makespan == 5


# --- links into fixed (started or manual) activities: never broken, nothing fixed moves ----------------


def shortfalls(problem: LevelingProblem, starts: dict[ActivityId, int]) -> dict[tuple[object, object, str], int]:
    """How far each link is missed (0 = kept), from the link definitions."""
    dur = {a.id: a.duration for a in problem.activities}
    out = {}
    for p in problem.precedences:
        s_i, f_i = starts[p.pred], starts[p.pred] + dur[p.pred]
        s_j, f_j = starts[p.succ], starts[p.succ] + dur[p.succ]
        need, have = {"FS": (f_i, s_j), "SS": (s_i, s_j), "FF": (f_i, f_j), "SF": (s_i, f_j)}[p.kind]
        out[(p.pred, p.succ, p.kind)] = max(0, need + p.lag - have)
    return out


def test_the_issue_a_predecessor_of_a_started_task_is_not_delayed_past_it() -> None:
    # The issue: B is 99 % done (fixed at 10); A must finish before B starts (FS) and needs Ann, who is busy
    # elsewhere from 0 to 40. Leveling used to push A to 40, breaking A -> B; now A stays at 0 (Ann stays
    # over-allocated there) and the plan says so, per task.
    acts = [Activity("A", 10), Activity("B", 5, fixed_start=10), Activity("elsewhere", 40, fixed_start=0)]
    problem = LevelingProblem.build(
        acts,
        [Precedence("A", "B")],
        [Resource("ann", 100)],
        [Demand("A", "ann", 100), Demand("elsewhere", "ann", 100)],
    )
    for result in solve_both(problem):
        assert result.starts == {"A": 0, "B": 10, "elsewhere": 0}
        assert broken_links(problem, result.starts) == []
        assert [(v.kind, v.activity, v.other) for v in result.violations] == [
            ("capacity", "A", "ann"),
            ("capacity", "elsewhere", "ann"),
        ]


def test_a_task_before_a_started_one_still_levels_within_its_room() -> None:
    # A and C share Ann; C must finish before the fixed B at 20: C moves only as far as B allows (to 10).
    acts = [Activity("A", 10), Activity("C", 10), Activity("B", 5, fixed_start=20)]
    problem = one_person(*acts[:2], links=(Precedence("C", "B"),))
    problem = LevelingProblem.build(acts, problem.precedences, problem.resources, problem.demands)
    for result in solve_both(problem):
        assert_valid(problem, result)
        assert result.starts["B"] == 20 and result.starts["C"] <= 10
        assert result.violations == ()


def test_a_fixed_predecessor_holds_even_when_the_plan_lists_its_successor_first() -> None:
    # Found by the property below: B must follow the fixed milestone M (at 1) and finish before the fixed C (at 1),
    # which cannot both hold, and C fills the resource at 1. Forward-backward improvement then ordered B before
    # M (by the times of a plan that breaks B -> C), and the pass placed B at 0, before M.
    acts = [Activity("M", 0, fixed_start=1), Activity("B", 1), Activity("C", 1, fixed_start=1)]
    problem = LevelingProblem.build(
        acts,
        [Precedence("M", "B"), Precedence("B", "C")],
        [Resource("r", 2)],
        [Demand("B", "r", 1), Demand("C", "r", 2)],
    )
    for result in solve_both(problem):
        assert result.starts == {"M": 1, "B": 1, "C": 1}
        assert broken_links(problem, result.starts) == ["B->C FS 0"]  # the one no plan can keep


@st.composite
def plans_with_fixed_tasks(draw: st.DrawFn) -> LevelingProblem:
    """Small networks in which some tasks are fixed (started, manual), anywhere, links of every kind."""
    n = draw(st.integers(2, 8))
    acts = []
    for i in range(n):
        fixed = draw(st.one_of(st.none(), st.integers(0, 12)))
        acts.append(Activity(i, draw(st.integers(0, 5)), release=draw(st.integers(0, 3)), fixed_start=fixed))
    links = []
    for j in range(1, n):
        for i in draw(st.lists(st.integers(0, j - 1), max_size=2, unique=True)):
            links.append(Precedence(i, j, draw(st.sampled_from(["FS", "SS", "FF", "SF"])), draw(st.integers(-2, 3))))
    caps = draw(st.lists(st.integers(1, 3), min_size=1, max_size=2))
    res = [Resource(f"R{k}", c) for k, c in enumerate(caps)]
    dem = [Demand(a.id, f"R{k}", u) for a in acts for k, c in enumerate(caps) if (u := draw(st.integers(0, c)))]
    return LevelingProblem.build(acts, links, res, dem)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans_with_fixed_tasks())
def test_leveling_never_breaks_a_link_further_nor_moves_a_fixed_task(problem: LevelingProblem) -> None:
    net = compile_problem(problem)
    unleveled = {a: net.early_start[i] for i, a in enumerate(net.ids)}
    before = shortfalls(problem, unleveled)
    heur = level_heuristic(problem, max_schedules=200)
    for result in (heur, level_cpsat(problem, effort=0.2, hint=heur)):
        for a in problem.activities:
            if a.fixed_start is not None:
                assert result.starts[a.id] == a.fixed_start
            else:
                assert result.starts[a.id] >= max(a.release, unleveled[a.id])
        after = shortfalls(problem, result.starts)
        assert all(after[k] <= before[k] for k in after), (before, after)
        # what it cannot keep, it says, per activity
        told = {(v.kind, v.activity) for v in result.violations}
        for pred, succ, _ in (k for k, v in after.items() if v):
            assert ("link", succ) in told
        for _, t, _ in overloads(problem, result.starts):
            assert any(kind == "capacity" for kind, _ in told)
