"""The resource heatmap (Resources → Heatmap): people × weeks coloured by load, filters, a cell's bookings, and a
person's row opened to drag a booking (move) or its end (resize).

Views only translate: the read is :func:`margin.reporting.heatmap.heatmap`, the write
:func:`margin.resourcing.actions.booking_move`; a refused move answers the person's rows unchanged with the
message (409/422/403), an accepted one the person's rows redrawn (cells, their load over the coming weeks, the
bars) with any warning. static/web/heatmap.js does the dragging and sends the move through htmx.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from margin.accounts.queries import Viewer, companies_visible, roles_visible
from margin.core.errors import DomainError, Invalid, NotFound
from margin.projects.models import ProjectStatus
from margin.projects.queries import projects_visible
from margin.reporting.heatmap import DEFAULT_WEEKS, MAX_WEEKS, Heatmap, HeatRow, heatmap, person_week
from margin.resourcing.actions import booking_move
from margin.resourcing.models import Skill
from margin.resourcing.queries import booking_get, can_see_resources, monday_of
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms_firm import StyledForm
from margin.web.pages import page
from margin.web.views.settings import checked_id

ACTIVE = "resources"


def set_choices(form: forms.Form, name: str, choices: list[tuple[object, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class HeatmapFilter(StyledForm):
    start = forms.DateField(label="From the week of", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    weeks = forms.IntegerField(
        label="Weeks",
        required=False,
        min_value=1,
        max_value=MAX_WEEKS,
        widget=forms.NumberInput(attrs={"placeholder": "12"}),
    )
    role = forms.TypedChoiceField(label="Role", required=False, coerce=int, empty_value=None)
    skill = forms.TypedChoiceField(label="Skill", required=False, coerce=int, empty_value=None)
    company = forms.TypedChoiceField(label="Company", required=False, coerce=int, empty_value=None)
    project = forms.TypedChoiceField(label="Project", required=False, coerce=int, empty_value=None)

    def __init__(self, viewer: Viewer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anyone: list[tuple[object, str]] = [("", "Any")]
        set_choices(self, "role", anyone + [(r.pk, r.name) for r in roles_visible(viewer).order_by("name")])
        skills = Skill.objects.filter(organisation_id=viewer.organisation_id).order_by("name")
        set_choices(self, "skill", anyone + [(s.pk, s.name) for s in skills])
        set_choices(self, "company", anyone + [(c.pk, c.name) for c in companies_visible(viewer)])
        projects = (
            projects_visible(viewer)
            .filter(is_template=False, archived_at__isnull=True)
            .exclude(status=ProjectStatus.CLOSED)
            .order_by("code", "name")
        )
        set_choices(self, "project", anyone + [(p.pk, f"{p.code} {p.name}".strip()) for p in projects])


def _window(data: Any) -> tuple[date | None, int]:
    """The window a drag or an opened row keeps (start, weeks) from the request; bad values fall back."""
    start: date | None = None
    try:
        start = date.fromisoformat(str(data.get("start", "")))
    except ValueError:
        start = None
    raw = str(data.get("weeks", ""))
    weeks = int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_WEEKS else DEFAULT_WEEKS
    return start, weeks


def heat_line(row: HeatRow, *, base: str, start: date, weeks: int, opened: bool) -> SafeString:
    """A person's row of cells, written here rather than by the template: 500 people × 26 weeks is 13,000 cells,
    which the template language renders in a second and this in a few milliseconds. Names are escaped; every
    other value is a number or a fixed word."""
    toggle = f"{base}people/{row.id}/?start={start:%Y-%m-%d}&amp;weeks={weeks}" + ("&amp;open=0" if opened else "")
    out = [
        '<th class="heat-name"><button type="button" class="btn btn-link p-0 text-reset fw-semibold heat-toggle" '
        f'data-testid="heat-toggle" aria-expanded="{"true" if opened else "false"}" hx-get="{toggle}" '
        f'hx-target="#heat-person-{row.id}" hx-swap="outerHTML">{escape(row.member.name)}</button>'
        f'<div class="small text-secondary">{escape(row.member.role)}</div></th>'
    ]
    for i, c in enumerate(row.cells):
        percent = c.percent
        out.append(
            f'<td class="heat heat-{c.level}{" heat-past" if c.past else ""}" data-i="{i}" '
            f'title="{c.hours} h {"recorded" if c.past else "booked"} of {c.capacity_hours} h">'
            f"{percent if percent else ''}</td>"
        )
    load = row.load_pct
    out.append(
        '<td class="text-end text-nowrap" data-testid="heat-load" title="Bookings of capacity over the coming weeks '
        f'shown">{"–" if load is None else f"{load} %"}</td>'
    )
    return mark_safe("".join(out))  # noqa: S308 - the names are escaped, everything else is a number or a word


def _context(viewer: Viewer, found: Heatmap, *, opened: bool = False) -> dict[str, Any]:
    base = reverse("web:heatmap")
    start, weeks = found.weeks[0], len(found.weeks)
    return {
        "map": found,
        "start": start,
        "weeks": weeks,
        "can_move": can_see_resources(viewer),
        "lines": [(row, heat_line(row, base=base, start=start, weeks=weeks, opened=opened)) for row in found.rows],
    }


@viewer_view
def heatmap_view(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    form = HeatmapFilter(viewer, request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "first_monday": data["start"],
            "weeks": data["weeks"] or DEFAULT_WEEKS,
            "role_id": data["role"],
            "skill_id": data["skill"],
            "company_id": data["company"],
            "project_id": data["project"],
        }
    found = heatmap(viewer, **filters)
    context = {**_context(viewer, found), "form": form, "filtered": bool(filters)}
    status = 422 if form.is_bound and form.errors else 200
    return page(request, viewer, "web/resources/heatmap.html", context, active=ACTIVE, status=status)


def _person_rows(
    request: HtmxRequest,
    viewer: Viewer,
    person_id: int,
    start: date | None,
    weeks: int,
    *,
    message: str = "",
    warnings: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    found = heatmap(viewer, first_monday=start, weeks=weeks, person_ids=[person_id], with_bars=True)
    if not found.rows:
        raise NotFound("No such person.")
    context = {
        **_context(viewer, found, opened=True),
        "row": found.rows[0],
        "open": True,
        "message": message,
        "warnings": warnings or [],
    }
    return render(request, "web/resources/_heat_person.html", context, status=status)


@viewer_view
def heatmap_person(request: HtmxRequest, viewer: Viewer, person_id: int) -> HttpResponse:
    """A person's rows opened (with their bookings as bars), or closed again (``open=0``)."""
    start, weeks = _window(request.GET)
    if request.GET.get("open") == "0":
        found = heatmap(viewer, first_monday=start, weeks=weeks, person_ids=[checked_id(person_id)])
        if not found.rows:
            raise NotFound("No such person.")
        context = {**_context(viewer, found), "row": found.rows[0], "open": False}
        return render(request, "web/resources/_heat_person.html", context)
    return _person_rows(request, viewer, checked_id(person_id), start, weeks)


