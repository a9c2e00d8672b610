"""Optimal staffing: many open requests × candidate people → who takes which request. Pure Python + OR-Tools
CP-SAT, no Django, no I/O (the job reads the problem from the database and stores the answer).

The model: a 0/1 variable per (request, candidate) option; each request takes at most one person; on every
day (or bucket) a person's free minutes bound the minutes of the options chosen for them; the objective is
the sum of ``priority × fit`` over chosen options. Requests overlap in time, so the capacity constraint is per
person per bucket, not per request.

Deterministic: a fixed seed, a fixed number of workers (one by default; interleaved search if more), and a
budget of CP-SAT *deterministic time* (``effort``), not wall seconds; a wall cap is only a safety net for an
overloaded machine.
A greedy pass (best weighted fit first, while capacity lasts) gives the solver a hint and is the answer when the
solver finds nothing better. The answer reports the objective, CP-SAT's best bound and the optimality gap.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

DEFAULT_EFFORT = 5.0  # units of CP-SAT deterministic time
DEFAULT_WORKERS = 1  # one worker: as good here (500 × 200 proven optimal) at half the CPU of two, and exact
DEFAULT_SEED = 0
WALL_CAP_S = 60.0

ProgressCallback = Callable[[float, int, int], None]  # (share of the effort used, objective, bound)


@dataclass(frozen=True, slots=True)
class Option:
    """``person`` may take ``request``: its fit (0–1000) and the minutes it takes of each bucket."""

    request: int
    person: int
    fit: int
    load: Mapping[int, int]  # bucket index → minutes


@dataclass(frozen=True, slots=True)
class StaffingProblem:
    """Requests (id → priority weight), the options, and each person's free minutes per bucket."""

    weights: Mapping[int, int]
    options: Sequence[Option]
    free: Mapping[int, Mapping[int, int]]  # person → bucket → free minutes (missing bucket: 0)


@dataclass(frozen=True, slots=True)
class StaffingAnswer:
    chosen: dict[int, int]  # request → person
    objective: int
    bound: int
    optimal: bool
    status: str
    deterministic_time: float = 0.0
    wall_s: float = 0.0
    options: int = 0
    constraints: int = 0
    fits: dict[int, int] = field(default_factory=dict)  # request → fit of the chosen option

    @property
    def gap(self) -> float:
        """(bound − objective) / bound: 0 when proven optimal, 1 when nothing was found."""
        if self.bound <= 0:
            return 0.0
        return max(0.0, (self.bound - self.objective) / self.bound)


def value_of(problem: StaffingProblem, option: Option) -> int:
    return problem.weights.get(option.request, 1) * option.fit


def fits_alone(problem: StaffingProblem, option: Option) -> bool:
    """Whether an option fits the person's free minutes on its own (one that does not is never chosen)."""
    free = problem.free.get(option.person, {})
    return all(minutes <= free.get(bucket, 0) for bucket, minutes in option.load.items())


def feasible(problem: StaffingProblem, chosen: Mapping[int, int]) -> bool:
    """Whether an assignment (request → person) keeps everyone within their free minutes in every bucket."""
    by_key = {(o.request, o.person): o for o in problem.options}
    used: dict[tuple[int, int], int] = defaultdict(int)
    for request, person in chosen.items():
        option = by_key.get((request, person))
        if option is None:
            return False
        for bucket, minutes in option.load.items():
            used[(person, bucket)] += minutes
    return all(minutes <= problem.free.get(p, {}).get(b, 0) for (p, b), minutes in used.items())


def greedy(problem: StaffingProblem) -> dict[int, int]:
    """Best weighted fit first while the person's free minutes last: a good start, not the optimum."""
    left: dict[int, dict[int, int]] = {p: dict(f) for p, f in problem.free.items()}
    chosen: dict[int, int] = {}
    order = sorted(problem.options, key=lambda o: (-value_of(problem, o), o.request, o.person))
    for option in order:
        if option.request in chosen or option.fit <= 0:
            continue
        free = left.setdefault(option.person, {})
        if all(m <= free.get(b, 0) for b, m in option.load.items()):
            for b, m in option.load.items():
                free[b] = free.get(b, 0) - m
            chosen[option.request] = option.person
    return chosen


