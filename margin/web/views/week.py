"""My week: a grid of (project, task) rows × 7 days, saved cell by cell with htmx, then submitted."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer, company_locked_through, people_visible
from margin.core.errors import DomainError, NotFound
from margin.core.periods import week_start
from margin.projects.models import Task
from margin.projects.queries import task_get
from margin.resourcing.queries.time_off import DayOff, time_off_days
from margin.timesheets.actions import time_entries_submit, week_cell_set
from margin.timesheets.models import TimeEntry
from margin.timesheets.queries import (
    Week,
    WeekRow,
    capacity_of,
    tasks_open_to,
    week_of,
    week_subject_get,
)
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms import WeekCellForm
from margin.web.pages import page

SEARCH_LIMIT = 20


@dataclass(frozen=True)
class Day:
    index: int
    date: date
    total: int
    capacity: int
    off: DayOff | None = None  # time off that day (approved, or waiting for approval)

    @property
    def over(self) -> bool:
        """More than the day's capacity (weekends have none, so they are never flagged)."""
        return 0 < self.capacity < self.total

    @property
    def fill_pct(self) -> int:
        if self.capacity <= 0:
            return 100 if self.total else 0
        return min(100, round(100 * self.total / self.capacity))


def _extra_task_ids(person_id: int, raw: list[str]) -> list[int]:
    """Rows asked for with ?add=<task id>: only tasks the person may log time on."""
    ids = {int(value) for value in raw if value.isdigit() and len(value) < 19}
    if not ids:
        return []
    return list(tasks_open_to(person_id).filter(id__in=ids).values_list("id", flat=True))


@dataclass(frozen=True)
class Subject:
    """Whose week the grid shows: the viewer's own, or (`other`) someone they may log time for."""

    person_id: int
    other: Person | None = None

    @property
    def query(self) -> str:
        """What every link and form of the grid carries to stay on the same person's week."""
        return f"person={self.other.pk}" if self.other else ""


def _subject(viewer: Viewer, raw: str | None) -> Subject | None:
    """The person asked for with `person=<id>` (`timesheets.queries.week_subject_get`: a 404 for strangers, a
    403 without the permission), else the viewer (None when they have no person record)."""
    if raw and not (raw.isdigit() and len(raw) <= 18):
        raise NotFound("No such person.")
    person = week_subject_get(viewer, int(raw) if raw else None)
    if person is None:
        return None
    return Subject(person.pk, person if person.pk != viewer.person_id else None)


def _people_to_log_for(viewer: Viewer) -> list[Person]:
    """The picker of whose week to show: only for those who may log time for others."""
    if not (viewer.is_admin or viewer.can_log_for_others):
        return []
    return list(people_visible(viewer).filter(active=True).select_related(None).order_by("name").only("id", "name"))


def week_context(person_id: int, monday: date, extra_task_ids: list[int] | None = None) -> dict[str, Any]:
    # When the state below was read (µs, before reading it): two quick saves can answer out of order,
    # and week.js keeps the totals of the later read (every commit before `rev` is in them).
    rev = time.time_ns() // 1000
    week: Week = week_of(person_id, monday, extra_task_ids=extra_task_ids)
    submit_period, through = _company_policy(person_id)
    weekly, per_day = capacity_of(person_id, week.days)
    away = time_off_days([person_id], week.days[0], week.days[-1]).get(person_id, {})
    days = [
        Day(i, d, total, capacity, away.get(d))
        for i, (d, total, capacity) in enumerate(zip(week.days, week.day_totals, per_day, strict=True))
    ]
    draft_minutes = sum(
        c.minutes for r in week.rows for c in r.cells if c.status in ("draft", "rejected") and r.task_id is not None
    )
    return {
        "week": week,
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "days": days,
        "today": timezone.localdate(),
        "cell_url": reverse("web:week_cell"),  # once, not once per cell (the grid renders ~60 cells)
        "weekly_capacity": weekly,
        "week_over": 0 < weekly < week.total,
        "week_left": max(weekly - week.total, 0),
        "week_over_by": max(week.total - weekly, 0) if weekly else 0,
        "row_task_ids": [row.task_id for row in week.rows if row.task_id is not None],
        "draft_minutes": draft_minutes,
        "previous_monday": monday - timedelta(days=7),
        "next_monday": monday + timedelta(days=7),
        "this_monday": week_start(timezone.localdate()),
        "submit_period": submit_period,
        "rev": rev,
        # The banner over the grid; the cells themselves are greyed by their own project's company.
        "closed_through": through if through is not None and through >= monday else None,
    }


