"""Capacity: how many minutes a person can work on each day. The one place this is computed; the week grid, the
approvals inbox, reminders, the home page, leveling, bookings, staffing and utilisation all read it.

A person's capacity on a day, in minutes:

1. **Employment.** Nothing before their start date or after their end date.
2. **Their own working calendar** (part-time days, their own holidays), when they have one: its working minutes
   that day. The calendar says how much they work, so their weekly capacity is not read.
3. **Else the shared calendar** (their company's, else the organisation default): their weekly capacity spread
   evenly over the working weekdays of that calendar's week, nothing on its non-working days (public holidays of
   its country, the company's days off). Someone at 24 h a week on a Monday-to-Friday calendar has 288 minutes
   a working day.
4. **Else** (no calendar at all): their weekly capacity spread over Monday to Friday.
5. **Approved time off** then takes the whole day, or ``minutes_per_day`` of it (a half day), never below 0.

Reads are set-based: one query for the people, one for their own calendars (and their parents), one for the
shared calendars per organisation, one for the approved time off in the window. Compiled calendars are shared
between the people who use them, so 500 people over half a year cost a few thousand calendar look-ups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from margin.accounts.models import Company, Person
from margin.projects.models import WorkCalendar
from margin.projects.planning import calendar_for_row, person_calendars
from margin.resourcing.models import TimeOff, TimeOffStatus
from margin.scheduling.calendars import Calendar

WORKDAYS = 5  # Monday to Friday, when no calendar says otherwise


@dataclass(frozen=True, slots=True)
class Employee:
    """What capacity needs of a person."""

    id: int
    organisation_id: int
    company_id: int
    weekly_minutes: int
    start: date | None
    end: date | None


class Calendars:
    """Working calendars of people: their own, else their company's, else the organisation default (read once
    per organisation, not per person)."""

    def __init__(self) -> None:
        self._shared: dict[int, Calendar | None] = {}  # company id → calendar
        self._own: dict[int, Calendar] = {}  # person id → calendar
        self._loaded: set[int] = set()

    def load(self, organisation_id: int, person_ids: Iterable[int]) -> None:
        self._own.update(person_calendars(organisation_id, person_ids))
        if organisation_id in self._loaded:
            return
        self._loaded.add(organisation_id)
        default: Calendar | None = None
        by_company: dict[int, Calendar] = {}
        rows = WorkCalendar.objects.filter(organisation_id=organisation_id, person__isnull=True).order_by("id")
        for row in rows:
            if row.company_id is None and default is None:
                default = calendar_for_row(row)
            elif row.company_id is not None and row.company_id not in by_company:
                by_company[row.company_id] = calendar_for_row(row)
        for company_id in Company.objects.filter(organisation_id=organisation_id).values_list("id", flat=True):
            self._shared[company_id] = by_company.get(company_id, default)

    def own(self, person_id: int) -> Calendar | None:
        return self._own.get(person_id)

    def shared(self, company_id: int) -> Calendar | None:
        return self._shared.get(company_id)


def employees(person_ids: Iterable[int]) -> dict[int, Employee]:
    rows = Person.objects.filter(pk__in=set(person_ids)).values_list(
        "id", "organisation_id", "company_id", "weekly_capacity_minutes", "start_date", "end_date"
    )
    return {r[0]: Employee(r[0], r[1], r[2], int(r[3] or 0), r[4], r[5]) for r in rows}


def _working_days_a_week(calendar: Calendar) -> int:
    return sum(1 for intervals in calendar.week if intervals) or WORKDAYS


def _base_days(
    person: Employee, days: Sequence[date], calendars: Calendars, memo: dict[tuple[int, int], list[int]]
) -> list[int]:
    """Capacity before time off (rules 1–4 above). ``memo`` shares a shared calendar's days between people."""
    own = calendars.own(person.id)
    if own is not None:
        base = [own.working_minutes_on(d) for d in days]
    else:
        shared = calendars.shared(person.company_id)
        if shared is None:
            per_day = person.weekly_minutes // WORKDAYS
            base = [per_day if d.weekday() < WORKDAYS else 0 for d in days]
        else:
            key = (id(shared), person.weekly_minutes)
            if key not in memo:
                per_day = person.weekly_minutes // _working_days_a_week(shared)
                memo[key] = [per_day if shared.is_working_day(d) else 0 for d in days]
            base = list(memo[key])
    if person.start is not None or person.end is not None:
        for i, d in enumerate(days):
            if (person.start is not None and d < person.start) or (person.end is not None and d > person.end):
                base[i] = 0
    return base


def time_off_minutes(person_ids: Iterable[int], first: date, last: date) -> dict[int, dict[date, int | None]]:
    """Approved time off per person and day in ``first``–``last``: minutes off that day (None: the whole day)."""
    out: dict[int, dict[date, int | None]] = defaultdict(dict)
    rows = TimeOff.objects.filter(
        person_id__in=set(person_ids), status=TimeOffStatus.APPROVED, first_day__lte=last, last_day__gte=first
    ).values_list("person_id", "first_day", "last_day", "minutes_per_day")
    for person_id, first_day, last_day, minutes in rows:
        day = max(first_day, first)
        while day <= min(last_day, last):
            taken = out[person_id].get(day, 0)
            if minutes is None or taken is None:
                out[person_id][day] = None
            else:
                out[person_id][day] = taken + minutes
            day += timedelta(days=1)
    return out


def capacity_by_day(person_ids: Iterable[int], days: Sequence[date]) -> dict[int, list[int]]:
    """Each person's capacity in minutes on each of ``days`` (any dates, in the order given). People who do not
    exist are left out."""
    days = list(days)
    people = employees(person_ids)
    if not people or not days:
        return {pk: [0] * len(days) for pk in people}
    calendars = Calendars()
    by_org: dict[int, list[int]] = defaultdict(list)
    for person in people.values():
        by_org[person.organisation_id].append(person.id)
    for organisation_id, ids in by_org.items():
        calendars.load(organisation_id, ids)
    off = time_off_minutes(people, min(days), max(days))
    memo: dict[tuple[int, int], list[int]] = {}
    out: dict[int, list[int]] = {}
    for person in people.values():
        base = _base_days(person, days, calendars, memo)
        away = off.get(person.id)
        if away:
            for i, d in enumerate(days):
                if d in away:
                    minutes = away[d]
                    base[i] = 0 if minutes is None else max(0, base[i] - minutes)
        out[person.id] = base
    return out


def capacity_between(person_ids: Iterable[int], first: date, last: date) -> dict[int, int]:
    """Each person's capacity in minutes from ``first`` to ``last``, both included."""
    if last < first:
        return dict.fromkeys(employees(person_ids), 0)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return {pk: sum(per_day) for pk, per_day in capacity_by_day(person_ids, days).items()}


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
