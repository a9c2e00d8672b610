"""The approvals inbox: submitted time the viewer approves, grouped by person and week.

Filters (project, person, week, over capacity), pages of person-weeks, per-entry approve or reject
(with a reason), bulk approve of the chosen entries or of everything the filters match, and each
person's whole week in context. Who may decide what is the actions' business
(`timesheets.actions.time_entries_approve/reject`); this module only gathers and shows.

A page costs a fixed number of queries whatever the number of waiting entries: the person-weeks
are one grouped query, their week totals another, and only the page's groups are read in full.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import reduce
from operator import or_
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncWeek
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core.errors import DomainError, Invalid
from margin.core.periods import week_days, week_start
from margin.projects.models import Project
from margin.projects.queries import projects_visible
from margin.timesheets.actions import time_entries_approve, time_entries_reject
from margin.timesheets.models import EntryStatus, TimeEntry
from margin.timesheets.queries import approvals_pending
from margin.web.access import HtmxRequest, require_approver, viewer_view
from margin.web.forms import DecisionForm
from margin.web.pages import page

GROUPS_PER_PAGE = 10  # person-weeks: up to ~250 entries a page, each with its own buttons
MAX_IDS = 50_000  # one bulk approval; far above a real inbox, keeps a request bounded


# --- filters -----------------------------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


def _monday(value: str | None) -> date | None:
    try:
        return week_start(date.fromisoformat(value or ""))
    except ValueError:
        return None


@dataclass(frozen=True)
class Filters:
    project_id: int | None = None
    person_id: int | None = None
    week: date | None = None
    over: bool = False
    page: int = 1

    @classmethod
    def of(cls, data: QueryDict) -> Filters:
        """Read from a query string or a posted form; anything malformed is simply not a filter."""
        return cls(
            project_id=_int(data.get("project")),
            person_id=_int(data.get("person")),
            week=_monday(data.get("week")),
            over=data.get("over") in ("1", "on", "true"),
            page=_int(data.get("page")) or 1,
        )

    def params(self, **change: Any) -> dict[str, str]:
        values = {
            "project": self.project_id or "",
            "person": self.person_id or "",
            "week": self.week.isoformat() if self.week else "",
            "over": "1" if self.over else "",
            "page": self.page if self.page > 1 else "",
        }
        values.update(change)
        return {k: str(v) for k, v in values.items() if v not in ("", None)}

    def query(self, **change: Any) -> str:
        return urlencode(self.params(**change))

    @property
    def base_query(self) -> str:
        """The filters without the page number (for page links)."""
        return self.query(page="")

    @property
    def active(self) -> bool:
        return bool(self.project_id or self.person_id or self.week or self.over)


def filtered(viewer: Viewer, filters: Filters) -> Any:
    entries = approvals_pending(viewer)
    if filters.project_id:
        entries = entries.filter(project_id=filters.project_id)
    if filters.person_id:
        entries = entries.filter(person_id=filters.person_id)
    if filters.week:
        entries = entries.filter(work_date__range=(filters.week, filters.week + timedelta(days=6)))
    return entries


# --- the inbox ---------------------------------------------------------------------------------------


@dataclass
class ContextCell:
    minutes: int = 0  # shown: everything logged in the cell
    counted: int = 0  # totalled: rejected time does not count
    status: str = ""
    decidable: bool = False


_STATE_ORDER = [EntryStatus.REJECTED, EntryStatus.DRAFT, EntryStatus.SUBMITTED, EntryStatus.APPROVED]


@dataclass
class ContextRow:
    """One row of the person's week in context: a project and task, or the projects the viewer cannot see."""

    label: str
    sublabel: str
    cells: list[ContextCell]
    hidden: bool = False

    @property
    def total(self) -> int:
        return sum(c.counted for c in self.cells)

    def add(self, day: int, minutes: int, status: str, decidable: bool) -> None:
        cell = self.cells[day]
        cell.minutes += minutes
        cell.counted += 0 if status == EntryStatus.REJECTED else minutes
        cell.decidable = cell.decidable or decidable
        if not cell.status or _STATE_ORDER.index(EntryStatus(status)) < _STATE_ORDER.index(EntryStatus(cell.status)):
            cell.status = status


