"""Working calendars: the organisation default, companies' and people's; weekly hours, public holidays by
country, exceptions, and the resulting days. Every change reschedules the open projects planned on it."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.queries import company_get, person_get
from margin.api.pagination import Pages
from margin.api.schemas.calendars import (
    CalendarChangeOut,
    CalendarIn,
    CalendarOut,
    CalendarPatch,
    CalendarSavedOut,
    DayOut,
    DaysQuery,
    ExceptionIn,
    ExceptionOut,
    ExceptionsAddedOut,
    calendar_scope,
    exception_out,
    intervals_text,
    weekday_rows,
)
from margin.api.schemas.common import Id, responses
from margin.api.security import viewer_of
from margin.core.errors import NotFound
from margin.projects.actions import (
    CalendarSaved,
    calendar_create,
    calendar_delete,
    calendar_exception_add,
    calendar_exception_remove,
    calendar_update,
)
from margin.projects.models import CalendarException, WorkCalendar
from margin.projects.planning import calendar_days, calendar_for_row, calendars_for_rows
from margin.projects.queries import calendar_get, calendars_visible
from margin.scheduling.calendars import Calendar

router = Router(tags=["calendars"])


def calendar_out(calendar: WorkCalendar, compiled: Calendar | None = None) -> CalendarOut:
    compiled = compiled or calendar_for_row(calendar)
    return CalendarOut(
        id=calendar.pk,
        name=calendar.name,
        scope=calendar_scope(calendar),
        company_id=calendar.company_id,
        person_id=calendar.person_id,
        parent_id=calendar.parent_id,
        country=calendar.country,
        subdivision=calendar.subdivision,
        week=weekday_rows(calendar, compiled.week),
    )


def saved_out(saved: CalendarSaved) -> CalendarSavedOut:
    return CalendarSavedOut(
        **calendar_out(saved.calendar).model_dump(),
        rescheduled=list(saved.rescheduled),
        skipped=list(saved.skipped),
    )


@router.get("", response=responses(list[CalendarOut]), summary="List calendars")
@paginate(Pages)
def calendar_list(request: HttpRequest) -> list[CalendarOut]:
    calendars = list(calendars_visible(viewer_of(request)).order_by("id"))
    weeks = calendars_for_rows(calendars)
    return [calendar_out(c, weeks[c.pk]) for c in calendars]


@router.post("", response=responses(CalendarSavedOut, 201), summary="Create a calendar (administrators)")
def calendar_add(request: HttpRequest, payload: CalendarIn) -> Status[CalendarSavedOut]:
    viewer = viewer_of(request)
    company = company_get(viewer, payload.company_id) if payload.company_id is not None else None
    person = person_get(viewer, payload.person_id) if payload.person_id is not None else None
    parent = calendar_get(viewer, payload.parent_id) if payload.parent_id is not None else None
    saved = calendar_create(
        viewer=viewer,
        name=payload.name,
        week=payload.week,
        country=payload.country,
        subdivision=payload.subdivision,
        parent=parent,
        company=company,
        person=person,
    )
    return Status(201, saved_out(saved))


@router.get("/{calendar_id}", response=responses(CalendarOut), summary="Get a calendar")
def calendar_detail(request: HttpRequest, calendar_id: Id) -> CalendarOut:
    return calendar_out(calendar_get(viewer_of(request), calendar_id))


@router.patch("/{calendar_id}", response=responses(CalendarSavedOut), summary="Change a calendar (administrators)")
def calendar_change(request: HttpRequest, calendar_id: Id, payload: CalendarPatch) -> CalendarSavedOut:
    viewer = viewer_of(request)
    calendar = calendar_get(viewer, calendar_id)
    changes: dict[str, object] = payload.model_dump(exclude_unset=True, exclude_none=True)
    changes.pop("clear_parent", None)
    parent_id = changes.pop("parent_id", None)
    if payload.clear_parent:
        changes["parent"] = None
    elif parent_id is not None:
        changes["parent"] = calendar_get(viewer, int(str(parent_id)))
    return saved_out(calendar_update(viewer=viewer, calendar=calendar, **changes))


@router.delete("/{calendar_id}", response=responses(None, 204), summary="Delete a calendar nothing uses")
def calendar_remove(request: HttpRequest, calendar_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    calendar_delete(viewer=viewer, calendar=calendar_get(viewer, calendar_id))
    return Status(204, None)


@router.get("/{calendar_id}/exceptions", response=responses(list[ExceptionOut]), summary="List exceptions")
def exception_list(request: HttpRequest, calendar_id: Id) -> list[ExceptionOut]:
    calendar = calendar_get(viewer_of(request), calendar_id)
    return [exception_out(e) for e in CalendarException.objects.filter(calendar=calendar).order_by("date")]


@router.post(
    "/{calendar_id}/exceptions",
    response=responses(ExceptionsAddedOut, 201),
    summary="Add an exception for a date or a range (non-working, or with its own hours)",
)
def exception_add(request: HttpRequest, calendar_id: Id, payload: ExceptionIn) -> Status[ExceptionsAddedOut]:
    viewer = viewer_of(request)
    calendar = calendar_get(viewer, calendar_id)
    last = payload.last or payload.first
    saved = calendar_exception_add(
        viewer=viewer,
        calendar=calendar,
        first=payload.first,
        last=last,
        intervals=payload.intervals,
        name=payload.name,
    )
    added = CalendarException.objects.filter(calendar=calendar, date__range=(payload.first, last)).order_by("date")
    return Status(
        201,
        ExceptionsAddedOut(
            exceptions=[exception_out(e) for e in added],
            rescheduled=list(saved.rescheduled),
            skipped=list(saved.skipped),
        ),
    )


@router.delete(
    "/{calendar_id}/exceptions/{exception_id}", response=responses(CalendarChangeOut), summary="Remove an exception"
)
def exception_remove(request: HttpRequest, calendar_id: Id, exception_id: Id) -> CalendarChangeOut:
    viewer = viewer_of(request)
    calendar = calendar_get(viewer, calendar_id)
    exception = CalendarException.objects.filter(calendar=calendar, pk=exception_id).select_related("calendar").first()
    if exception is None:
        raise NotFound("No such exception on this calendar.")
    saved = calendar_exception_remove(viewer=viewer, exception=exception)
    return CalendarChangeOut(rescheduled=list(saved.rescheduled), skipped=list(saved.skipped))


@router.get(
    "/{calendar_id}/days",
    response=responses(list[DayOut]),
    summary="Each day's working minutes and why (weekend, holiday, exception), at most 400 days",
)
def calendar_day_list(request: HttpRequest, calendar_id: Id, period: Query[DaysQuery]) -> list[DayOut]:
    calendar = calendar_get(viewer_of(request), calendar_id)
    return [
        DayOut(
            date=d.day,
            weekday=d.day.weekday(),
            minutes=d.minutes,
            intervals=intervals_text(d.intervals),
            kind=d.kind,
            reason=d.reason,
        )
        for d in calendar_days(calendar, period.from_, period.to)
    ]
