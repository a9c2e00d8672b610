"""Working calendars: weekly hours, holidays from the `holidays` package, exceptions, derived calendars and
the datetime ↔ working-minute mapping (MS Project's start/finish conventions). No database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from margin.core.errors import Invalid
from margin.scheduling.calendars import (
    Calendar,
    CalendarError,
    CalendarRangeError,
    CalendarSpec,
    exceptions_between,
    standard_calendar,
)

D = datetime
MON = date(2026, 3, 2)  # a Monday with no holiday in the US or Germany


@pytest.fixture(scope="module")
def cal() -> Calendar:
    return standard_calendar()


def test_a_one_day_task_starting_monday_morning_finishes_monday_evening(cal: Calendar) -> None:
    # MS Project: 8 hours from Mon 09:00 end at Mon 18:00 (end of the working interval), not Tue 09:00.
    assert cal.add_working(D(2026, 3, 2, 9), 480) == D(2026, 3, 2, 18)
    n = cal.to_working(D(2026, 3, 2, 18))
    assert n == cal.to_working(D(2026, 3, 3, 9))  # the same working minute…
    assert cal.from_working(n, as_finish=True) == D(2026, 3, 2, 18)  # …shown as a finish
    assert cal.from_working(n, as_finish=False) == D(2026, 3, 3, 9)  # …and as a start


def test_a_task_crosses_the_lunch_break(cal: Calendar) -> None:
    # 11:00 + 4 h: 11–13 (2 h), lunch 13–14, 14–16 (2 h).
    assert cal.add_working(D(2026, 3, 2, 11), 240) == D(2026, 3, 2, 16)
    # Exactly the morning: a finish lands at 13:00, a start after it at 14:00.
    n = cal.to_working(D(2026, 3, 2, 9)) + 240
    assert cal.from_working(n, as_finish=True) == D(2026, 3, 2, 13)
    assert cal.from_working(n, as_finish=False) == D(2026, 3, 2, 14)
    # A moment inside the break counts as the end of the morning.
    assert cal.to_working(D(2026, 3, 2, 13, 30)) == n
    assert cal.working_between(D(2026, 3, 2, 12), D(2026, 3, 2, 15)) == 120


def test_a_task_crosses_the_weekend(cal: Calendar) -> None:
    # Fri 14:00 + 8 h: Fri 14–18 (4 h), Mon 09–13 (4 h).
    assert cal.add_working(D(2026, 3, 6, 14), 480) == D(2026, 3, 9, 13)
    assert cal.add_working(D(2026, 3, 6, 18), 0) == D(2026, 3, 9, 9)  # a start on Fri evening is Mon morning
    assert cal.next_working_start(D(2026, 3, 7, 11)) == D(2026, 3, 9, 9)
    assert cal.working_between(D(2026, 3, 6, 9), D(2026, 3, 9, 18)) == 960
    assert not cal.is_working_day(date(2026, 3, 7)) and not cal.is_working_day(date(2026, 3, 8))
    # Going backwards: Mon 10:00 − 2 h is Fri 17:00.
    assert cal.add_working(D(2026, 3, 9, 10), -120) == D(2026, 3, 6, 17)


def test_christmas_2026_is_a_holiday_in_the_us_and_in_germany() -> None:
    us = standard_calendar("us", country="US")
    de = standard_calendar("de", country="DE")
    christmas = date(2026, 12, 25)  # a Friday
    for cal in (us, de):
        assert not cal.is_working_day(christmas)
        assert cal.holiday_name(christmas) is not None
        assert cal.is_working_day(date(2026, 12, 24))
        # Two days from Thu 24 Dec 09:00: Thu, then (Fri holiday, weekend) Mon 28 Dec.
        assert cal.add_working(D(2026, 12, 24, 9), 960) == D(2026, 12, 28, 18)
    # Without holidays the same work ends on the Friday.
    assert standard_calendar().add_working(D(2026, 12, 24, 9), 960) == D(2026, 12, 25, 18)
    # Thanksgiving (Thu 26 Nov 2026) is off in the US, worked in Germany.
    assert not us.is_working_day(date(2026, 11, 26)) and us.holiday_name(date(2026, 11, 26)) == "Thanksgiving Day"
    assert de.is_working_day(date(2026, 11, 26))


def test_a_subdivision_adds_its_own_holidays() -> None:
    epiphany = date(2026, 1, 6)  # a Tuesday; a holiday in Bavaria, not in Berlin
    assert not standard_calendar("by", country="DE", subdivision="BY").is_working_day(epiphany)
    assert standard_calendar("be", country="DE", subdivision="BE").is_working_day(epiphany)


def test_derived_calendars_inherit_and_override() -> None:
    org = CalendarSpec(id="org", country="US")  # Mon–Fri 09–13, 14–18, US holidays
    company = CalendarSpec(
        id="acme",
        parent=org,
        holidays={date(2026, 3, 13): "Founders' day"},
        exceptions={date(2026, 3, 14): ((540, 780),)},  # a working Saturday morning
    )
    person = CalendarSpec(
        id="lea",
        parent=company,
        country="DE",  # she works from Germany: German holidays replace the US ones
        week={0: ((480, 720),), 1: ((480, 720),), 2: ((480, 720),), 3: ((480, 720),), 4: ()},  # Mon–Thu 08–12
        exceptions=exceptions_between(date(2026, 3, 23), date(2026, 3, 24)),  # two days off
        minutes_per_day=240,
    )
    c_org, c_company, c_person = Calendar(org), Calendar(company), Calendar(person)
    assert c_org.minutes_per_day == 480 and c_person.minutes_per_day == 240
    assert c_company.intervals_on(date(2026, 3, 12)) == ((540, 780), (840, 1080))  # inherited week
    assert c_company.holiday_name(date(2026, 3, 13)) == "Founders' day"
    assert c_company.intervals_on(date(2026, 3, 13)) == ()
    assert c_company.intervals_on(date(2026, 3, 14)) == ((540, 780),)
    assert c_org.intervals_on(date(2026, 3, 14)) == ()
    # The person: her own week, the company's extra holiday and exception still apply, her country's holidays.
    assert c_person.intervals_on(date(2026, 3, 9)) == ((480, 720),)
    assert c_person.intervals_on(date(2026, 3, 6)) == ()  # Friday: she does not work
    assert c_person.intervals_on(date(2026, 3, 13)) == ()  # the company's holiday (also her Friday)
    assert c_person.intervals_on(date(2026, 3, 14)) == ((540, 780),)  # the company's working Saturday
    assert c_person.intervals_on(date(2026, 3, 24)) == ()  # her vacation
    assert c_person.is_working_day(date(2026, 11, 26))  # not Thanksgiving for her
    assert not c_person.is_working_day(date(2026, 5, 1))  # Tag der Arbeit (a Friday) — and her Friday
    assert not c_person.is_working_day(date(2026, 4, 6))  # Easter Monday in Germany
    assert c_company.is_working_day(date(2026, 4, 6))  # not a US holiday
    # Two of her days from Thu 19 Mar 08:00: Thu 08–12, then (Fri off, weekend) Mon 23 and Tue 24 off → Wed 25.
    assert c_person.add_working(D(2026, 3, 19, 8), 480) == D(2026, 3, 25, 12)


def test_an_exception_can_make_a_holiday_a_working_day() -> None:
    spec = CalendarSpec(id="ops", country="US", exceptions={date(2026, 12, 25): ((540, 720),)})
    cal = Calendar(spec)
    assert cal.intervals_on(date(2026, 12, 25)) == ((540, 720),)
    assert cal.holiday_name(date(2026, 12, 25)) is None
    assert cal.working_minutes_on(date(2026, 12, 25)) == 180


def test_a_child_holiday_beats_a_parent_exception() -> None:
    parent = CalendarSpec(id="org", exceptions={date(2026, 3, 7): ((540, 780),)})  # a working Saturday
    child = CalendarSpec(id="team", parent=parent, holidays={date(2026, 3, 7): "Team day off"})
    assert Calendar(parent).is_working_day(date(2026, 3, 7))
    assert not Calendar(child).is_working_day(date(2026, 3, 7))


def test_days_and_minutes(cal: Calendar) -> None:
    assert cal.days_to_minutes(1) == 480
    assert cal.days_to_minutes(Decimal("1.5")) == 720
    assert cal.days_to_minutes("0.25") == 120
    assert cal.minutes_to_days(720) == Decimal("1.50")
    assert cal.minutes_to_days(-160) == Decimal("-0.33")


def test_the_table_grows_both_ways_and_keeps_its_epoch() -> None:
    cal = standard_calendar(years=range(2026, 2027))
    assert cal.epoch == date(2026, 1, 1)
    assert cal.to_working(D(2026, 1, 1)) == 0
    n_2026 = cal.to_working(D(2026, 3, 2, 9))
    far = cal.to_working(D(2031, 6, 2, 10))  # grows forward
    early = cal.to_working(D(2019, 6, 3, 10))  # grows backward: negative, and nothing before moves
    assert early < 0 < n_2026 < far
    assert cal.to_working(D(2026, 3, 2, 9)) == n_2026
    assert cal.from_working(far, as_finish=False) == D(2031, 6, 2, 10)
    assert cal.from_working(early, as_finish=False) == D(2019, 6, 3, 10)
    assert cal.epoch == date(2026, 1, 1)
    # Working minutes beyond the table grow it too.
    assert cal.from_working(far + 480 * 260 * 3, as_finish=True).year >= 2034


def test_a_lazy_calendar_takes_its_epoch_from_the_first_date() -> None:
    cal = standard_calendar()
    assert cal.epoch is None
    with pytest.raises(CalendarError, match="no epoch yet"):
        cal.from_working(0, as_finish=False)
    cal.to_working(D(2027, 5, 5, 10))
    assert cal.epoch == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (CalendarSpec(id="x", week={0: ((600, 540),)}), "end after it starts"),
        (CalendarSpec(id="x", week={0: ((540, 780), (700, 900))}), "overlap"),
        (CalendarSpec(id="x", week={7: ((540, 780),)}), "weekday 7"),
        (CalendarSpec(id="x", week={0: ((540, 1500),)}), "00:00–24:00"),
        (CalendarSpec(id="x", week={0: ("9-13",)}), "not a"),  # type: ignore[dict-item]
        (CalendarSpec(id="x", week={}), "no working time"),
        (CalendarSpec(id="x", country="XX"), "no public holidays"),
        (CalendarSpec(id="x", country="US", subdivision="ZZ"), "no public holidays"),
        (CalendarSpec(id="x", minutes_per_day=0), "minutes per day"),
        (CalendarSpec(id="x", exceptions={date(2026, 3, 2): ((900, 800),)}), "exception on 2026-03-02"),
    ],
)
def test_bad_calendars_are_refused_with_a_clear_message(spec: CalendarSpec, message: str) -> None:
    with pytest.raises(CalendarError, match=message) as info:
        Calendar(spec)
    assert isinstance(info.value, Invalid) and info.value.status == 422


def test_a_loop_of_parents_is_refused() -> None:
    a = CalendarSpec(id="a")
    b = CalendarSpec(id="b", parent=a)
    object.__setattr__(a, "parent", b)
    with pytest.raises(CalendarError, match="a → b → a"):
        Calendar(a)


def test_time_zones_and_far_years_are_refused(cal: Calendar) -> None:
    with pytest.raises(CalendarError, match="time zone"):
        cal.to_working(D(2026, 3, 2, 9, tzinfo=UTC))
    with pytest.raises(CalendarRangeError, match="outside"):
        cal.to_working(D(2400, 1, 1))
    never = Calendar(CalendarSpec(id="n", week={0: ((540, 600),)}, exceptions=exceptions_between(
        date(2026, 1, 1), date(2026, 12, 31))))  # fmt: skip
    assert never.to_working(D(2026, 6, 1)) == 0
    with pytest.raises(CalendarError, match="end"):
        exceptions_between(date(2026, 2, 1), date(2026, 1, 1))


# --- properties ---------------------------------------------------------------------------------
_moments = st.builds(
    lambda days, minute: D(2026, 1, 1) + timedelta(days=days, minutes=minute),
    st.integers(min_value=0, max_value=3 * 365),
    st.integers(min_value=0, max_value=24 * 60 - 1),
)
_SHARED = standard_calendar("prop", country="DE", years=range(2026, 2027))


@settings(max_examples=300, deadline=None)
@given(start=_moments, minutes=st.integers(min_value=-5000, max_value=50_000))
def test_adding_working_time_is_exact(start: datetime, minutes: int) -> None:
    cal = _SHARED
    end = cal.add_working(start, minutes)
    assert cal.working_between(start, end) == minutes
    if minutes > 0:
        assert end > start
        # A finish never sits at the start of a working interval unless that is where the work ended.
        assert cal.from_working(cal.to_working(end), as_finish=True) == end


@settings(max_examples=300, deadline=None)
@given(n=st.integers(min_value=-200_000, max_value=600_000), finish=st.booleans())
def test_working_minutes_round_trip(n: int, finish: bool) -> None:
    cal = _SHARED
    moment = cal.from_working(n, as_finish=finish)
    assert cal.to_working(moment) == n
    # The finish is the earliest moment with n working minutes behind it, the start the latest.
    if finish:  # one minute earlier, one minute of work is missing
        assert cal.to_working(moment - timedelta(minutes=1)) == n - 1
    else:  # one minute later, one more minute of work is done
        assert cal.to_working(moment + timedelta(minutes=1)) == n + 1
    day = cal.intervals_on(moment.date())
    minute = moment.hour * 60 + moment.minute
    if finish:
        assert any(s < minute <= e for s, e in day)
    else:
        assert any(s <= minute < e for s, e in day)


def test_threads_growing_one_calendar_agree() -> None:
    from concurrent.futures import ThreadPoolExecutor

    shared = standard_calendar("threads", country="US")
    shared.to_working(D(2026, 1, 5))
    moments = [D(2026 + (i % 40) - 20, 1 + i % 12, 1 + i % 28, 9 + i % 9) for i in range(400)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(shared.to_working, moments))
    alone = standard_calendar("alone", country="US")
    alone.to_working(D(2026, 1, 5))
    assert together == [alone.to_working(m) for m in moments]
    assert [shared.from_working(n, as_finish=False) for n in together[:50]] == [
        alone.from_working(n, as_finish=False) for n in together[:50]
    ]
