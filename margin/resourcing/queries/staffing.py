"""Reads of staffing: the requests a viewer sees, ranked candidates for a request, and the optimiser's problem for
a batch of requests.

Candidates are read set-based: whatever the number of people and requests, one query each for the people, their
skills, their cost rates, the projects' bill rates, the utilisation targets, plus the capacity and bookings reads
(a few queries). The fit itself is :mod:`margin.resourcing.scoring` (pure).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import accumulate

from django.db.models import Prefetch, QuerySet

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.contracts.pricing import CardRate, rate_applying
from margin.contracts.queries import bill_rates_by_project
from margin.core.errors import NotFound
from margin.projects.queries import money_visible
from margin.rates.queries import cost_rates_by_person
from margin.rates.rules import DatedRate, latest_on
from margin.resourcing.capacity import days_between
from margin.resourcing.models import (
    PersonSkill,
    RequestSkill,
    RequestStatus,
    StaffingPlan,
    StaffingRequest,
)
from margin.resourcing.optimiser import Option, StaffingProblem
from margin.resourcing.scoring import Fit, Reason, SkillNeed, fit_of

from .access import can_see_resources, require_can_see_resources
from .bookings import booked_by_day
from .targets import Targets, targets_of

OPTIONS_PER_REQUEST = 30  # the optimiser looks at each request's best candidates, not at everyone


def staffing_requests_visible(viewer: Viewer) -> QuerySet[StaffingRequest]:
    """Requests on projects of the viewer's companies, for those who see resources (none for a team member)."""
    if not can_see_resources(viewer):
        return StaffingRequest.objects.none()
    return (
        StaffingRequest.objects.filter(
            organisation_id=viewer.organisation_id, project__company_id__in=viewer.company_ids
        )
        .select_related("project", "role")
        .prefetch_related(
            Prefetch("skills", queryset=RequestSkill.objects.select_related("skill").order_by("skill__name"))
        )
    )


def staffing_requests_open(viewer: Viewer) -> QuerySet[StaffingRequest]:
    return staffing_requests_visible(viewer).filter(status=RequestStatus.OPEN)


def staffing_request_get(viewer: Viewer, request_id: int) -> StaffingRequest:
    found = staffing_requests_visible(viewer).filter(pk=request_id).first()
    if found is None:
        raise NotFound("No such staffing request.")
    return found


def staffing_plans_visible(viewer: Viewer) -> QuerySet[StaffingPlan]:
    if not can_see_resources(viewer):
        return StaffingPlan.objects.none()
    return StaffingPlan.objects.filter(organisation_id=viewer.organisation_id).select_related("job_run")


def staffing_plan_get(viewer: Viewer, plan_id: int) -> StaffingPlan:
    found = staffing_plans_visible(viewer).filter(pk=plan_id).first()
    if found is None:
        raise NotFound("No such staffing plan.")
    return found


# --- candidates ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    person_id: int
    name: str
    company_id: int
    role_name: str
    same_company: bool
    fit: Fit
    free_minutes: int
    needed_minutes: int

    @property
    def score(self) -> int:
        return self.fit.score

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return self.fit.reasons


@dataclass
class CandidateList:
    request: StaffingRequest
    candidates: list[Candidate]
    explanation: str = ""
    money: bool = False  # the money reasons are in (the viewer may see the project's money)


@dataclass
class _Person:
    id: int
    name: str
    company_id: int
    role_id: int
    role_name: str


@dataclass
class _Load:
    """Prefix sums over the batch's days, so any window's totals cost two look-ups."""

    working: list[int]  # days with capacity
    capacity: list[int]
    booked: list[int]
    free: list[int]  # capacity minus everything booked, not below 0
    hard_free: list[int] = field(default_factory=list)  # per day (not a prefix): capacity minus hard bookings

    @staticmethod
    def window(prefix: list[int], lo: int, hi: int) -> int:
        return prefix[hi + 1] - prefix[lo]


def _prefix(values: Iterable[int]) -> list[int]:
    return [0, *accumulate(values)]


@dataclass
class _Batch:
    """Everything the fits of a batch of requests need, read once."""

    requests: list[StaffingRequest]
    people: dict[int, _Person]
    days: list[date]
    loads: dict[int, _Load]
    levels: dict[int, dict[int, int]]
    costs: dict[int, list[DatedRate]]
    rates: dict[int, list[CardRate]]
    targets: Targets


def _batch(organisation_id: int, requests: Sequence[StaffingRequest]) -> _Batch:
    people = {
        r[0]: _Person(r[0], r[1], r[2], r[3], r[4])
        for r in Person.objects.filter(organisation_id=organisation_id, active=True)
        .order_by("name", "id")
        .values_list("id", "name", "company_id", "role_id", "role__name")
    }
    if not requests:
        return _Batch([], people, [], {}, {}, {}, {}, Targets())
    days = days_between(min(r.first_day for r in requests), max(r.last_day for r in requests))
    loads: dict[int, _Load] = {}
    for pk, load in booked_by_day(people, days).items():
        total = load.total
        loads[pk] = _Load(
            working=_prefix(1 if c > 0 else 0 for c in load.capacity),
            capacity=_prefix(load.capacity),
            booked=_prefix(total),
            free=_prefix(max(0, c - t) for c, t in zip(load.capacity, total, strict=True)),
            hard_free=[max(0, c - h) for c, h in zip(load.capacity, load.hard, strict=True)],
        )
    skill_ids = {rs.skill_id for r in requests for rs in r.skills.all()}
    levels: dict[int, dict[int, int]] = defaultdict(dict)
    for person_id, skill_id, level in PersonSkill.objects.filter(
        person_id__in=people, skill_id__in=skill_ids
    ).values_list("person_id", "skill_id", "level"):
        levels[person_id][skill_id] = level
    targets = targets_of(organisation_id)
    return _Batch(
        list(requests),
        people,
        days,
        loads,
        levels,
        cost_rates_by_person(people),
        bill_rates_by_project({r.project_id for r in requests}),
        targets,
    )


