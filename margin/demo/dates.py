"""The demo's dates, all from the anchor (the day the demo is loaded, its "today"), and the companies' working
calendars: the organisation's standard week, the region's public holidays, each office's own days off. The build
stores the same calendars, so what the plan schedules here is what the database schedules."""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from margin.scheduling.calendars import DAY_INTERVALS, Calendar, CalendarSpec

from .specs import COMPANIES, STANDARD_CALENDAR, WEEKS, PersonSpec

WEEK_DAYS = dict.fromkeys(range(5), DAY_INTERVALS) | {5: (), 6: ()}


def _month_end(day: date) -> date:
    return day.replace(day=month_calendar.monthrange(day.year, day.month)[1])


def _next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class DemoCalendar:
    """The demo's dates, all from the anchor (the day the demo is "today")."""

    anchor: date
    first_monday: date  # week 0
    this_monday: date  # week WEEKS: the anchor's week
    cutoffs: tuple[date, ...]  # the invoiced months end on these days, oldest first
    mid_period: date  # rate increases and cost raises start here

    @classmethod
    def of(cls, anchor: date) -> DemoCalendar:
        this_monday = anchor - timedelta(days=anchor.weekday())
        first = this_monday - timedelta(weeks=WEEKS)
        # Invoiced: every month that ends at least ten days into the history, whose time is all approved
        # (before the week before last) and whose invoices were issued before today.
        cutoffs: list[date] = []
        month_end = _month_end(first + timedelta(days=10))
        while month_end < this_monday - timedelta(weeks=2) and _issue_day(month_end) < anchor:
            cutoffs.append(month_end)
            month_end = _month_end(month_end + timedelta(days=1))
        return cls(
            anchor=anchor,
            first_monday=first,
            this_monday=this_monday,
            cutoffs=tuple(cutoffs),
            mid_period=cutoffs[len(cutoffs) // 2 - 1] + timedelta(days=1),
        )

    @property
    def yesterday(self) -> date:
        """The last day with time: the history ends the day before the anchor."""
        return self.anchor - timedelta(days=1)

    @property
    def last_monday(self) -> date:
        return self.week(WEEKS - 1)

    @property
    def hired(self) -> date:
        """When everyone who was there before the history joined (cost rates and allowances start here)."""
        return date(self.first_monday.year - 1, 1, 1)

    @property
    def closed_through(self) -> date:
        """The books are closed through the month before the last invoiced one."""
        return self.cutoffs[-2]

    def week(self, number: int) -> date:
        return self.first_monday + timedelta(weeks=number)

    def week_of(self, day: date) -> int:
        return (day - self.first_monday).days // 7

    def issue_date(self, cutoff: date) -> date:
        return _issue_day(cutoff)

    def joined(self, person: PersonSpec) -> date:
        return self.hired if person.joined_week is None else self.week(person.joined_week)


def _issue_day(cutoff: date) -> date:
    return _next_weekday(cutoff + timedelta(days=2))


def office_closures(cal: DemoCalendar) -> dict[str, dict[date, str]]:
    """Each company's own days off (`CompanySpec.closed`) in the years the demo's plans span."""
    years = range(cal.first_monday.year, cal.anchor.year + 2)
    return {c.key: {date(year, month, day): why for year in years for month, day, why in c.closed} for c in COMPANIES}


def company_calendars(cal: DemoCalendar) -> dict[str, Calendar]:
    """Each company's working calendar, as the build stores it: the standard week, the region's public holidays,
    the office's own days off."""
    standard = CalendarSpec(id="standard", name=STANDARD_CALENDAR, week=WEEK_DAYS)
    closures = office_closures(cal)
    return {
        c.key: Calendar(
            CalendarSpec(
                id=c.key,
                name=c.calendar,
                parent=standard,
                country=c.country,
                subdivision=c.subdivision,
                exceptions=dict.fromkeys(closures[c.key], ()),
            )
        )
        for c in COMPANIES
    }


def day_end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time())
