"""The staffing optimiser against brute force on small random cases: the same objective, never overbooked."""

from __future__ import annotations

import itertools
import random

import pytest

from margin.resourcing.optimiser import Option, StaffingProblem, feasible, greedy, staff


def _random_problem(rng: random.Random) -> StaffingProblem:
    requests = rng.randint(1, 6)
    people = rng.randint(1, 4)
    days = rng.randint(1, 5)
    free = {p: {d: rng.choice([0, 240, 480, 480, 480]) for d in range(days)} for p in range(people)}
    weights = {r: rng.randint(1, 4) for r in range(requests)}
    options = []
    for r in range(requests):
        lo = rng.randrange(days)
        hi = rng.randrange(lo, days)
        minutes = rng.choice([120, 240, 360, 480])
        for p in range(people):
            if rng.random() < 0.8:
                options.append(Option(r, p, rng.randint(0, 1000), dict.fromkeys(range(lo, hi + 1), minutes)))
    return StaffingProblem(weights, options, free)


def _brute_force(problem: StaffingProblem) -> int:
    requests = sorted(problem.weights)
    choices = {r: [None] + [o.person for o in problem.options if o.request == r and o.fit > 0] for r in requests}
    best = 0
    fit = {(o.request, o.person): o.fit for o in problem.options}
    for combo in itertools.product(*(choices[r] for r in requests)):
        chosen = {r: p for r, p in zip(requests, combo, strict=True) if p is not None}
        if feasible(problem, chosen):
            best = max(best, sum(problem.weights[r] * fit[(r, p)] for r, p in chosen.items()))
    return best


@pytest.mark.parametrize("seed", range(150))
def test_the_optimiser_equals_brute_force_and_never_overbooks(seed: int) -> None:
    problem = _random_problem(random.Random(seed))
    answer = staff(problem, effort=5.0)
    assert feasible(problem, answer.chosen)
    assert answer.optimal
    assert answer.objective == _brute_force(problem)
    assert answer.gap == 0.0


def test_one_request_takes_one_person_and_overlapping_requests_share_capacity() -> None:
    day = {0: 480}
    problem = StaffingProblem(
        weights={1: 1, 2: 3},
        options=[Option(1, 10, 900, {0: 480}), Option(2, 10, 500, {0: 480}), Option(1, 11, 100, {0: 480})],
        free={10: day, 11: day},
    )
    answer = staff(problem)
    # request 2 (priority 3 × 500 = 1500) beats request 1's best (900) for person 10; 1 falls to person 11
    assert answer.chosen == {1: 11, 2: 10}
    assert answer.objective == 1600
    assert answer.fits == {1: 100, 2: 500}


def test_an_option_over_the_persons_free_time_is_never_chosen() -> None:
    problem = StaffingProblem(weights={1: 4}, options=[Option(1, 10, 1000, {0: 481})], free={10: {0: 480}})
    answer = staff(problem)
    assert answer.chosen == {}
    assert answer.status == "empty"


def test_the_answer_is_deterministic() -> None:
    problem = _random_problem(random.Random(7))
    first, second = staff(problem), staff(problem)
    assert first.chosen == second.chosen and first.objective == second.objective


def test_greedy_is_feasible_on_random_cases() -> None:
    for seed in range(100):
        problem = _random_problem(random.Random(seed))
        assert feasible(problem, greedy(problem))