def _company_policy(person_id: int) -> tuple[str, date | None]:
    """What the person's company says about the grid: submit by "week" or "month", and its lock date."""
    row = Company.objects.filter(people__id=person_id).values_list("pk", "submit_period").first()
    if row is None:
        return "week", None
    return row[1], company_locked_through(row[0])


def _context(subject: Subject, monday: date, extra_task_ids: list[int] | None = None) -> dict[str, Any]:
    return {**week_context(subject.person_id, monday, extra_task_ids), "subject": subject}


def _grid(
    request: HtmxRequest, subject: Subject, monday: date, extra: dict[str, Any], status: int = 200
) -> HttpResponse:
    context = {**_context(subject, monday), **extra}
    return render(request, "web/week/week.html#grid", context, status=status)


def _last_week_task_ids(person_id: int, monday: date) -> list[int]:
    """The tasks of last week's rows that are still open to the person (rows only: no hours copied)."""
    previous = monday - timedelta(days=7)
    logged = TimeEntry.objects.filter(
        person_id=person_id, work_date__range=(previous, previous + timedelta(days=6)), task__isnull=False
    ).values("task_id")
    return list(tasks_open_to(person_id).filter(id__in=logged).values_list("id", flat=True))


@viewer_view
def week(request: HtmxRequest, viewer: Viewer, day: date | None = None) -> HttpResponse:
    monday = week_start(day or timezone.localdate())
    subject = _subject(viewer, request.GET.get("person"))
    people = _people_to_log_for(viewer)
    if subject is None:
        context = {"no_person": True, "monday": monday, "people": people}
        return page(request, viewer, "web/week/week.html", context, active="week")
    extra = _extra_task_ids(subject.person_id, request.GET.getlist("add"))
    notice: dict[str, Any] = {}
    if request.GET.get("copy") == "last":
        copied = _last_week_task_ids(subject.person_id, monday)
        extra = sorted({*extra, *copied})
        notice = (
            {
                "notice": f"Copied {len(copied)} {'row' if len(copied) == 1 else 'rows'} from last week (no hours).",
                "notice_level": "success",
            }
            if copied
            else {"notice": "Last week has no rows on tasks still open to you.", "notice_level": "warning"}
        )
    context = {**_context(subject, monday, extra), **notice, "people": people}
    # A row added by following its link as a plain page (before htmx took the link over): its first day gets
    # the caret, as after the htmx swap.
    focus = request.GET.get("focus", "")
    context["focus_task"] = int(focus) if focus.isdigit() and int(focus) in extra else None
    if request.htmx and request.htmx.target == "week-grid":
        return render(request, "web/week/week.html#grid", context)
    return page(request, viewer, "web/week/week.html", context, active="week")


def _ids(raw: list[str]) -> set[int]:
    return {int(value) for value in raw if value.isdigit() and len(value) < 19}