@viewer_view
def heatmap_week(request: HtmxRequest, viewer: Viewer, person_id: int, monday: date) -> HttpResponse:
    """A cell opened: that person's bookings that week."""
    member, cell, bookings = person_week(viewer, person_id=checked_id(person_id), monday=monday)
    context = {"member": member, "cell": cell, "bookings": bookings, "monday": monday_of(monday)}
    return render(request, "web/resources/_heat_week.html", context)


def _int(data: Any, name: str) -> int:
    raw = str(data.get(name, "0")).strip()
    try:
        value = int(raw)
    except ValueError:
        raise Invalid("Move a booking by whole days.", field=name) from None
    if abs(value) > 3 * 366:
        raise Invalid("Move a booking by at most three years.", field=name)
    return value


@require_POST
@viewer_view
def heatmap_move(request: HtmxRequest, viewer: Viewer, booking_id: int) -> HttpResponse:
    """Drag (``shift_days``) or resize (``resize_days``) a booking; answers the person's rows redrawn."""
    booking = booking_get(viewer, checked_id(booking_id))
    start, weeks = _window(request.POST)
    person_id = booking.person_id
    if person_id is None:
        raise Invalid("A placeholder has no row on the heatmap.", field="booking_id")
    try:
        saved = booking_move(
            viewer=viewer,
            booking=booking,
            shift_days=_int(request.POST, "shift_days"),
            resize_days=_int(request.POST, "resize_days"),
        )
    except DomainError as refused:
        return _person_rows(request, viewer, person_id, start, weeks, message=refused.message, status=refused.status)
    return _person_rows(request, viewer, person_id, start, weeks, warnings=saved.warnings)