@dataclass
class Group:
    """One person's waiting entries of one week (as far as the filters let them through)."""

    person_id: int
    person_name: str
    capacity: int
    monday: date
    count: int
    minutes: int
    billable_minutes: int
    week_minutes: int = 0  # everything the person logged that week (not rejected), all projects
    entries: list[TimeEntry] = field(default_factory=list)
    selectable: int = 0
    context: list[ContextRow] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.person_id}-{self.monday:%Y%m%d}"

    @property
    def total_minutes(self) -> int:
        return self.minutes

    @property
    def over_capacity(self) -> bool:
        return self.week_minutes > self.capacity

    @property
    def days(self) -> list[date]:
        return week_days(self.monday)

    @property
    def day_totals(self) -> list[int]:
        return [sum(r.cells[i].counted for r in self.context) for i in range(7)]

    @property
    def context_total(self) -> int:
        return sum(r.total for r in self.context)


def _own_person_id(viewer: Viewer) -> int | None:
    return None if viewer.is_admin else viewer.person_id


def _person_weeks(groups: Iterable[Group]) -> Q:
    """Entries of the given person-weeks (an OR of one range per group)."""
    conditions = [Q(person_id=g.person_id, work_date__range=(g.monday, g.monday + timedelta(days=6))) for g in groups]
    return reduce(or_, conditions) if conditions else Q(pk__in=[])


def all_groups(viewer: Viewer, filters: Filters) -> list[Group]:
    """Every waiting person-week that passes the filters, with its week total (two queries)."""
    rows = (
        filtered(viewer, filters)
        .order_by()
        .annotate(monday=TruncWeek("work_date"))
        .values("person_id", "person__name", "person__weekly_capacity_minutes", "monday")
        .annotate(n=Count("id"), waiting=Sum("minutes"), waiting_billable=Sum("minutes", filter=Q(billable=True)))
        .order_by("monday", "person__name", "person_id")
    )
    groups = [
        Group(
            person_id=r["person_id"],
            person_name=r["person__name"],
            capacity=r["person__weekly_capacity_minutes"],
            monday=_as_date(r["monday"]),
            count=r["n"],
            minutes=int(r["waiting"] or 0),
            billable_minutes=int(r["waiting_billable"] or 0),
        )
        for r in rows
    ]
    if not groups:
        return groups
    first, last = min(g.monday for g in groups), max(g.monday for g in groups) + timedelta(days=6)
    totals = (
        TimeEntry.objects.filter(person_id__in={g.person_id for g in groups}, work_date__range=(first, last))
        .exclude(status=EntryStatus.REJECTED)
        .annotate(monday=TruncWeek("work_date"))
        .values("person_id", "monday")
        .annotate(total=Sum("minutes"))
        .order_by()
    )
    by_key = {(t["person_id"], _as_date(t["monday"])): int(t["total"] or 0) for t in totals}
    for g in groups:
        g.week_minutes = by_key.get((g.person_id, g.monday), 0)
    if filters.over:
        groups = [g for g in groups if g.over_capacity]
    return groups


def _as_date(value: date) -> date:
    """TruncWeek gives a date (a datetime on some backends): the day."""
    return value.date() if isinstance(value, datetime) else value


