"""Staffing screens: a project's Staffing tab (demand, supply and actuals side by side per person and week; its
bookings with add, edit and delete; its staffing requests), and Resources → Staffing (open requests across
projects, ranked candidates with reasons and a Book button, "Staff all open requests" → the optimiser's progress
→ its proposal to accept or discard).

Views only translate: reads are :mod:`margin.reporting.staffing` and :mod:`margin.resourcing.queries`, writes the
resourcing actions; a refusal is a form error (or a message), never a 500.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from margin.accounts.models import Person
from margin.accounts.queries import Viewer, person_get, role_get, roles_visible
from margin.core.errors import DomainError
from margin.projects.models import Project
from margin.projects.queries import project_get
from margin.reporting.staffing import project_staffing
from margin.resourcing.actions import (
    BookingInput,
    RequestInput,
    booking_create,
    booking_delete,
    booking_update,
    staffing_plan_accept,
    staffing_plan_discard,
    staffing_request_cancel,
    staffing_request_create,
    staffing_request_fill,
)
from margin.resourcing.jobs import staffing_start
from margin.resourcing.models import (
    Booking,
    BookingKind,
    BookingUnit,
    RequestPriority,
    RequestStatus,
    Skill,
    StaffingPlan,
    StaffingPlanStatus,
)
from margin.resourcing.queries import (
    booking_get,
    can_see_resources,
    can_staff,
    candidates_for,
    require_can_see_resources,
    staffing_plan_get,
    staffing_plans_visible,
    staffing_request_get,
    staffing_requests_open,
    staffing_requests_visible,
)
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms_firm import StyledForm, refuse
from margin.web.pages import page
from margin.web.views.settings import checked_id

ACTIVE = "resources"
SKILL_ROWS = 3
BOOKING_FIELDS = {
    "person_id": "person",
    "role_id": "role",
    "minutes_per_day": "hours",
    "forced_reason": "forced_reason",
    "project_id": "__all__",
}


def _choices(form: forms.Form, name: str, choices: list[tuple[object, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _day(label: str) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}))


class BookingForm(StyledForm):
    person = forms.TypedChoiceField(label="Person", required=False, coerce=int, empty_value=None)
    role = forms.TypedChoiceField(
        label="Role (a placeholder without a person)", required=False, coerce=int, empty_value=None
    )
    first_day = _day("First day")
    last_day = _day("Last day")
    unit = forms.ChoiceField(label="Load", choices=BookingUnit.choices)
    hours = forms.DecimalField(
        label="Hours per day", required=False, min_value=Decimal("0.25"), max_value=24, decimal_places=2
    )
    percent = forms.IntegerField(label="% of capacity", required=False, min_value=1, max_value=500)
    kind = forms.ChoiceField(label="Kind", choices=BookingKind.choices)
    note = forms.CharField(label="Note", required=False, max_length=200)
    forced_reason = forms.CharField(label="Reason to book over capacity", required=False, max_length=1000)

    def __init__(self, viewer: Viewer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = Person.objects.filter(organisation_id=viewer.organisation_id, active=True).order_by("name")
        _choices(self, "person", [("", "— a placeholder —"), *((p.pk, p.name) for p in people)])
        _choices(
            self, "role", [("", "— their role —"), *((r.pk, r.name) for r in roles_visible(viewer).order_by("name"))]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("unit") == BookingUnit.HOURS and not data.get("hours"):
            self.add_error("hours", "Hours per day are needed.")
        if data.get("unit") == BookingUnit.PERCENT and not data.get("percent"):
            self.add_error("percent", "A share of capacity is needed.")
        return data


def _booking_input(viewer: Viewer, project: Project, data: dict[str, Any]) -> BookingInput:
    hours = data.get("hours")
    return BookingInput(
        project=project,
        person=person_get(viewer, data["person"]) if data.get("person") else None,
        role=role_get(viewer, data["role"]) if data.get("role") else None,
        first_day=data["first_day"],
        last_day=data["last_day"],
        unit=data["unit"],
        minutes_per_day=int(hours * 60) if data["unit"] == BookingUnit.HOURS and hours else None,
        percent=data.get("percent") if data["unit"] == BookingUnit.PERCENT else None,
        kind=data["kind"],
        note=data.get("note") or "",
        forced_reason=data.get("forced_reason") or "",
    )


def _booking_initial(b: Booking) -> dict[str, Any]:
    return {
        "person": b.person_id,
        "role": b.role_id,
        "first_day": b.first_day,
        "last_day": b.last_day,
        "unit": b.unit,
        "hours": Decimal(b.minutes_per_day or 0) / 60 if b.minutes_per_day else None,
        "percent": b.percent,
        "kind": b.kind,
        "note": b.note,
        "forced_reason": b.forced_reason,
    }


class RequestForm(StyledForm):
    role = forms.TypedChoiceField(label="Role", required=False, coerce=int, empty_value=None)
    first_day = _day("First day")
    last_day = _day("Last day")
    hours = forms.DecimalField(label="Hours per day", min_value=Decimal("0.25"), max_value=24, decimal_places=2)
    priority = forms.TypedChoiceField(label="Priority", coerce=int, choices=RequestPriority.choices, initial=2)
    note = forms.CharField(label="Note", required=False, max_length=2000)

    def __init__(self, viewer: Viewer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "role", [("", "Any role"), *((r.pk, r.name) for r in roles_visible(viewer).order_by("name"))])
        skills = [
            ("", "—"),
            *((s.pk, s.name) for s in Skill.objects.filter(organisation_id=viewer.organisation_id).order_by("name")),
        ]
        for i in range(1, SKILL_ROWS + 1):
            self.fields[f"skill_{i}"] = forms.TypedChoiceField(
                label=f"Skill {i}", required=False, coerce=int, empty_value=None, choices=skills
            )
            self.fields[f"level_{i}"] = forms.IntegerField(
                label="at least", required=False, min_value=1, max_value=5, initial=3
            )
            self.fields[f"skill_{i}"].widget.attrs["class"] = "form-select"
            self.fields[f"level_{i}"].widget.attrs["class"] = "form-control"

    def skill_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"skill_{i}"], self[f"level_{i}"]) for i in range(1, SKILL_ROWS + 1)]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("role", "first_day", "last_day", "hours", "priority", "note")]


def _request_input(viewer: Viewer, project: Project, data: dict[str, Any]) -> RequestInput:
    ids = {data[f"skill_{i}"]: data.get(f"level_{i}") or 1 for i in range(1, SKILL_ROWS + 1) if data.get(f"skill_{i}")}
    skills = {s.pk: s for s in Skill.objects.filter(organisation_id=viewer.organisation_id, pk__in=ids)}
    return RequestInput(
        project=project,
        role=role_get(viewer, data["role"]) if data.get("role") else None,
        first_day=data["first_day"],
        last_day=data["last_day"],
        minutes_per_day=int(data["hours"] * 60),
        priority=data["priority"],
        skills=[(skills[pk], level) for pk, level in ids.items() if pk in skills],
        note=data.get("note") or "",
    )


# --- the project's Staffing tab --------------------------------------------------------------------------------


def _start_of(request: HtmxRequest) -> date | None:
    try:
        return date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        return None


def _project_page(
    request: HtmxRequest,
    viewer: Viewer,
    project: Project,
    *,
    booking_form: BookingForm | None = None,
    request_form: RequestForm | None = None,
    show_force: bool = False,
    status: int = 200,
) -> HttpResponse:
    start = _start_of(request)
    staffing = project_staffing(project, first_monday=start)
    first = staffing.weeks[0]
    today = date.today()
    context = {
        "project": project,
        "tab": "staffing",
        "staffing": staffing,
        "earlier": (first - timedelta(weeks=4)).isoformat(),
        "later": (first + timedelta(weeks=4)).isoformat(),
        "bookings": list(project.bookings.select_related("person", "role").order_by("first_day", "id")),
        "requests": list(staffing_requests_visible(viewer).filter(project=project))
        if can_see_resources(viewer)
        else [],
        "can_staff": can_staff(viewer, project),
        "booking_form": booking_form
        or BookingForm(
            viewer,
            initial={
                "first_day": today,
                "last_day": today + timedelta(days=4),
                "unit": "hours",
                "hours": 8,
                "kind": "soft",
            },
        ),
        "request_form": request_form
        or RequestForm(
            viewer, initial={"first_day": today, "last_day": today + timedelta(weeks=4), "hours": 8, "priority": 2}
        ),
        "show_force": show_force,
    }
    return page(request, viewer, "web/staffing/project.html", context, active="projects", status=status)


@viewer_view
def project_staffing_view(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, checked_id(project_id))
    if request.method != "POST":
        return _project_page(request, viewer, project)
    if request.POST.get("form") == "request":
        form = RequestForm(viewer, request.POST)
        if not form.is_valid():
            return _project_page(request, viewer, project, request_form=form, status=422)
        try:
            staffing_request_create(viewer=viewer, data=_request_input(viewer, project, form.cleaned_data))
        except DomainError as error:
            refuse(
                form,
                error,
                {"role_id": "role", "minutes_per_day": "hours", "skills": "skill_1", "project_id": "__all__"},
            )
            return _project_page(request, viewer, project, request_form=form, status=form.refusal_status)
        messages.success(request, "Staffing request added.")
        return redirect("web:project_staffing", project.pk)
    booking_form = BookingForm(viewer, request.POST)
    if not booking_form.is_valid():
        return _project_page(request, viewer, project, booking_form=booking_form, status=422)
    try:
        saved = booking_create(viewer=viewer, data=_booking_input(viewer, project, booking_form.cleaned_data))
    except DomainError as error:
        refuse(booking_form, error, BOOKING_FIELDS)
        force = error.code == "overbooked"
        return _project_page(
            request, viewer, project, booking_form=booking_form, show_force=force, status=booking_form.refusal_status
        )
    messages.success(request, "Booked.")
    for warning in saved.warnings:
        messages.warning(request, warning)
    return redirect("web:project_staffing", project.pk)


@viewer_view
def booking_edit_view(request: HtmxRequest, viewer: Viewer, booking_id: int) -> HttpResponse:
    booking = booking_get(viewer, checked_id(booking_id))
    project = booking.project
    show_force = bool(booking.forced_reason)
    status = 200
    if request.method == "POST":
        form = BookingForm(viewer, request.POST)
        status = 422
        if form.is_valid():
            try:
                data = _booking_input(viewer, project, form.cleaned_data)
                saved = booking_update(viewer=viewer, booking=booking, data=data)
            except DomainError as error:
                refuse(form, error, BOOKING_FIELDS)
                status = form.refusal_status
                show_force = show_force or error.code == "overbooked"
            else:
                messages.success(request, "Booking changed.")
                for warning in saved.warnings:
                    messages.warning(request, warning)
                return redirect("web:project_staffing", project.pk)
    else:
        form = BookingForm(viewer, initial=_booking_initial(booking))
    context = {"project": project, "booking": booking, "form": form, "show_force": show_force, "tab": "staffing"}
    return page(request, viewer, "web/staffing/booking_edit.html", context, active="projects", status=status)


@require_POST
@viewer_view
def booking_delete_view(request: HtmxRequest, viewer: Viewer, booking_id: int) -> HttpResponse:
    booking = booking_get(viewer, checked_id(booking_id))
    project_id = booking.project_id
    try:
        booking_delete(viewer=viewer, booking=booking)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Booking removed.")
    return redirect("web:project_staffing", project_id)


# --- Resources → Staffing ----------------------------------------------------------------------------------------


@viewer_view
def staffing_view(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_can_see_resources(viewer)
    context = {
        "requests": list(staffing_requests_open(viewer)),
        "plans": list(staffing_plans_visible(viewer)[:5]),
    }
    return page(request, viewer, "web/staffing/staffing.html", context, active=ACTIVE)


@viewer_view
def staffing_candidates_view(request: HtmxRequest, viewer: Viewer, request_id: int) -> HttpResponse:
    found = candidates_for(viewer, staffing_request_get(viewer, checked_id(request_id)))
    context = {
        "found": found,
        "req": found.request,
        "can_staff": can_staff(viewer, found.request.project),
        "open": found.request.status == RequestStatus.OPEN,
    }
    return page(request, viewer, "web/staffing/candidates.html", context, active=ACTIVE)


@require_POST
@viewer_view
def staffing_fill_view(request: HtmxRequest, viewer: Viewer, request_id: int) -> HttpResponse:
    req = staffing_request_get(viewer, checked_id(request_id))
    raw = request.POST.get("person", "")
    try:
        person = person_get(viewer, int(raw)) if raw.isdigit() else None
        if person is None:
            messages.error(request, "Choose a person to book.")
            return redirect("web:staffing_candidates", req.pk)
        saved = staffing_request_fill(
            viewer=viewer, request=req, person=person, forced_reason=request.POST.get("forced_reason", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("web:staffing_candidates", req.pk)
    messages.success(request, f"{saved.booking.person} booked (hard) on {req.project.name}.")
    return redirect("web:staffing")


@require_POST
@viewer_view
def staffing_cancel_view(request: HtmxRequest, viewer: Viewer, request_id: int) -> HttpResponse:
    req = staffing_request_get(viewer, checked_id(request_id))
    try:
        staffing_request_cancel(viewer=viewer, request=req)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Request cancelled.")
    if request.POST.get("next") == "project":
        return redirect("web:project_staffing", req.project_id)
    return redirect("web:staffing")


@require_POST
@viewer_view
def staffing_plan_start_view(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    try:
        plan = staffing_start(viewer=viewer, requests=list(staffing_requests_open(viewer)))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("web:staffing")
    return redirect("web:staffing_plan", plan.pk)


def _plan_rows(plan: StaffingPlan, result: dict[str, Any]) -> tuple[list[dict[str, Any]], list[Any]]:
    """The proposal's pairs, each with its request (role, dates as days), and the requests left unstaffed."""
    requests = {r.pk: r for r in plan.requests.select_related("project", "role")}
    pairs = [
        {**pair, "request": requests.get(pair["request_id"])}
        for pair in result.get("pairs", [])
        if pair.get("request_id") in requests
    ]
    unfilled = [requests[i] for i in result.get("unfilled", []) if i in requests]
    return pairs, unfilled


