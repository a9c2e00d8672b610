"""capacity_by_day: the one rule for a person's working minutes on a day (margin.resourcing.capacity)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from margin.accounts.models import Person
from margin.projects.models import CalendarException, WorkCalendar
from margin.resourcing.capacity import capacity_between, capacity_by_day, days_between
from margin.resourcing.models import TimeOff, TimeOffStatus
from tests.firm import Firm

MONDAY = date(2026, 11, 23)  # Thanksgiving (US) is Thursday 26 November 2026
WEEK = days_between(MONDAY, MONDAY + timedelta(days=6))
FULL_DAY = [[540, 780], [840, 1080]]  # 8 h


def _company_calendar(firm: Firm, country: str = "") -> WorkCalendar:
    return WorkCalendar.objects.create(
        organisation_id=firm.usd.organisation_id,
        company=firm.usd,
        name="Acme US",
        week={str(d): FULL_DAY for d in range(5)} | {"5": [], "6": []},
        country=country,
    )


def test_without_any_calendar_the_weekly_capacity_is_spread_over_monday_to_friday(firm: Firm) -> None:
    Person.objects.filter(pk=firm.member_person.pk).update(weekly_capacity_minutes=30 * 60)
    got = capacity_by_day([firm.member_person.pk], WEEK)[firm.member_person.pk]
    assert got == [360] * 5 + [0, 0]


def test_the_company_calendar_takes_its_public_holidays_and_keeps_a_part_timers_share(firm: Firm) -> None:
    _company_calendar(firm, country="US")
    Person.objects.filter(pk=firm.member_person.pk).update(weekly_capacity_minutes=24 * 60)
    got = capacity_by_day([firm.member_person.pk, firm.member2_person.pk], WEEK)
    assert got[firm.member_person.pk] == [288, 288, 288, 0, 288, 0, 0]  # 24 h over 5 days; Thanksgiving off
    assert got[firm.member2_person.pk] == [480, 480, 480, 0, 480, 0, 0]


def test_a_company_day_off_counts_like_a_holiday(firm: Firm) -> None:
    calendar = _company_calendar(firm)
    CalendarException.objects.create(calendar=calendar, date=MONDAY, intervals=[], name="Company day")
    assert capacity_by_day([firm.member_person.pk], WEEK)[firm.member_person.pk][0] == 0


def test_an_own_calendar_says_how_much_a_person_works(firm: Firm) -> None:
    """A four-day week on their own calendar: its minutes, whatever the weekly figure says."""
    _company_calendar(firm, country="US")
    WorkCalendar.objects.create(
        organisation_id=firm.usd.organisation_id,
        company=firm.usd,
        person=firm.member_person,
        name="Tom's four days",
        week={"0": FULL_DAY, "1": FULL_DAY, "2": [[540, 780]], "3": FULL_DAY, "4": [], "5": [], "6": []},
        country="US",
    )
    got = capacity_by_day([firm.member_person.pk], WEEK)[firm.member_person.pk]
    assert got == [480, 480, 240, 0, 0, 0, 0]


def test_nothing_before_the_start_date_or_after_the_end_date(firm: Firm) -> None:
    Person.objects.filter(pk=firm.member_person.pk).update(
        start_date=MONDAY + timedelta(days=1), end_date=MONDAY + timedelta(days=3)
    )
    got = capacity_by_day([firm.member_person.pk], WEEK)[firm.member_person.pk]
    assert got == [0, 480, 480, 480, 0, 0, 0]


def test_approved_time_off_takes_whole_days_or_its_minutes_and_requested_time_off_nothing(firm: Firm) -> None:
    person = firm.member_person
    common = {"organisation_id": person.organisation_id, "person": person}
    TimeOff.objects.create(**common, first_day=MONDAY, last_day=MONDAY, status=TimeOffStatus.APPROVED)
    TimeOff.objects.create(
        **common,
        first_day=MONDAY + timedelta(1),
        last_day=MONDAY + timedelta(1),
        minutes_per_day=240,
        status=TimeOffStatus.APPROVED,
    )
    TimeOff.objects.create(**common, first_day=MONDAY + timedelta(2), last_day=MONDAY + timedelta(2))  # requested
    TimeOff.objects.create(
        **common, first_day=MONDAY + timedelta(3), last_day=MONDAY + timedelta(3), status=TimeOffStatus.REJECTED
    )
    TimeOff.objects.create(
        **common,
        first_day=MONDAY + timedelta(4),
        last_day=MONDAY + timedelta(4),
        minutes_per_day=600,
        status=TimeOffStatus.APPROVED,
    )
    got = capacity_by_day([person.pk], WEEK)[person.pk]
    assert got == [0, 240, 480, 480, 0, 0, 0]  # more minutes off than the day has: 0, never negative


def test_days_in_any_order_and_over_a_span(firm: Firm) -> None:
    days = [MONDAY + timedelta(days=6), MONDAY]
    assert capacity_by_day([firm.member_person.pk], days)[firm.member_person.pk] == [0, 480]
    assert capacity_between([firm.member_person.pk], MONDAY, MONDAY + timedelta(days=13)) == {
        firm.member_person.pk: 10 * 480
    }
    assert capacity_between([firm.member_person.pk], MONDAY, MONDAY - timedelta(days=1)) == {firm.member_person.pk: 0}


def test_people_who_do_not_exist_are_left_out(firm: Firm) -> None:
    assert capacity_by_day([987654], WEEK) == {}


def test_the_reads_do_not_grow_with_the_people(firm: Firm) -> None:
    """A few queries for everyone (no own calendars here): people, calendars, companies, time off."""
    _company_calendar(firm, country="US")
    ids = list(Person.objects.filter(organisation_id=firm.usd.organisation_id).values_list("id", flat=True))
    with CaptureQueriesContext(connection) as few:
        capacity_by_day(ids[:1], WEEK)
    with CaptureQueriesContext(connection) as many:
        capacity_by_day(ids, WEEK)
    assert len(ids) >= 5 and len(many) == len(few)
