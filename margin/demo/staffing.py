"""The demo firm's bookings and staffing requests for the coming twelve weeks, so the heatmap looks like a real
firm's: most people booked 60–100 % on the projects they work on (confirmed for the next six weeks, tentative
after), two over-allocated by a tentative extra, two on the bench, a few placeholders for roles not yet named,
and open staffing requests with skills for the staffing screen and its optimiser.

Deterministic: the same firm gets the same bookings on every load (its own seeded generator; dates from the
anchor only). Bookings are a share of capacity, so time off and part-time days lower them with the capacity.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.demo.specs import DEVELOPER, FINANCE, PEOPLE, SEED, PersonSpec
from margin.projects.models import Project, ProjectStatus
from margin.resourcing.actions import BookingInput, RequestInput, booking_create, staffing_request_create
from margin.resourcing.models import BookingKind, BookingUnit, PersonSkill, Skill

WEEKS = 12
CONFIRMED_WEEKS = 6
BENCH = 2
OVER = 2
# (project code, skills with minimum levels, weeks from now, length in weeks, hours a day, priority)
REQUESTS: tuple[tuple[str, tuple[tuple[str, int], ...], int, int, int, int], ...] = (
    ("BLF-WMS", (("Python", 3), ("PostgreSQL", 2)), 2, 6, 8, 4),
    ("CHP-PORTAL", (("React", 3), ("TypeScript", 2)), 1, 4, 8, 3),
    ("SOC-CDP", (("Data engineering", 3),), 3, 8, 4, 2),
    ("LCU-APP", (("UX design", 2),), 4, 3, 4, 2),
    ("IRB-ERP", (("SAP S/4HANA", 3), ("Business analysis", 2)), 2, 10, 8, 1),
)


def _open_projects(organisation_id: int) -> dict[str, Project]:
    rows = Project.objects.filter(
        organisation_id=organisation_id,
        is_template=False,
        archived_at__isnull=True,
        status__in=[ProjectStatus.ACTIVE, ProjectStatus.PLANNED],
    )
    return {p.code: p for p in rows}


def _window(person: Person, first: date, last: date) -> tuple[date, date] | None:
    if person.start_date is not None:
        first = max(first, person.start_date)
    if person.end_date is not None:
        last = min(last, person.end_date)
    return (first, last) if first <= last else None


def _book(
    admin: Viewer, project: Project, person: Person, first: date, last: date, percent: int, kind: str, note: str = ""
) -> None:
    span = _window(person, first, last)
    if span is None or percent <= 0:
        return
    booking_create(
        viewer=admin,
        data=BookingInput(
            project=project,
            person=person,
            role=None,
            first_day=span[0],
            last_day=span[1],
            unit=BookingUnit.PERCENT,
            percent=percent,
            kind=kind,
            note=note,
        ),
    )


def _plan(spec: PersonSpec, projects: dict[str, Project], rng: random.Random) -> list[tuple[Project, float]]:
    shares = [(projects[code], share) for code, share in spec.assignments if code in projects]
    if not shares:
        return [(rng.choice(sorted(projects.values(), key=lambda p: p.code)), 1.0)]
    total = sum(share for _, share in shares)
    return [(project, share / total) for project, share in shares]


def demo_staffing(admin: Viewer, people: dict[str, Person], anchor: date) -> None:
    """Book most people for the coming twelve weeks and open a few staffing requests (as of ``anchor``)."""
    rng = random.Random(SEED + 13)  # noqa: S311 (demo data, not secrets)
    projects = _open_projects(admin.organisation_id)
    if not projects:
        return
    monday = anchor - timedelta(days=anchor.weekday())
    confirmed_until = monday + timedelta(weeks=CONFIRMED_WEEKS) - timedelta(days=1)
    last = monday + timedelta(weeks=WEEKS) - timedelta(days=1)
    billable = [s for s in PEOPLE if s.role != FINANCE and s.username in people]
    members = [s for s in billable if s.access == "member"]
    bench = {s.username for s in rng.sample(members, k=min(BENCH, len(members)))}
    over = {s.username for s in rng.sample([s for s in members if s.username not in bench], k=min(OVER, len(members)))}
    for spec in billable:
        if spec.username in bench:
            continue
        person = people[spec.username]
        load = rng.choice((60, 70, 75, 80, 85, 90, 95, 100))
        plan = _plan(spec, projects, rng)
        used = 0
        for i, (project, share) in enumerate(plan):
            percent = min(max(5, round(load * share / 5) * 5), 100 - used)  # confirmed work never over 100 %
            used += percent
            _book(admin, project, person, monday, confirmed_until, percent, BookingKind.HARD)
            later = BookingKind.HARD if i == 0 and rng.random() < 0.5 else BookingKind.SOFT
            _book(admin, project, person, confirmed_until + timedelta(days=1), last, percent, later)
        if spec.username in over:
            extra = rng.choice([p for p in projects.values() if p.pk not in {q.pk for q, _ in plan}] or [plan[0][0]])
            _book(
                admin,
                extra,
                person,
                monday + timedelta(weeks=1),
                monday + timedelta(weeks=5) - timedelta(days=3),
                40,
                BookingKind.SOFT,
                "Proposal support, if we win it",
            )
    developer = next((people[s.username].role for s in billable if s.role == DEVELOPER), None)
    for code, weeks_ahead in (("CHP-PORTAL", 3), ("SOC-CDP", 5)):
        if developer is None or code not in projects:
            continue
        first = monday + timedelta(weeks=weeks_ahead)
        booking_create(
            viewer=admin,
            data=BookingInput(
                project=projects[code],
                person=None,
                role=developer,
                first_day=first,
                last_day=first + timedelta(weeks=4) - timedelta(days=3),
                unit=BookingUnit.HOURS,
                minutes_per_day=8 * 60,
                kind=BookingKind.SOFT,
                note="A developer to be named",
            ),
        )
    skills = {s.name: s for s in Skill.objects.filter(organisation_id=admin.organisation_id)}
    holders: dict[str, set[int]] = {}
    for name, person_id in PersonSkill.objects.filter(skill__in=skills.values()).values_list(
        "skill__name", "person_id"
    ):
        holders.setdefault(name, set()).add(person_id)
    for code, asked, weeks_ahead, length, hours, priority in REQUESTS:
        wanted = [(name, level) for name, level in asked if name in skills]
        # Someone must hold every skill asked for (at any level), or the request has no candidate at all.
        while len(wanted) > 1 and not set.intersection(*(holders.get(name, set()) for name, _ in wanted)):
            wanted.pop()
        if code not in projects or not wanted:
            continue
        first = monday + timedelta(weeks=weeks_ahead)
        staffing_request_create(
            viewer=admin,
            data=RequestInput(
                project=projects[code],
                role=None,
                first_day=first,
                last_day=first + timedelta(weeks=length) - timedelta(days=3),
                minutes_per_day=hours * 60,
                priority=priority,
                skills=[(skills[name], level) for name, level in wanted],
                note="Demo request",
            ),
        )
