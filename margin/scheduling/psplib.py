"""Readers for the PSPLIB single-mode RCPSP benchmark (Kolisch & Sprecher): ``.sm`` instance files and the
solution lists (``j30opt.sm`` optimal makespans, ``j60hrs.sm`` best-known makespans, ``j60lb*.sm`` bounds).

An instance becomes the engine's own :class:`LevelingProblem`: every job an activity (the two dummies
included, with zero duration), every successor a finish-to-start link with lag 0, every renewable
resource a resource with its capacity, every non-zero request a demand. Malformed files raise
:class:`PsplibFormatError` naming the file, the line and what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from margin.core.errors import Invalid
from margin.scheduling.leveling.problem import Activity, Demand, LevelingProblem, Precedence, Resource

_NAME = re.compile(r"^(j30|j60|j90|j120)(\d+)_(\d+)\.sm$")


class PsplibFormatError(Invalid):
    code = "psplib_format"

    def __init__(self, source: str, line: int | None, what: str) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {what}")
        self.source = source
        self.line = line


@dataclass(frozen=True)
class PsplibInstance:
    name: str
    problem: LevelingProblem
    jobs: int
    horizon: int
    critical_path: int  # MPM-Time in the header: the makespan without resource limits
    due_date: int

    @property
    def key(self) -> tuple[int, int] | None:
        """(parameter, instance) from a standard file name such as ``j3010_1.sm``, else None."""
        m = _NAME.match(self.name)
        return (int(m.group(2)), int(m.group(3))) if m else None


def instance_key(path: str | Path) -> tuple[str, int, int]:
    """``j6012_7.sm`` → ("j60", 12, 7)."""
    name = Path(path).name
    m = _NAME.match(name)
    if not m:
        raise PsplibFormatError(name, None, "not a PSPLIB instance name like j3010_1.sm")
    return m.group(1), int(m.group(2)), int(m.group(3))


def _ints(source: str, lineno: int, line: str, what: str) -> list[int]:
    try:
        return [int(tok) for tok in line.split()]
    except ValueError:
        raise PsplibFormatError(
            source, lineno, f"expected whole numbers in the {what}, found {line.strip()!r}"
        ) from None


def _header_value(source: str, lineno: int, line: str) -> int:
    _, _, value = line.partition(":")
    toks = value.split()
    if not toks:
        raise PsplibFormatError(source, lineno, f"no value in {line.strip()!r}")
    try:
        return int(toks[0])
    except ValueError:
        raise PsplibFormatError(source, lineno, f"expected a whole number in {line.strip()!r}") from None


def parse_sm(text: str, name: str = "<text>") -> PsplibInstance:
    """Parse the text of a single-mode ``.sm`` file."""
    lines = text.splitlines()
    jobs: int | None = None
    horizon = 0
    renewable: int | None = None
    nonrenewable = 0
    critical_path: int | None = None
    due_date = 0
    successors: dict[int, list[int]] = {}
    durations: dict[int, int] = {}
    requests: dict[int, list[int]] = {}
    capacities: list[int] | None = None
    section = ""
    expect_header_row = False

    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("***"):
            section = ""
            continue
        low = line.lower()
        if low.startswith("jobs (incl"):
            jobs = _header_value(name, lineno, line)
            continue
        if low.startswith("horizon"):
            horizon = _header_value(name, lineno, line)
            continue
        if low.startswith("- renewable"):
            renewable = _header_value(name, lineno, line)
            continue
        if low.startswith("- nonrenewable"):
            nonrenewable = _header_value(name, lineno, line)
            continue
        if low.startswith("- doubly constrained"):
            if _header_value(name, lineno, line):
                raise PsplibFormatError(name, lineno, "doubly constrained resources are not supported")
            continue
        if low.startswith("project information"):
            section, expect_header_row = "project", True
            continue
        if low.startswith("precedence relations"):
            section, expect_header_row = "precedence", True
            continue
        if low.startswith("requests/durations"):
            section, expect_header_row = "requests", True
            continue
        if low.startswith("resourceavailabilities"):
            section, expect_header_row = "capacities", True
            continue
        if section and expect_header_row:
            expect_header_row = False  # the column titles
            continue
        if line.startswith("---"):
            continue
        if section == "project":
            vals = _ints(name, lineno, line, "project information")
            if len(vals) != 6:
                raise PsplibFormatError(name, lineno, f"expected 6 numbers of project information, found {len(vals)}")
            due_date, critical_path = vals[3], vals[5]
        elif section == "precedence":
            vals = _ints(name, lineno, line, "precedence relations")
            if len(vals) < 3:
                raise PsplibFormatError(name, lineno, "a precedence row needs job, modes and successor count")
            job, modes, count = vals[0], vals[1], vals[2]
            if modes != 1:
                raise PsplibFormatError(name, lineno, f"job {job} has {modes} modes; only single-mode files are read")
            if len(vals) != 3 + count:
                raise PsplibFormatError(
                    name, lineno, f"job {job} announces {count} successors but lists {len(vals) - 3}"
                )
            if job in successors:
                raise PsplibFormatError(name, lineno, f"job {job} appears twice in the precedence relations")
            successors[job] = vals[3:]
        elif section == "requests":
            vals = _ints(name, lineno, line, "requests/durations")
            if renewable is None:
                raise PsplibFormatError(name, lineno, "requests come before the resource counts")
            width = 3 + renewable + nonrenewable
            if len(vals) != width:
                raise PsplibFormatError(name, lineno, f"expected {width} numbers in a request row, found {len(vals)}")
            job = vals[0]
            if vals[1] != 1:
                raise PsplibFormatError(name, lineno, f"job {job} uses mode {vals[1]}; only single-mode files are read")
            if vals[2] < 0 or any(v < 0 for v in vals[3:]):
                raise PsplibFormatError(name, lineno, f"job {job} has a negative duration or request")
            if job in durations:
                raise PsplibFormatError(name, lineno, f"job {job} appears twice in the requests")
            durations[job] = vals[2]
            requests[job] = vals[3 : 3 + renewable]
        elif section == "capacities":
            vals = _ints(name, lineno, line, "resource availabilities")
            if renewable is None or len(vals) != renewable + nonrenewable:
                raise PsplibFormatError(name, lineno, "the availabilities do not match the number of resources")
            capacities = vals[:renewable]
            section = ""

    if jobs is None:
        raise PsplibFormatError(name, None, "no 'jobs (incl. supersource/sink)' line")
    if renewable is None:
        raise PsplibFormatError(name, None, "no '- renewable' line")
    if critical_path is None:
        raise PsplibFormatError(name, None, "no PROJECT INFORMATION section")
    if capacities is None:
        raise PsplibFormatError(name, None, "no RESOURCEAVAILABILITIES section")
    expected = set(range(1, jobs + 1))
    for what, table in (("precedence relations", successors), ("requests/durations", durations)):
        if set(table) != expected:
            missing = sorted(expected - set(table))
            extra = sorted(set(table) - expected)
            detail = f"missing jobs {missing[:5]}" if missing else f"unexpected jobs {extra[:5]}"
            raise PsplibFormatError(name, None, f"the {what} do not cover jobs 1..{jobs}: {detail}")
    for job, succ in successors.items():
        for s in succ:
            if s not in expected:
                raise PsplibFormatError(name, None, f"job {job} has an unknown successor {s}")

    resources = tuple(Resource(f"R{k + 1}", cap) for k, cap in enumerate(capacities))
    activities = tuple(Activity(job, durations[job]) for job in range(1, jobs + 1))
    precedences = tuple(Precedence(job, s, "FS", 0) for job in range(1, jobs + 1) for s in successors[job])
    demands = tuple(
        Demand(job, resources[k].id, u) for job in range(1, jobs + 1) for k, u in enumerate(requests[job]) if u
    )
    return PsplibInstance(
        name=name,
        problem=LevelingProblem(activities, precedences, resources, demands),
        jobs=jobs,
        horizon=horizon,
        critical_path=critical_path,
        due_date=due_date,
    )


def read_sm(path: str | Path) -> PsplibInstance:
    p = Path(path)
    return parse_sm(p.read_text(encoding="ascii", errors="strict"), p.name)


def _solution_rows(path: Path, min_fields: int) -> list[tuple[int, list[str]]]:
    """Data rows of a solution list: lines whose first two tokens are numbers (after the column titles)."""
    rows: list[tuple[int, list[str]]] = []
    started = False
    for lineno, raw in enumerate(path.read_text(encoding="latin-1").splitlines(), start=1):
        toks = raw.split()
        if not toks:
            continue
        if toks[0].lower().startswith("par"):
            started = True
            continue
        if not started or not toks[0].isdigit():
            continue
        if len(toks) < min_fields or not all(t.isdigit() for t in toks[:min_fields]):
            raise PsplibFormatError(path.name, lineno, f"expected {min_fields} numbers, found {raw.strip()!r}")
        rows.append((lineno, toks))
    if not rows:
        raise PsplibFormatError(path.name, None, "no solution rows found")
    return rows


def read_makespans(path: str | Path) -> dict[tuple[int, int], int]:
    """``j30opt.sm`` / ``j60hrs.sm``: (parameter, instance) → makespan (the third column)."""
    p = Path(path)
    out: dict[tuple[int, int], int] = {}
    for lineno, toks in _solution_rows(p, 3):
        key = (int(toks[0]), int(toks[1]))
        if key in out:
            raise PsplibFormatError(p.name, lineno, f"instance {key} appears twice")
        out[key] = int(toks[2])
    return out


@dataclass(frozen=True)
class Bounds:
    upper: int
    lower: int

    @property
    def closed(self) -> bool:
        return self.upper == self.lower


def read_bounds(*paths: str | Path) -> dict[tuple[int, int], Bounds]:
    """``j60lb*.sm``: (parameter, instance) → (upper, lower) bound; across several files the larger lower
    bound and the smaller upper bound win (the README: the larger of the two lower bounds is valid)."""
    out: dict[tuple[int, int], Bounds] = {}
    for path in paths:
        p = Path(path)
        seen: set[tuple[int, int]] = set()
        for lineno, toks in _solution_rows(p, 4):
            key = (int(toks[0]), int(toks[1]))
            if key in seen:
                raise PsplibFormatError(p.name, lineno, f"instance {key} appears twice")
            seen.add(key)
            ub, lb = int(toks[2]), int(toks[3])
            if lb > ub:
                raise PsplibFormatError(p.name, lineno, f"lower bound {lb} above upper bound {ub}")
            old = out.get(key)
            out[key] = Bounds(min(ub, old.upper), max(lb, old.lower)) if old else Bounds(ub, lb)
    return out