def _objective(problem: StaffingProblem, chosen: Mapping[int, int]) -> tuple[int, dict[int, int]]:
    by_key = {(o.request, o.person): o for o in problem.options}
    fits = {r: by_key[(r, p)].fit for r, p in chosen.items()}
    return sum(problem.weights.get(r, 1) * f for r, f in fits.items()), fits


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, effort: float, report: ProgressCallback) -> None:
        super().__init__()
        self.effort = effort
        self.report = report

    def on_solution_callback(self) -> None:
        used = min(1.0, self.deterministic_time / self.effort) if self.effort > 0 else 1.0
        self.report(used, int(self.objective_value), int(self.best_objective_bound))


def staff(
    problem: StaffingProblem,
    *,
    effort: float = DEFAULT_EFFORT,
    workers: int = DEFAULT_WORKERS,
    seed: int = DEFAULT_SEED,
    wall_cap_s: float | None = WALL_CAP_S,
    on_progress: ProgressCallback | None = None,
) -> StaffingAnswer:
    """The assignment maximising the sum of priority × fit with no one over their free minutes in any bucket
    and at most one person per request (see the module's docstring)."""
    t0 = time.monotonic()
    usable = [o for o in problem.options if o.fit > 0 and fits_alone(problem, o)]
    if not usable:
        return StaffingAnswer({}, 0, 0, True, "empty", wall_s=round(time.monotonic() - t0, 3))
    start = greedy(StaffingProblem(problem.weights, usable, problem.free))
    m = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_request: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    by_bucket: dict[tuple[int, int], list[tuple[cp_model.IntVar, int]]] = defaultdict(list)
    for o in usable:
        var = m.new_bool_var(f"x_{o.request}_{o.person}")
        x[(o.request, o.person)] = var
        by_request[o.request].append(var)
        for bucket, minutes in o.load.items():
            if minutes > 0:
                by_bucket[(o.person, bucket)].append((var, minutes))
        m.add_hint(var, start.get(o.request) == o.person)
    for vars_ in by_request.values():
        if len(vars_) > 1:
            m.add_at_most_one(vars_)
    # One constraint per person and distinct set of competing options: the days of a week with the same options
    # and free time say the same thing, so only the tightest of them is kept (exact, and far smaller).
    tightest: dict[tuple[int, tuple[tuple[int, int], ...]], int] = {}
    terms_of: dict[tuple[int, tuple[tuple[int, int], ...]], list[tuple[cp_model.IntVar, int]]] = {}
    for (person, bucket), terms in by_bucket.items():
        free = problem.free.get(person, {}).get(bucket, 0)
        if len(terms) > 1 and sum(minutes for _, minutes in terms) > free:
            key = (person, tuple(sorted((var.index, minutes) for var, minutes in terms)))
            if key not in tightest or free < tightest[key]:
                tightest[key] = free
                terms_of[key] = terms
    for key, free in tightest.items():
        m.add(sum(minutes * var for var, minutes in terms_of[key]) <= free)
    constraints = len(tightest)
    m.maximize(sum(value_of(problem, o) * x[(o.request, o.person)] for o in usable))
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_deterministic_time = max(0.01, effort)
    if wall_cap_s is not None:
        params.max_time_in_seconds = max(0.05, wall_cap_s)
    params.num_workers = workers
    params.random_seed = seed
    params.interleave_search = True
    callback = _Progress(effort, on_progress) if on_progress is not None else None
    status = solver.solve(m, callback) if callback is not None else solver.solve(m)
    chosen = start
    optimal = False
    bound = sum(max(value_of(problem, o) for o in opts) for opts in _by_request(usable).values())
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found = {r: p for (r, p), var in x.items() if solver.boolean_value(var)}
        if _objective(problem, found)[0] >= _objective(problem, start)[0]:
            chosen = found
        optimal = status == cp_model.OPTIMAL
        bound = min(bound, int(solver.best_objective_bound))
    objective, fits = _objective(problem, chosen)
    if optimal:
        bound = objective
    return StaffingAnswer(
        chosen=dict(sorted(chosen.items())),
        objective=objective,
        bound=max(bound, objective),
        optimal=optimal,
        status=solver.status_name(status).lower(),
        deterministic_time=round(solver.deterministic_time, 3),
        wall_s=round(time.monotonic() - t0, 3),
        options=len(usable),
        constraints=constraints,
        fits=fits,
    )


def _by_request(options: Sequence[Option]) -> dict[int, list[Option]]:
    out: dict[int, list[Option]] = defaultdict(list)
    for o in options:
        out[o.request].append(o)
    return out
