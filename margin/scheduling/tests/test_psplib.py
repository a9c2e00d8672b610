"""The PSPLIB reader: real J30/J60 files become the engine's problem; both leveling modes on a few of them;
the solution lists; and malformed files refused with the line and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from margin.scheduling.leveling import compile_problem, level_cpsat, level_heuristic
from margin.scheduling.psplib import (
    PsplibFormatError,
    instance_key,
    parse_sm,
    read_bounds,
    read_makespans,
    read_sm,
)
from margin.scheduling.tests.test_leveling import assert_valid

# shared/ lies beside the repository (or beside the folder of its worktrees)
DATA = next(
    (p / "shared" / "data" / "psplib" for p in Path(__file__).resolve().parents if (p / "shared" / "data").is_dir()),
    Path(__file__).resolve().parents[3].parent / "shared" / "data" / "psplib",
)
needs_data = pytest.mark.skipif(not (DATA / "j30").is_dir(), reason=f"PSPLIB data not found at {DATA}")

SMALL = """************************************************************************
file with basedata            : tiny.bas
************************************************************************
projects                      :  1
jobs (incl. supersource/sink ):  4
horizon                       :  9
RESOURCES
  - renewable                 :  1   R
  - nonrenewable              :  0   N
  - doubly constrained        :  0   D
************************************************************************
PROJECT INFORMATION:
pronr.  #jobs rel.date duedate tardcost  MPM-Time
    1      2      0        5        3        4
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        1          1           4
   3        1          1           4
   4        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1
------------------------------------------------------------------------
  1      1     0       0
  2      1     4       2
  3      1     3       2
  4      1     0       0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1
    3
************************************************************************
"""


def test_a_small_file_becomes_tasks_links_resources_and_demands() -> None:
    inst = parse_sm(SMALL, "tiny.sm")
    p = inst.problem
    assert [(a.id, a.duration) for a in p.activities] == [(1, 0), (2, 4), (3, 3), (4, 0)]
    assert [(x.pred, x.succ, x.kind, x.lag) for x in p.precedences] == [
        (1, 2, "FS", 0),
        (1, 3, "FS", 0),
        (2, 4, "FS", 0),
        (3, 4, "FS", 0),
    ]
    assert [(r.id, r.capacity) for r in p.resources] == [("R1", 3)]
    assert [(d.activity, d.resource, d.units) for d in p.demands] == [(2, "R1", 2), (3, "R1", 2)]
    assert (inst.jobs, inst.horizon, inst.critical_path, inst.due_date) == (4, 9, 4, 5)
    assert compile_problem(p).critical_path_length == 4
    # 2 + 2 > 3: the two jobs cannot overlap, so leveling makes it 7
    for result in (level_heuristic(p), level_cpsat(p, effort=1.0, heuristic_schedules=3000)):
        assert result.makespan == 7
        assert_valid(p, result)


def _broken(old: str, new: str) -> str:
    assert old in SMALL
    return SMALL.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            _broken("   2        1          1           4", "   2        1          2           4"),
            r"tiny.sm:19: .*2 succ",
        ),
        (_broken("  3      1     3       2", "  3      1     x       2"), r"tiny.sm:28: expected whole numbers"),
        (_broken("  3      1     3       2", "  3      1     3"), r"tiny.sm:28: expected 4 numbers"),
        (
            _broken("   3        1          1           4", "   3        2          1           4"),
            r"tiny.sm:20: .*2 modes",
        ),
        (
            _broken("   3        1          1           4", "   3        1          1           9"),
            "unknown successor 9",
        ),
        (_broken("   3        1          1           4", "   2        1          1           4"), "appears twice"),
        (_broken("RESOURCEAVAILABILITIES:", "NOTHING:"), "no RESOURCEAVAILABILITIES"),
        (_broken("    3\n", "    3 4\n"), r"tiny.sm:33: the availabilities"),
        (_broken("PROJECT INFORMATION:", "PROJECT:"), "no PROJECT INFORMATION"),
        (_broken("  4      1     0       0\n", ""), r"missing jobs \[4\]"),
        (_broken("  - doubly constrained        :  0", "  - doubly constrained        :  2"), "doubly constrained"),
        (_broken("  3      1     3       2", "  3      1     -3       2"), "negative duration"),
    ],
    ids=[
        "successor-count",
        "not-a-number",
        "short-row",
        "multi-mode",
        "unknown-successor",
        "duplicate-job",
        "no-capacities",
        "capacity-count",
        "no-project-info",
        "missing-job",
        "doubly-constrained",
        "negative-duration",
    ],
)
def test_malformed_files_are_refused_with_line_and_reason(text: str, message: str) -> None:
    with pytest.raises(PsplibFormatError, match=message) as err:
        parse_sm(text, "tiny.sm")
    assert err.value.status == 422


def test_instance_names() -> None:
    assert instance_key("/x/j6012_7.sm") == ("j60", 12, 7)
    with pytest.raises(PsplibFormatError):
        instance_key("other.sm")


@needs_data
def test_real_j30_file_matches_its_header() -> None:
    inst = read_sm(DATA / "j30" / "j301_1.sm")
    net = compile_problem(inst.problem)
    assert inst.jobs == 32 and len(inst.problem.activities) == 32
    assert len(inst.problem.resources) == 4
    assert net.critical_path_length == inst.critical_path
    assert inst.key == (1, 1)


@needs_data
def test_solution_lists() -> None:
    opt = read_makespans(DATA / "solutions" / "j30opt.sm")
    hrs = read_makespans(DATA / "solutions" / "j60hrs.sm")
    assert len(opt) == 480 and len(hrs) == 480
    assert opt[(1, 1)] == 43 and hrs[(1, 1)] == 77
    single = read_bounds(DATA / "solutions" / "j60lb_2016snapshot.sm")
    both = read_bounds(DATA / "solutions" / "j60lb.sm", DATA / "solutions" / "j60lb_2016snapshot.sm")
    assert single[(9, 3)].lower == 99 and both[(9, 3)].lower == 100  # the larger lower bound wins
    assert all(b.lower <= hrs[k] for k, b in both.items())


@needs_data
@pytest.mark.parametrize("name", ["j3013_1.sm", "j3029_2.sm", "j6013_1.sm"])
def test_the_heuristic_on_real_files_is_valid_and_never_below_the_optimum(name: str) -> None:
    inst = read_sm(DATA / name[:3] / name)
    key = instance_key(name)[1:]
    if name.startswith("j30"):
        floor = best = read_makespans(DATA / "solutions" / "j30opt.sm")[key]
    else:
        floor = read_bounds(DATA / "solutions" / "j60lb.sm")[key].lower
        best = read_makespans(DATA / "solutions" / "j60hrs.sm")[key]
    result = level_heuristic(inst.problem, max_schedules=3000)  # the default budget is bench/leveling.py's
    assert_valid(inst.problem, result)
    assert result.makespan >= floor
    assert result.makespan <= best * 1.1
    assert result.lower_bound <= floor


@needs_data
@pytest.mark.parametrize("name", ["j3013_4.sm", "j3025_3.sm"])
def test_cpsat_reaches_the_optimum_of_j30_files(name: str) -> None:
    inst = read_sm(DATA / "j30" / name)
    optimum = read_makespans(DATA / "solutions" / "j30opt.sm")[instance_key(name)[1:]]
    # Both are proven optimal within the default effort, whatever the load (it is deterministic time);
    # the solver stops as soon as it has a proof.
    result = level_cpsat(inst.problem, heuristic_schedules=2000)
    assert_valid(inst.problem, result)
    assert result.makespan == optimum
    assert result.lower_bound <= optimum