@viewer_view
def week_task_search(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """Type-ahead over the tasks open to the grid's person: by task, project code or name, or client.
    `for=timer` lists them as timer starts (always the viewer's own); otherwise as "add this row"
    links of the week being shown."""
    purpose = "timer" if request.GET.get("for") == "timer" else "row"
    subject = _subject(viewer, request.GET.get("person") if purpose == "row" else None)
    if subject is None:
        raise NotFound("You have no person record to log time as.")
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    shown = _ids(request.GET.getlist("add"))
    try:
        monday = week_start(date.fromisoformat(request.GET.get("week", "")))
    except ValueError:
        monday = week_start(timezone.localdate())
    tasks = tasks_open_to(subject.person_id).select_related("project__client")
    for word in query.split()[:5]:
        tasks = tasks.filter(
            Q(name__icontains=word)
            | Q(project__code__icontains=word)
            | Q(project__name__icontains=word)
            | Q(project__client__name__icontains=word)
        )
    if purpose == "row":
        tasks = tasks.exclude(id__in=shown)
    found = list(tasks[: SEARCH_LIMIT + 1])
    context = {
        "tasks": found[:SEARCH_LIMIT],
        "more": len(found) > SEARCH_LIMIT,
        "query": query,
        "purpose": purpose,
        "monday": monday,
        "shown": sorted(shown),
        "subject": subject,
    }
    return render(request, "web/week/search.html", context)


def _cell_response(
    request: HtmxRequest,
    subject: Subject,
    task: Task,
    work_date: date,
    *,
    error: str = "",
    typed: str = "",
    status: int = 200,
) -> HttpResponse:
    """The cell (swapped in place) and, after a save, the totals it changes (out-of-band swaps)."""
    monday = week_start(work_date)
    context = _context(subject, monday, [task.pk])
    row: WeekRow = next(r for r in context["week"].rows if r.task_id == task.pk)
    context.update(
        row=row,
        cell=row.cells[(work_date - monday).days],
        error=error,
        typed=typed,
        saved=not error,
    )
    return render(request, "web/week/cell.html", context, status=status)


@require_POST
@viewer_view
def week_cell(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    form = WeekCellForm(request.POST)
    subject = _subject(viewer, request.POST.get("person"))
    if subject is None:
        raise NotFound("You have no person record to log time as.")
    if not form.is_valid() and ("task" in form.errors or "date" in form.errors):
        raise NotFound("No such cell.")
    task = task_get(viewer, form.cleaned_data["task"])
    work_date: date = form.cleaned_data["date"]
    typed = request.POST.get("value", "").replace("\x00", "")

    def refused(message: str, status: int = 422) -> HttpResponse:
        return _cell_response(request, subject, task, work_date, error=message, typed=typed, status=status)

    if not form.is_valid():
        return refused(str(next(iter(form.errors.values()))[0]))
    note = form.cleaned_data.get("note") if "note" in request.POST else None
    if note and not form.cleaned_data["value"]:
        return refused("Enter the time first: a note goes with the hours of a day.")
    try:
        week_cell_set(
            viewer=viewer,
            task=task,
            work_date=work_date,
            minutes=form.cleaned_data["value"],
            note=note,
            person=subject.other,
        )
    except DomainError as error:
        return refused(error.message, error.status)
    return _cell_response(request, subject, task, work_date)


@require_POST
@viewer_view
def week_submit(request: HtmxRequest, viewer: Viewer, day: date) -> HttpResponse:
    monday = week_start(day)
    subject = _subject(viewer, request.POST.get("person"))
    if subject is None:
        raise NotFound("You have no person record to log time as.")
    try:
        count = time_entries_submit(viewer=viewer, day=monday, person=subject.other)
    except DomainError as error:
        if request.htmx:
            return _grid(request, subject, monday, {"notice": error.message, "notice_level": "danger"}, error.status)
        context = {**_context(subject, monday), "notice": error.message, "notice_level": "danger"}
        return page(request, viewer, "web/week/week.html", context, active="week", status=error.status)
    notice = f"Submitted {count} {'entry' if count == 1 else 'entries'} for approval."
    if request.htmx:
        return _grid(request, subject, monday, {"notice": notice, "notice_level": "success"})
    messages.success(request, notice)
    url = reverse("web:week_on", args=[monday])
    return redirect(f"{url}?{subject.query}" if subject.other else url)
