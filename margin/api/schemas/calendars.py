"""Shapes of working calendars, their exceptions and their days."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints

from margin.api.schemas.common import Id, Name, NoNul, Title
from margin.projects.models import CalendarException, WorkCalendar
from margin.scheduling.calendars import WEEKDAY_NAMES

IntervalsText = Annotated[str, StringConstraints(max_length=200), NoNul]
Subdivision = Annotated[str, StringConstraints(max_length=10), NoNul]
CountryCode = Annotated[str, StringConstraints(max_length=2), NoNul]

WEEK_DOC = (
    'Per weekday ("0" = Monday … "6" = Sunday) its working intervals as text, e.g. "09:00-13:00, 14:00-18:00"; '
    '"" for a day off. A weekday left out (or null) is inherited from the parent calendar.'
)


def intervals_text(intervals: list[list[int]] | list[tuple[int, int]] | tuple[tuple[int, int], ...]) -> str:
    def hm(m: int) -> str:
        return f"{m // 60:02d}:{m % 60:02d}"

    return ", ".join(f"{hm(s)}-{hm(e)}" for s, e in intervals)


class CalendarIn(Schema):
    name: Name
    company_id: Id | None = Field(None, description="A company's calendar (none: the organisation default)")
    person_id: Id | None = Field(None, description="A person's calendar")
    parent_id: Id | None = Field(
        None, description="Inherit from this calendar (default: the company's, else the organisation's)"
    )
    week: dict[str, IntervalsText | None] = Field(default_factory=dict, description=WEEK_DOC)
    country: CountryCode = Field("", description="ISO 3166 country whose public holidays apply ('' for none)")
    subdivision: Subdivision = Field("", description="State or region code of the country, e.g. BY, NY")


class CalendarPatch(Schema):
    name: Name | None = None
    parent_id: Id | None = Field(None, description="Set a parent; use clear_parent to make it a root")
    clear_parent: bool = False
    week: dict[str, IntervalsText | None] | None = Field(None, description=WEEK_DOC + " Replaces the whole week.")
    country: CountryCode | None = None
    subdivision: Subdivision | None = None


class WeekdayOut(Schema):
    weekday: int = Field(description="0 = Monday … 6 = Sunday")
    name: str
    inherited: bool = Field(description="True when the parent calendar decides this weekday")
    intervals: str = Field(description='The working intervals in effect, e.g. "09:00-13:00, 14:00-18:00"')
    minutes: int


class CalendarOut(Schema):
    id: int
    name: str
    scope: str = Field(description="organisation, company or person")
    company_id: int | None
    person_id: int | None
    parent_id: int | None
    country: str
    subdivision: str
    week: list[WeekdayOut]


class CalendarSavedOut(CalendarOut):
    rescheduled: list[str] = Field(description="Codes of the projects rescheduled on the changed calendar")
    skipped: list[str] = Field(description="Projects whose plan could not be rescheduled (they keep their dates)")


class ExceptionIn(Schema):
    first: date
    last: date | None = Field(None, description="Last date of a range (default: first)")
    intervals: IntervalsText = Field("", description='Working intervals that day, "" for a non-working day')
    name: Title = ""


class ExceptionOut(Schema):
    id: int
    date: date
    intervals: str
    minutes: int
    name: str


class ExceptionsAddedOut(Schema):
    exceptions: list[ExceptionOut]
    rescheduled: list[str]
    skipped: list[str]


class CalendarChangeOut(Schema):
    rescheduled: list[str]
    skipped: list[str]


class DayOut(Schema):
    date: date
    weekday: int
    minutes: int = Field(description="Working minutes that day")
    intervals: str
    kind: str = Field(description="working, weekend, holiday or exception")
    reason: str = Field(description="The holiday's or exception's name, 'Weekend', or '' on an ordinary day")


class DaysQuery(Schema):
    from_: date = Field(alias="from")
    to: date


def calendar_scope(calendar: WorkCalendar) -> str:
    if calendar.person_id is not None:
        return "person"
    return "company" if calendar.company_id is not None else "organisation"


def exception_out(exception: CalendarException) -> ExceptionOut:
    intervals = [list(i) for i in exception.intervals or []]
    return ExceptionOut(
        id=exception.pk,
        date=exception.date,
        intervals=intervals_text(intervals),
        minutes=sum(e - s for s, e in intervals),
        name=exception.name,
    )


def weekday_rows(calendar: WorkCalendar, effective: tuple[tuple[tuple[int, int], ...], ...]) -> list[WeekdayOut]:
    own = calendar.week or {}
    return [
        WeekdayOut(
            weekday=d,
            name=WEEKDAY_NAMES[d],
            inherited=str(d) not in own and calendar.parent_id is not None,
            intervals=intervals_text(effective[d]),
            minutes=sum(e - s for s, e in effective[d]),
        )
        for d in range(7)
    ]