def fill_groups(viewer: Viewer, filters: Filters, groups: Sequence[Group]) -> None:
    """Load the entries and the week in context of the groups shown (four queries for any page)."""
    if not groups:
        return
    where = _person_weeks(groups)
    by_key = {(g.person_id, g.monday): g for g in groups}
    own = _own_person_id(viewer)
    entries = (
        filtered(viewer, filters)
        .filter(where)
        .order_by("person__name", "person_id", "work_date", "project__code", "id")
    )
    for entry in entries:
        group = by_key[(entry.person_id, week_start(entry.work_date))]
        entry.selectable = own is None or entry.person_id != own
        group.entries.append(entry)
        group.selectable += int(entry.selectable)
    pending = list(approvals_pending(viewer).filter(where).values_list("id", "project_id"))
    decidable = {pk for pk, _ in pending}
    week_entries = list(
        TimeEntry.objects.filter(where)
        .order_by("project__code", "task__position", "task_id", "work_date", "id")
        .values_list(
            "id",
            "person_id",
            "work_date",
            "project_id",
            "project__code",
            "project__name",
            "task__name",
            "minutes",
            "status",
        )
    )
    # Projects named in the grid: those the viewer can see, and those they approve (a delegate's).
    seen = set(projects_visible(viewer).filter(id__in={r[3] for r in week_entries}).values_list("id", flat=True))
    seen |= {project_id for _, project_id in pending}
    rows: dict[tuple[int, date], dict[tuple[int, str] | None, ContextRow]] = {}
    for pk, person_id, work_date, project_id, code, name, task_name, minutes, status in week_entries:
        monday = week_start(work_date)
        grid = rows.setdefault((person_id, monday), {})
        if project_id in seen:
            key: tuple[int, str] | None = (project_id, task_name or "")
            row = grid.get(key)
            if row is None:
                row = grid[key] = ContextRow(code, f"{name} · {task_name or '—'}", [ContextCell() for _ in range(7)])
        else:
            key = None
            row = grid.get(key)
            if row is None:
                row = grid[key] = ContextRow(
                    "Other projects", "not visible to you", [ContextCell() for _ in range(7)], hidden=True
                )
        mine = pk in decidable and (own is None or person_id != own)
        row.add((work_date - monday).days, minutes, status, mine)
    for (person_id, monday), grid in rows.items():
        shown = by_key.get((person_id, monday))
        if shown is not None:
            shown.context = sorted(grid.values(), key=lambda r: (r.hidden, r.label, r.sublabel))


@dataclass
class Choice:
    value: str
    label: str


def filter_choices(viewer: Viewer) -> dict[str, list[Choice]]:
    """What the filters offer: the projects, people and weeks that have time waiting (three queries)."""
    pending = approvals_pending(viewer).order_by()
    projects = (
        Project.objects.filter(id__in=pending.values("project_id")).order_by("code").values_list("id", "code", "name")
    )
    people = Person.objects.filter(id__in=pending.values("person_id")).order_by("name").values_list("id", "name")
    weeks = sorted(
        {
            _as_date(m)
            for m in pending.annotate(monday=TruncWeek("work_date")).values_list("monday", flat=True).distinct()
        }
    )
    return {
        "projects": [Choice(str(i), f"{code} {name}") for i, code, name in projects],
        "people": [Choice(str(i), name) for i, name in people],
        "weeks": [Choice(m.isoformat(), f"Week of {m:%a %-d %b %Y}") for m in reversed(weeks)],
    }


def _context(viewer: Viewer, filters: Filters, **extra: Any) -> dict[str, Any]:
    groups = all_groups(viewer, filters)
    paginator = Paginator(groups, GROUPS_PER_PAGE)
    page_obj: Page[Group] = paginator.get_page(filters.page)
    shown = list(page_obj.object_list)
    fill_groups(viewer, filters, shown)
    return {
        "groups": shown,
        "page_obj": page_obj,
        "filters": filters,
        "choices": filter_choices(viewer),
        "pending_count": sum(g.count for g in groups),
        "group_count": len(groups),
        "over_count": sum(1 for g in groups if g.over_capacity),
        "own_person_id": _own_person_id(viewer),
        "approve_url": reverse("web:approvals_approve"),
        "reject_url": reverse("web:approvals_reject"),
        **extra,
    }


