"""Settings → Calendars: the organisation's working calendars, their weekly hours, public holidays and
exceptions, with a month-grid picture of the next three months. Administrators edit; everyone may look."""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from margin.accounts.queries import Viewer, companies_visible, company_get, people_visible, person_get
from margin.core.errors import DomainError, Forbidden, NotFound
from margin.projects.actions import (
    CalendarSaved,
    calendar_create,
    calendar_delete,
    calendar_exception_add,
    calendar_exception_remove,
    calendar_update,
)
from margin.projects.models import CalendarException, WorkCalendar
from margin.projects.planning import CalendarDay, calendar_days, calendar_for_row
from margin.projects.queries import (
    calendar_get,
    calendars_visible,
    can_edit_calendar,
    viewer_sees_every_company,
)
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms import (
    CalendarCreateForm,
    CalendarExceptionForm,
    CalendarWeekForm,
    add_domain_error,
)
from margin.web.pages import page

MONTHS_SHOWN = 3


def _hm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _text(intervals: Any) -> str:
    return ", ".join(f"{_hm(s)}-{_hm(e)}" for s, e in intervals)


def _scope(row: WorkCalendar) -> str:
    if row.person_id is not None:
        return f"Person: {row.person.name}" if row.person else "Person"
    if row.company_id is not None:
        return f"Company: {row.company.name}" if row.company else "Company"
    return "Organisation default"


def _form_error(form: forms.Form, error: DomainError) -> None:
    """A refusal from the action, shown on the field it names (``week.3`` → the Thursday box). Not allowed and
    not found are no form errors: they answer 403 / 404."""
    if isinstance(error, Forbidden | NotFound):
        raise error
    name = error.field or ""
    if name.startswith("week."):
        name = f"day_{name.removeprefix('week.')}"
    elif name == "week":
        name = ""
    add_domain_error(form, error, {error.field or "": name})


def _saved_message(request: HtmxRequest, text: str, saved: CalendarSaved) -> None:
    if saved.rescheduled:
        text += f" Rescheduled: {', '.join(saved.rescheduled)}."
    if saved.skipped:
        text += f" Could not reschedule (kept their dates): {', '.join(saved.skipped)}."
    messages.success(request, text)


# --- the list ----------------------------------------------------------------------------------------


def _owners(viewer: Viewer) -> list[tuple[str, str]]:
    owners: list[tuple[str, str]] = []
    has_default = WorkCalendar.objects.filter(
        organisation_id=viewer.organisation_id, company__isnull=True, person__isnull=True
    ).exists()
    if viewer.is_admin and viewer_sees_every_company(viewer) and not has_default:
        owners.append(("org", "The organisation (default)"))
    owners += [(f"company:{c.pk}", f"Company: {c.name}") for c in companies_visible(viewer).order_by("name")]
    owners += [(f"person:{p.pk}", f"Person: {p.name}") for p in people_visible(viewer).order_by("name")]
    return owners


def _list_context(viewer: Viewer, form: CalendarCreateForm | None = None) -> dict[str, Any]:
    rows = []
    for row in calendars_visible(viewer).order_by("id"):
        compiled = calendar_for_row(row)
        rows.append(
            {
                "row": row,
                "scope": _scope(row),
                "weekly_hours": sum(e - s for day in compiled.week for s, e in day) / 60,
                "days": sum(1 for day in compiled.week if day),
            }
        )
    return {
        "rows": rows,
        "can_create": viewer.is_admin,
        "create_form": form or CalendarCreateForm(owners=_owners(viewer)),
    }