def _fit(batch: _Batch, request: StaffingRequest, person: _Person) -> tuple[Fit, int, int]:
    """A person's fit for a request, their free minutes in its window and the minutes it needs of them."""
    lo = (request.first_day - batch.days[0]).days
    hi = (request.last_day - batch.days[0]).days
    load = batch.loads[person.id]
    needed = request.minutes_per_day * _Load.window(load.working, lo, hi)
    free = _Load.window(load.free, lo, hi)
    cost_row = latest_on(batch.costs.get(person.id, []), request.first_day)
    currency = request.project.currency
    rate_row = rate_applying(
        batch.rates.get(request.project_id, []),
        person_id=person.id,
        role_id=request.role_id or person.role_id,
        day=request.first_day,
    )
    cost: Decimal | None = cost_row.rate if cost_row is not None else None
    same = cost_row is None or cost_row.currency in (None, currency)
    needs = [SkillNeed(rs.skill_id, rs.skill.name, rs.min_level) for rs in request.skills.all()]
    fit = fit_of(
        needs=needs,
        levels=batch.levels.get(person.id, {}),
        free=free,
        needed=needed,
        booked=_Load.window(load.booked, lo, hi),
        capacity=_Load.window(load.capacity, lo, hi),
        cost=cost,
        rate=rate_row.rate if rate_row is not None else None,
        same_currency=same,
        target=batch.targets.percent_on(person.id, person.role_id, request.first_day),
    )
    return fit, free, needed


def _ranked(batch: _Batch, request: StaffingRequest) -> list[Candidate]:
    out: list[Candidate] = []
    required = [rs.skill_id for rs in request.skills.all()]
    for person in batch.people.values():
        if person.id not in batch.loads:
            continue
        held = batch.levels.get(person.id, {})
        if any(skill_id not in held for skill_id in required):
            continue  # a missing required skill disqualifies: no need to weigh the rest
        fit, free, needed = _fit(batch, request, person)
        if not fit.eligible:
            continue
        same = person.company_id == request.project.company_id
        out.append(Candidate(person.id, person.name, person.company_id, person.role_name, same, fit, free, needed))
    out.sort(key=lambda c: (-c.score, not c.same_company, c.name, c.person_id))
    return out


def _why_nobody(batch: _Batch, request: StaffingRequest) -> str:
    if not batch.people:
        return "The organisation has no active people."
    needs = [f"{rs.skill.name} {rs.min_level}" for rs in request.skills.all()]
    working = [p for p in batch.people.values() if p.id in batch.loads and _fit(batch, request, p)[2] > 0]
    if not working:
        return "No one has working time between the request's first and last day."
    return f"No one holds every skill asked for ({', '.join(needs)}); lower a minimum or drop a skill."


def candidates_for(viewer: Viewer, request: StaffingRequest, *, limit: int | None = 50) -> CandidateList:
    """The people who could take a request, best fit first, with the reasons (money reasons only for viewers who
    may see the project's money). Nobody fits: an empty list and an explanation."""
    require_can_see_resources(viewer)
    batch = _batch(viewer.organisation_id, [request])
    ranked = _ranked(batch, request)
    money = money_visible(viewer, request.project)
    if not money:
        ranked = [
            Candidate(
                c.person_id,
                c.name,
                c.company_id,
                c.role_name,
                c.same_company,
                Fit(c.fit.score, c.fit.eligible, c.fit.parts, tuple(r for r in c.reasons if not r.money)),
                c.free_minutes,
                c.needed_minutes,
            )
            for c in ranked
        ]
    explanation = "" if ranked else _why_nobody(batch, request)
    return CandidateList(request, ranked[:limit] if limit else ranked, explanation, money)


@dataclass
class BatchProblem:
    """The optimiser's problem for a batch of requests, and the names to show its answer with."""

    problem: StaffingProblem
    people: dict[int, str]
    requests: dict[int, StaffingRequest]
    days: list[date]


def staffing_problem_of(
    organisation_id: int, requests: Sequence[StaffingRequest], *, per_request: int = OPTIONS_PER_REQUEST
) -> BatchProblem:
    """Each request's best ``per_request`` candidates as options (their minutes on each day they work in the
    window) and everyone's free minutes per day (capacity minus hard bookings: the rule that refuses a hard
    booking)."""
    batch = _batch(organisation_id, requests)
    options: list[Option] = []
    used: set[int] = set()
    for request in batch.requests:
        lo = (request.first_day - batch.days[0]).days
        hi = (request.last_day - batch.days[0]).days
        for candidate in _ranked(batch, request)[:per_request]:
            caps = batch.loads[candidate.person_id]
            load = {
                i: request.minutes_per_day for i in range(lo, hi + 1) if caps.capacity[i + 1] - caps.capacity[i] > 0
            }
            options.append(Option(request.pk, candidate.person_id, candidate.score, load))
            used.add(candidate.person_id)
    free = {pk: dict(enumerate(batch.loads[pk].hard_free)) for pk in used}
    weights = {r.pk: int(r.priority) for r in batch.requests}
    return BatchProblem(
        StaffingProblem(weights, options, free),
        {pk: batch.people[pk].name for pk in used},
        {r.pk: r for r in batch.requests},
        batch.days,
    )
