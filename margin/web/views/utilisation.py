"""Utilisation (Resources → Utilisation): the table of both denominators, the target and realisation for any
period and grouping, a chart of utilisation against target over time and one of the bench (unbooked capacity) by
role for the next 12 weeks; the utilisation targets (Resources → Utilisation targets); and the plan's resource
usage (a project's people × weeks of assignments, the tab next to the plan).

Views only translate: reads are :mod:`margin.reporting.utilisation` and
:func:`margin.resourcing.queries.project_usage`, writes :mod:`margin.resourcing.actions` (targets). Realisation is
money: it is computed and shown only for viewers who see some money, over the projects whose money they see.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from margin.accounts.queries import Viewer, people_visible, person_get, role_get, roles_visible
from margin.core.errors import DomainError
from margin.projects.queries import project_get
from margin.reporting.utilisation import (
    FORECAST_WEEKS,
    GROUPS,
    STEPS,
    utilisation_forecast,
    utilisation_report,
    utilisation_series,
)
from margin.resourcing.actions import utilisation_target_delete, utilisation_target_set
from margin.resourcing.queries import monday_of, project_usage, utilisation_target_get, utilisation_targets_visible
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms_firm import StyledForm, refuse
from margin.web.pages import page
from margin.web.views.heatmap import set_choices
from margin.web.views.settings import checked_id

ACTIVE = "resources"
GROUP_LABELS = {"person": "Person", "role": "Role", "team": "Team (line manager)", "company": "Company"}
TARGET_COLOUR = "#f59f00"
ROLE_COLOURS = ["#206bc4", "#2fb344", "#f76707", "#ae3ec9", "#0ca678", "#d63939", "#4263eb", "#f59f00", "#74b816"]


class UtilisationFilter(StyledForm):
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    group = forms.ChoiceField(label="Group by", required=False, choices=list(GROUP_LABELS.items()))
    step = forms.ChoiceField(label="Chart by", required=False, choices=[(s, s.title()) for s in STEPS])
    key = forms.IntegerField(required=False, widget=forms.HiddenInput)


def _chart_pct(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _series_chart(viewer: Viewer, first: date, last: date, group: str, key: int | None, step: str) -> dict[str, Any]:
    series = utilisation_series(viewer, first=first, last=last, group=group, key=key, step=step)
    return {
        "kind": "line",
        "zero": True,
        "ceiling": 100,  # the axis reaches 100 % however low the figures (no 0–1 % scale for an idle month)
        "digits": 1,
        "data": {
            "labels": series.labels,
            "datasets": [
                {
                    "label": "Billable of capacity",
                    "unit": "%",
                    "data": [_chart_pct(f.of_capacity) for f in series.figures],
                },
                {
                    "label": "Target",
                    "unit": "%",
                    "data": [_chart_pct(f.target_pct) for f in series.figures],
                    "borderColor": TARGET_COLOUR,
                    "backgroundColor": "rgba(245, 159, 0, 0.05)",
                    "borderDash": [6, 4],
                },
                {
                    "label": "Billable of recorded hours",
                    "unit": "%",
                    "data": [_chart_pct(f.of_recorded) for f in series.figures],
                    "borderColor": "#2fb344",
                    "backgroundColor": "rgba(47, 179, 68, 0.04)",
                },
            ],
        },
    }


def _bench_chart(viewer: Viewer) -> tuple[dict[str, Any], list[Any]]:
    forecast = utilisation_forecast(viewer, weeks=FORECAST_WEEKS, group="role")
    chart = {
        "kind": "bar",
        "digits": 0,
        "data": {
            "labels": [w.strftime("%d %b") for w in forecast.weeks],
            "datasets": [
                {
                    "label": row.label,
                    "unit": "h",
                    "data": [round(row.bench(i) / 60) for i in range(len(forecast.weeks))],
                    "backgroundColor": ROLE_COLOURS[n % len(ROLE_COLOURS)],
                    "stack": "bench",
                }
                for n, row in enumerate(forecast.rows)
            ],
        },
    }
    return chart, forecast.rows


@viewer_view
def utilisation_view(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    today = timezone.localdate()
    first, last, group, step, key = today.replace(month=1, day=1), today, "person", "month", None
    form = UtilisationFilter(request.GET or None, initial={"start": first, "end": last, "group": group, "step": step})
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            first = data["start"] or first
            last = data["end"] or last
            group = data["group"] or group
            step = data["step"] or step
            key = data["key"]
        else:
            status = 422
    try:
        report = utilisation_report(viewer, first=first, last=last, group=group)
        chart = _series_chart(viewer, first, last, group, key, step)
    except DomainError as error:
        refuse(form, error, {"from": "start", "to": "end"})
        first, last = today.replace(month=1, day=1), today
        report = utilisation_report(viewer, first=first, last=last, group=group)
        chart = _series_chart(viewer, first, last, group, None, step)
        key, status = None, error.status
    bench, forecast_rows = _bench_chart(viewer)
    # The coming weeks by the same grouping as the table: bookings of capacity, confirmed and with the tentative.
    ahead = utilisation_forecast(viewer, weeks=FORECAST_WEEKS, group=group)
    forecast = [
        {
            "row": row,
            "cells": [
                {"hard": row.hard_pct(i), "total": row.total_pct(i), "target": row.target_pct(i)}
                for i in range(len(ahead.weeks))
            ],
        }
        for row in ahead.rows
    ]
    chosen = next((r.label for r in report.rows if r.key == key), None) if key is not None else None
    context = {
        "form": form,
        "report": report,
        "group_label": GROUP_LABELS[group],
        "groups": GROUPS,
        "first": first,
        "last": last,
        "group": group,
        "step": step,
        "chosen": chosen,
        "chart": chart,
        "bench_chart": bench if forecast_rows else None,
        "bench_rows": forecast_rows,
        "bench_weeks": FORECAST_WEEKS,
        "bench_from": monday_of(today),
        "forecast": forecast,
        "forecast_weeks": ahead.weeks,
    }
    return page(request, viewer, "web/resources/utilisation.html", context, active=ACTIVE, status=status)


# --- targets --------------------------------------------------------------------------------------------------


class TargetForm(StyledForm):
    scope = forms.ChoiceField(
        label="For",
        choices=[("default", "The organisation (default)"), ("role", "A role"), ("person", "A person")],
    )
    role = forms.TypedChoiceField(label="Role", required=False, coerce=int, empty_value=None)
    person = forms.TypedChoiceField(label="Person", required=False, coerce=int, empty_value=None)
    valid_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    percent = forms.IntegerField(label="Target (% of capacity)")

    def __init__(self, viewer: Viewer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "role", [("", "—"), *[(r.pk, r.name) for r in roles_visible(viewer).order_by("name")]])
        people = people_visible(viewer).filter(active=True).order_by("name")
        set_choices(self, "person", [("", "—"), *[(p.pk, p.name) for p in people]])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") == "role" and not data.get("role"):
            self.add_error("role", "Choose the role.")
        if data.get("scope") == "person" and not data.get("person"):
            self.add_error("person", "Choose the person.")
        return data


def _targets_page(request: HtmxRequest, viewer: Viewer, form: TargetForm, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    targets = list(utilisation_targets_visible(viewer))
    context = {"form": form, "targets": targets, "today": today, "can_edit": viewer.is_admin}
    return page(request, viewer, "web/resources/targets.html", context, active=ACTIVE, status=status)


@viewer_view
def targets_view(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    if request.method != "POST":
        return _targets_page(request, viewer, TargetForm(viewer, initial={"valid_from": timezone.localdate()}))
    form = TargetForm(viewer, request.POST)
    if not form.is_valid():
        return _targets_page(request, viewer, form, status=422)
    data = form.cleaned_data
    try:
        person = person_get(viewer, data["person"]) if data["scope"] == "person" else None
        role = role_get(viewer, data["role"]) if data["scope"] == "role" else None
        utilisation_target_set(
            viewer=viewer, percent=data["percent"], valid_from=data["valid_from"], person=person, role=role
        )
    except DomainError as error:
        refuse(form, error, {"person_id": "person", "role_id": "role"})
        return _targets_page(request, viewer, form, status=form.refusal_status)
    messages.success(request, "Target saved.")
    return redirect("web:utilisation_targets")


@require_POST
@viewer_view
def target_delete_view(request: HtmxRequest, viewer: Viewer, target_id: int) -> HttpResponse:
    target = utilisation_target_get(viewer, checked_id(target_id))
    utilisation_target_delete(viewer=viewer, target=target)
    messages.success(request, "Target removed.")
    return redirect("web:utilisation_targets")


# --- the plan's resource usage --------------------------------------------------------------------------------


@viewer_view
def project_usage_view(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, checked_id(project_id))
    usage = project_usage(project)
    context = {
        "project": project,
        "tab": "usage",
        "usage": usage,
    }
    return page(request, viewer, "web/resources/usage.html", context, active="projects")