@viewer_view
def approvals(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_approver(viewer)
    filters = Filters.of(request.GET)
    context = _context(viewer, filters)
    if request.htmx and request.htmx.target == "approvals":
        return render(request, "web/approvals/approvals.html#pending", context)
    return page(request, viewer, "web/approvals/approvals.html", context, active="approvals")


# --- decisions ---------------------------------------------------------------------------------------


def _posted_ids(values: Iterable[str]) -> list[int]:
    ids = []
    for value in values:
        number = _int(value)
        ids.append(number if number is not None else -1)  # -1: never pending, so the form refuses it
    return ids


def _filtered_ids(viewer: Viewer, filters: Filters) -> list[int]:
    """Every entry the filters match that this viewer may decide (the over-capacity filter included)."""
    groups = all_groups(viewer, filters)
    if not groups:
        return []
    keys = {(g.person_id, g.monday) for g in groups}
    rows = filtered(viewer, filters).order_by().values_list("id", "person_id", "work_date")
    own = _own_person_id(viewer)
    return [
        pk
        for pk, person_id, work_date in rows
        if (person_id, week_start(work_date)) in keys and (own is None or person_id != own)
    ][:MAX_IDS]


def _decide(
    request: HtmxRequest,
    viewer: Viewer,
    *,
    reject: bool,
    act: Callable[[Sequence[int], str], int],
    verb: str,
) -> HttpResponse:
    require_approver(viewer)
    filters = Filters.of(request.POST)
    one = request.POST.get("one")
    data = request.POST.copy()
    if one is not None:  # the button of one row: only that entry, with that row's reason
        data.setlist("entry", [one])
        data["reason"] = request.POST.get(f"reason_{one}", "")
    form: DecisionForm | None = None
    problems: list[str] = []
    status, notice = 422, ""
    try:
        if one is None and request.POST.get("scope") == "filtered" and not reject:
            # Everything the filters match, across all pages: the ids come from the server itself.
            ids = _filtered_ids(viewer, filters)
            if not ids:
                raise Invalid("Nothing that matches these filters is waiting for your approval.")
            count = act(ids, "")
        else:
            posted = [i for i in _posted_ids(data.getlist("entry"))[:MAX_IDS] if i > 0]
            pending_ids = list(approvals_pending(viewer).filter(id__in=posted).values_list("id", flat=True))
            form = DecisionForm(data, entry_ids=pending_ids, reason_required=reject)
            if not form.is_valid():
                raise _FormInvalid
            count = act(form.cleaned_data["entry"], form.cleaned_data["reason"])
    except _FormInvalid:
        pass
    except DomainError as error:
        problems.append(error.message)
        status = error.status
    else:
        notice = f"{verb} {count} {'entry' if count == 1 else 'entries'}."
        status = 200
    failed = status != 200
    context = _context(
        viewer,
        filters,
        form=form if failed else None,
        errors=[*_errors(form), *problems] if failed else [],
        notice=notice,
        selected=set(request.POST.getlist("entry")) if failed else set(),
        reason=request.POST.get("reason", "") if failed and one is None else "",
        open_reject=_int(one) if failed and reject and one is not None else None,
        row_reason=data.get("reason", "") if failed and one is not None else "",
    )
    if request.htmx:
        return render(request, "web/approvals/approvals.html#pending", context, status=status)
    return page(request, viewer, "web/approvals/approvals.html", context, active="approvals", status=status)


class _FormInvalid(Exception):
    pass


def _errors(form: DecisionForm | None) -> list[str]:
    """The messages to show above the inbox (a missing reason is shown at its input instead)."""
    if form is None:
        return []
    return [*form.non_field_errors(), *form.errors.get("entry", [])]


@require_POST
@viewer_view
def approve(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    return _decide(
        request,
        viewer,
        reject=False,
        act=lambda ids, _reason: time_entries_approve(viewer=viewer, entry_ids=ids),
        verb="Approved",
    )


@require_POST
@viewer_view
def reject(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    return _decide(
        request,
        viewer,
        reject=True,
        act=lambda ids, reason: time_entries_reject(viewer=viewer, entry_ids=ids, reason=reason),
        verb="Rejected",
    )
