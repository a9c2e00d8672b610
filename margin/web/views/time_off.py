"""Time off (Resources → Time off): my requests and the form to ask for more, cancelling; for line managers and
administrators the requests waiting for their decision, approved or rejected from the list; the team's time off
coming up.

Views only translate: reads are :mod:`margin.resourcing.queries.time_off`, writes
:mod:`margin.resourcing.actions.time_off` (which check who may do what).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from margin.accounts.queries import Viewer, people_visible
from margin.core.errors import DomainError, Invalid
from margin.resourcing.actions.time_off import time_off_approve, time_off_cancel, time_off_reject, time_off_request
from margin.resourcing.models import TimeOffKind, TimeOffStatus
from margin.resourcing.queries.time_off import (
    may_request_for,
    time_off_get,
    time_off_mine,
    time_off_to_approve,
    time_off_visible,
)
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms_firm import StyledForm, refuse
from margin.web.pages import page
from margin.web.views.settings import checked_id

ACTIVE = "resources"


class TimeOffForm(StyledForm):
    person = forms.TypedChoiceField(label="For", coerce=int)
    kind = forms.ChoiceField(label="Kind", choices=TimeOffKind.choices)
    first_day = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(
        label="Hours off per day",
        required=False,
        min_value=Decimal("0.25"),
        max_value=Decimal(24),
        decimal_places=2,
        help_text="Empty: whole days. 4 for half days.",
        widget=forms.NumberInput(attrs={"step": "0.25", "placeholder": "whole days"}),
    )
    note = forms.CharField(label="Note", required=False, max_length=2000, widget=forms.TextInput())

    def __init__(self, viewer: Viewer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(p.pk, p.name + (" (me)" if p.pk == viewer.person_id else "")) for p in _requestable(viewer)]


def _requestable(viewer: Viewer) -> list[Any]:
    """Whom the viewer may ask time off for: themselves first, then the people they log time for."""
    people = [p for p in people_visible(viewer).filter(active=True).order_by("name") if may_request_for(viewer, p)]
    return sorted(people, key=lambda p: (p.pk != viewer.person_id, p.name))


def _page(request: HtmxRequest, viewer: Viewer, form: TimeOffForm, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    to_approve = list(time_off_to_approve(viewer))
    team = list(
        time_off_visible(viewer)
        .exclude(person_id=viewer.person_id or 0)
        .filter(status__in=[TimeOffStatus.APPROVED, TimeOffStatus.REQUESTED], last_day__gte=today)
        .order_by("first_day", "person__name")[:50]
    )
    context = {
        "form": form,
        "mine": list(time_off_mine(viewer)[:50]),
        "to_approve": to_approve,
        "team": team,
        "today": today,
        "has_person": bool(_requestable(viewer)),
    }
    return page(request, viewer, "web/resources/time_off.html", context, active=ACTIVE, status=status)


@viewer_view
def time_off_view(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    if request.method != "POST":
        today = timezone.localdate()
        initial = {"person": viewer.person_id, "first_day": today + timedelta(days=7), "last_day": today + timedelta(7)}
        return _page(request, viewer, TimeOffForm(viewer, initial=initial))
    form = TimeOffForm(viewer, request.POST)
    if not form.is_valid():
        return _page(request, viewer, form, status=422)
    data = form.cleaned_data
    person = next((p for p in _requestable(viewer) if p.pk == data["person"]), None)
    try:
        if person is None:
            raise Invalid("No such person.", field="person")
        hours = data["hours"]
        time_off_request(
            viewer=viewer,
            person=person,
            kind=data["kind"],
            first_day=data["first_day"],
            last_day=data["last_day"],
            minutes_per_day=None if hours is None else int(hours * 60),
            note=data["note"],
        )
    except DomainError as error:
        refuse(form, error, {"minutes_per_day": "hours"})
        return _page(request, viewer, form, status=form.refusal_status)
    messages.success(request, "Time off requested.")
    return redirect("web:time_off")


@require_POST
@viewer_view
def time_off_change(request: HtmxRequest, viewer: Viewer, time_off_id: int, change: str) -> HttpResponse:
    time_off = time_off_get(viewer, checked_id(time_off_id))
    note = str(request.POST.get("note", ""))[:2000]
    try:
        if change == "approve":
            time_off_approve(viewer=viewer, time_off=time_off, note=note)
            messages.success(request, f"Time off of {time_off.person.name} approved.")
        elif change == "reject":
            time_off_reject(viewer=viewer, time_off=time_off, note=note)
            messages.success(request, f"Time off of {time_off.person.name} rejected.")
        else:
            time_off_cancel(viewer=viewer, time_off=time_off)
            messages.success(request, "Time off cancelled.")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("web:time_off")