def _plan_context(plan: StaffingPlan) -> dict[str, Any]:
    result: dict[str, Any] = plan.result or {}
    run = plan.job_run
    running = plan.status == StaffingPlanStatus.RUNNING
    gap = result.get("gap")
    pairs, unfilled = _plan_rows(plan, result) if not running else ([], [])
    return {
        "plan": plan,
        "running": running,
        "progress": (run.percent if run is not None else 0) if running else 100,
        "pairs": pairs,
        "unfilled": unfilled,
        "objective": result.get("objective"),
        "bound": result.get("bound"),
        "gap_pct": None if gap is None else round(100 * float(gap), 2),
        "optimal": result.get("optimal"),
        "error": result.get("error"),
        "proposed": plan.status == StaffingPlanStatus.PROPOSED,
    }


@viewer_view
def staffing_plan_view(request: HtmxRequest, viewer: Viewer, plan_id: int) -> HttpResponse:
    plan = staffing_plan_get(viewer, checked_id(plan_id))
    context = _plan_context(plan)
    if request.htmx:
        return render(request, "web/staffing/_plan.html", context)
    return page(request, viewer, "web/staffing/plan.html", context, active=ACTIVE)


@require_POST
@viewer_view
def staffing_plan_decide_view(request: HtmxRequest, viewer: Viewer, plan_id: int, decision: str) -> HttpResponse:
    plan = staffing_plan_get(viewer, checked_id(plan_id))
    try:
        if decision == "accept":
            saved = staffing_plan_accept(viewer=viewer, plan=plan)
            messages.success(request, f"Plan accepted: {len(saved)} hard booking{'s' if len(saved) != 1 else ''} made.")
        else:
            staffing_plan_discard(viewer=viewer, plan=plan)
            messages.success(request, "Plan discarded.")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("web:staffing_plan", plan.pk)