@viewer_view
def calendar_list(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    return page(request, viewer, "web/calendars/list.html", _list_context(viewer), active="calendars")


@require_POST
@viewer_view
def calendar_new(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    form = CalendarCreateForm(request.POST, owners=_owners(viewer))
    if form.is_valid():
        owner: str = form.cleaned_data["owner"]
        kind, _, key = owner.partition(":")
        try:
            company = company_get(viewer, int(key)) if kind == "company" else None
            person = person_get(viewer, int(key)) if kind == "person" else None
            saved = calendar_create(viewer=viewer, name=form.cleaned_data["name"], company=company, person=person)
        except DomainError as error:
            _form_error(form, error)
        else:
            _saved_message(request, f"Calendar {saved.calendar.name} created.", saved)
            return redirect("web:calendar", calendar_id=saved.calendar.pk)
    context = _list_context(viewer, form)
    return page(request, viewer, "web/calendars/list.html", context, active="calendars", status=422)


# --- one calendar ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One day of the month grid: how it looks and what its tooltip says."""

    day: date
    kind: str
    css: str
    title: str


@dataclass(frozen=True)
class Month:
    title: str
    weeks: list[list[Cell | None]]


def _cell(d: CalendarDay, full_day: int, today: date) -> Cell:
    css = f"cal-{d.kind}"
    if d.kind == "working" and d.minutes < full_day:
        css += " cal-short"
    if d.day == today:
        css += " cal-today"
    hours = _text(d.intervals) if d.minutes else "no working time"
    title = f"{d.day:%a %d %b %Y}: " + (f"{d.reason} — {hours}" if d.reason else hours)
    return Cell(d.day, d.kind, css, title)


def months_of(row: WorkCalendar, start: date, count: int = MONTHS_SHOWN, today: date | None = None) -> list[Month]:
    """``count`` months from the month of ``start``, as weeks (Monday first) of days; None pads the edges."""
    first = start.replace(day=1)
    year, month = first.year, first.month + count - 1
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    last = date(year, month, month_calendar.monthrange(year, month)[1])
    compiled = calendar_for_row(row)
    full_day = max(sum(e - s for s, e in day) for day in compiled.week)
    days = {d.day: _cell(d, full_day, today or start) for d in calendar_days(row, first, last)}
    out: list[Month] = []
    current = first
    for _ in range(count):
        dates = month_calendar.Calendar(firstweekday=0).monthdatescalendar(current.year, current.month)
        weeks = [[days.get(d) if d.month == current.month else None for d in week] for week in dates]
        out.append(Month(current.strftime("%B %Y"), weeks))
        current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def _parents(viewer: Viewer, row: WorkCalendar) -> list[tuple[int, str]]:
    """Calendars this one may derive from: not a person's, not itself (loops are refused by the action)."""
    return [
        (c.pk, c.name)
        for c in calendars_visible(viewer).filter(person__isnull=True).exclude(pk=row.pk).order_by("name")
    ]


def _week_form(viewer: Viewer, row: WorkCalendar) -> CalendarWeekForm:
    initial: dict[str, Any] = {
        "name": row.name,
        "country": row.country,
        "subdivision": row.subdivision,
        "parent": row.parent_id,
    }
    compiled = calendar_for_row(row)
    own = row.week or {}
    for day in range(7):
        initial[f"day_{day}"] = _text(compiled.week[day])
        initial[f"inherit_{day}"] = str(day) not in own and row.parent_id is not None
    return CalendarWeekForm(initial=initial, parents=_parents(viewer, row), country=row.country)


def _detail_context(
    viewer: Viewer,
    row: WorkCalendar,
    *,
    week_form: CalendarWeekForm | None = None,
    exception_form: CalendarExceptionForm | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    today = today or timezone.localdate()
    exceptions = [
        {"row": e, "hours": _text(e.intervals or []) or "Day off"}
        for e in CalendarException.objects.filter(calendar=row).order_by("date")
    ]
    return {
        "calendar": row,
        "scope": _scope(row),
        "can_edit": can_edit_calendar(viewer, row),
        "week_form": week_form or _week_form(viewer, row),
        "exception_form": exception_form or CalendarExceptionForm(prefix="exception"),
        "exceptions": exceptions,
        "months": months_of(row, today, today=today),
        "today": today,
        "children": list(WorkCalendar.objects.filter(parent=row).order_by("name")),
    }


def _detail_page(
    request: HtmxRequest, viewer: Viewer, row: WorkCalendar, status: int = 200, **forms_: Any
) -> HttpResponse:
    context = _detail_context(viewer, row, **forms_)
    return page(request, viewer, "web/calendars/detail.html", context, active="calendars", status=status)


@viewer_view
def calendar_detail(request: HtmxRequest, viewer: Viewer, calendar_id: int) -> HttpResponse:
    row = calendar_get(viewer, calendar_id)
    if request.method == "POST":
        form = CalendarWeekForm(request.POST, parents=_parents(viewer, row))
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = calendar_update(
                    viewer=viewer,
                    calendar=row,
                    name=data["name"],
                    week=form.week(),
                    country=data["country"],
                    subdivision=data["subdivision"],
                    parent=calendar_get(viewer, data["parent"]) if data["parent"] else None,
                )
            except DomainError as error:
                _form_error(form, error)
            else:
                _saved_message(request, "Calendar saved.", saved)
                return redirect("web:calendar", calendar_id=row.pk)
        return _detail_page(request, viewer, calendar_get(viewer, calendar_id), 422, week_form=form)
    return _detail_page(request, viewer, row)


@require_POST
@viewer_view
def calendar_exception_new(request: HtmxRequest, viewer: Viewer, calendar_id: int) -> HttpResponse:
    row = calendar_get(viewer, calendar_id)
    form = CalendarExceptionForm(request.POST, prefix="exception")
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = calendar_exception_add(
                viewer=viewer,
                calendar=row,
                first=data["first"],
                last=data["last"],
                intervals=data["intervals"],
                name=data["name"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            _saved_message(request, "Exception added.", saved)
            return redirect("web:calendar", calendar_id=row.pk)
    return _detail_page(request, viewer, row, 422, exception_form=form)


@require_POST
@viewer_view
def calendar_exception_delete(
    request: HtmxRequest, viewer: Viewer, calendar_id: int, exception_id: int
) -> HttpResponse:
    row = calendar_get(viewer, calendar_id)
    exception = CalendarException.objects.filter(calendar=row, pk=exception_id).select_related("calendar").first()
    if exception is None:
        raise Http404("No such exception.")
    saved = calendar_exception_remove(viewer=viewer, exception=exception)
    _saved_message(request, "Exception removed.", saved)
    return redirect("web:calendar", calendar_id=row.pk)


@require_POST
@viewer_view
def calendar_remove(request: HtmxRequest, viewer: Viewer, calendar_id: int) -> HttpResponse:
    row = calendar_get(viewer, calendar_id)
    try:
        calendar_delete(viewer=viewer, calendar=row)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        messages.error(request, error.message)
        return redirect("web:calendar", calendar_id=row.pk)
    messages.success(request, f"Calendar {row.name} deleted.")
    return redirect("web:calendars")


@viewer_view
def calendar_subdivisions(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """The subdivision select for the chosen country (htmx swaps it in when the country changes)."""
    country = request.GET.get("country", "")[:2].upper()
    form = CalendarWeekForm(initial={"country": country}, parents=[], country=country)
    return render(request, "web/calendars/detail.html#subdivision", {"week_form": form})
