"""Leveling counts the same people's bookings on other projects and their approved time off as fixed load."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from margin.accounts.models import Person
from margin.projects import actions
from margin.projects.models import Project, ProjectStatus
from margin.resourcing.actions import leveling
from margin.resourcing.leveling import LOAD_PREFIX, leveling_input_of, overallocations_of, person_resource
from margin.resourcing.models import Booking, BookingKind, BookingUnit, TimeOff, TimeOffStatus
from tests.firm import Firm

MONDAY = date(2026, 1, 5)
DAY = 480


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


@pytest.fixture
def planned(firm: Firm) -> Firm:
    """Design (2 days from Mon 5 Jan) needs Tom full time; another project, Globex support, exists."""
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=MONDAY)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=2 * DAY)
    leveling.assignment_create(viewer=firm.manager, task=firm.design, person=firm.member_person)
    actions.project_create(
        viewer=firm.admin,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="GLX-2",
        name="Globex support",
        start_date=MONDAY,
    )
    return firm


def _other() -> Project:
    return Project.objects.get(code="GLX-2")


def _book(
    firm: Firm,
    first: date,
    last: date,
    *,
    project: Project | None = None,
    person: Person | str | None = "tom",
    kind: str = BookingKind.HARD,
    **load: object,
) -> Booking:
    unit = BookingUnit.PERCENT if "percent" in load else BookingUnit.HOURS
    return Booking.objects.create(  # type: ignore[misc]
        organisation_id=firm.usd.organisation_id,
        project=project or _other(),
        person=firm.member_person if person == "tom" else person,
        first_day=first,
        last_day=last,
        unit=unit,
        kind=kind,
        **load,
    )


def _away(firm: Firm, first: date, last: date, minutes: int | None = None, status: str = "approved") -> TimeOff:
    return TimeOff.objects.create(
        organisation_id=firm.usd.organisation_id,
        person=firm.member_person,
        first_day=first,
        last_day=last,
        minutes_per_day=minutes,
        status=status,
    )


def _load(firm: Firm) -> list[tuple[str, int, int, int]]:
    """(kind, start, duration, units) of the fixed load, in start order."""
    data = leveling_input_of(firm.project)
    units = {str(d.activity): d.units for d in data.problem.demands}
    return sorted(
        (str(a.id).split(":")[1], int(a.fixed_start or 0), a.duration, units[str(a.id)])
        for a in data.problem.activities
        if str(a.id).startswith(LOAD_PREFIX)
    )


def test_a_booking_elsewhere_is_load_by_its_percent_or_its_hours_over_capacity(planned: Firm) -> None:
    _book(planned, MONDAY, MONDAY + timedelta(days=2), percent=50)
    assert _load(planned) == [("booking", 0, 3 * DAY, 50)]
    Booking.objects.all().delete()
    _book(planned, MONDAY, MONDAY + timedelta(days=6), minutes_per_day=120, kind=BookingKind.SOFT)  # soft too
    assert _load(planned) == [("booking", 0, 5 * DAY, 25)]  # the weekend is no working time of the project
    data = leveling_input_of(planned.project)
    tom = person_resource(planned.member_person.pk)
    assert {d.resource for d in data.problem.demands} == {tom}


def test_bookings_that_are_not_load(planned: Firm) -> None:
    _book(planned, MONDAY, MONDAY, project=planned.project, percent=80)  # on this project: its own plan says it
    _book(planned, MONDAY, MONDAY, person=None, role=planned.consultant, percent=80)  # a placeholder: nobody
    _book(planned, MONDAY, MONDAY, project=planned.other_project, person=planned.member_person, percent=80)
    closed = _book(planned, MONDAY, MONDAY, percent=80)
    Booking.objects.filter(project=planned.other_project).update(organisation_id=planned.other_admin.organisation_id)
    Project.objects.filter(pk=closed.project_id).update(status=ProjectStatus.CLOSED)
    assert _load(planned) == []


def test_approved_time_off_is_a_whole_person_or_its_share_of_the_day(planned: Firm) -> None:
    _away(planned, MONDAY + timedelta(days=1), MONDAY + timedelta(days=1))
    _away(planned, MONDAY + timedelta(days=3), MONDAY + timedelta(days=3), minutes=240)
    _away(planned, MONDAY + timedelta(days=4), MONDAY + timedelta(days=4), status=TimeOffStatus.REQUESTED)
    assert _load(planned) == [("time_off", DAY, DAY, 100), ("time_off", 3 * DAY, DAY, 50)]


def test_a_booking_takes_nothing_on_a_day_off(planned: Firm) -> None:
    _book(planned, MONDAY, MONDAY + timedelta(days=2), percent=60)
    _away(planned, MONDAY + timedelta(days=1), MONDAY + timedelta(days=1))
    assert _load(planned) == [
        ("booking", 0, DAY, 60),
        ("booking", 2 * DAY, DAY, 60),
        ("time_off", DAY, DAY, 100),
    ]


def test_load_above_the_whole_person_stays_the_whole_person(planned: Firm) -> None:
    _book(planned, MONDAY, MONDAY, percent=150)
    assert _load(planned) == [("booking", 0, DAY, 100)]
    data = leveling_input_of(planned.project)
    assert data.capacities[person_resource(planned.member_person.pk)] == 100


def test_leveling_moves_the_work_past_the_time_off(planned: Firm) -> None:
    _away(planned, MONDAY, MONDAY + timedelta(days=1))  # Tom is away Monday and Tuesday
    [over] = overallocations_of(planned.project)
    assert (over.demand, over.task_ids) == (200, (planned.design.pk,))
    proposal = leveling.leveling_run(viewer=planned.manager, project=planned.project)
    assert proposal.result is not None
    design = proposal.result["tasks"][str(planned.design.pk)]
    assert (design["start"], design["delay_minutes"]) == (at(7, 9).isoformat(), 2 * DAY)
    assert set(proposal.result["tasks"]) == {str(planned.design.pk), str(planned.build.pk)}  # no load stored


def test_a_half_booked_person_runs_the_task_at_half_the_room(planned: Firm) -> None:
    """Booked 50 % elsewhere Monday and Tuesday: a 100 % task cannot run beside it; it waits to Wednesday."""
    _book(planned, MONDAY, MONDAY + timedelta(days=1), percent=50)
    proposal = leveling.leveling_run(viewer=planned.manager, project=planned.project)
    assert proposal.result is not None
    assert proposal.result["tasks"][str(planned.design.pk)]["start"] == at(7, 9).isoformat()


def test_a_booking_on_a_project_whose_plan_assigns_the_person_is_not_counted_twice(planned: Firm) -> None:
    other = _other()
    actions.project_member_add(viewer=planned.manager, project=other, person=planned.member_person)
    support = actions.task_create(viewer=planned.manager, project=other, name="Support")
    actions.task_schedule_update(viewer=planned.manager, task=support, duration_minutes=DAY)
    leveling.assignment_create(viewer=planned.manager, task=support, person=planned.member_person)
    _book(planned, MONDAY, MONDAY + timedelta(days=4), percent=50)
    kinds = [str(a.id) for a in leveling_input_of(planned.project).problem.activities if str(a.id).startswith("load:")]
    assert len(kinds) == 1 and not kinds[0].startswith("load:booking")  # the assignment, not the booking as well
