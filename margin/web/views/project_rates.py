"""A project's rate card as an editable table (the Rates tab), and the table's parsing that the New project flow
shares: rows in, ``RateRow``s out, the action's refusal back on the table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect

from margin.accounts.models import Person, Role
from margin.accounts.queries import Viewer, person_get, role_get
from margin.contracts.actions import RateRow, rate_card_save
from margin.contracts.queries import bill_rates_of
from margin.core.errors import DomainError
from margin.projects.models import Project
from margin.projects.queries import can_manage, project_get
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page
from margin.web.project_forms import BaseRateFormSet, RateFormSet, parse_who, who_choices

PREFIX = "rates"


def _rate_text(rate: Decimal) -> Decimal:
    """100.0000 → 100.00, 99.1250 → 99.125: what a person typed, not the column's four places."""
    cents = rate.quantize(Decimal("0.01"))
    return cents if cents == rate else rate.quantize(Decimal("0.0001")).normalize()


def rate_formset(viewer: Viewer, data: QueryDict | None = None, rows: list[RateRow] | None = None) -> BaseRateFormSet:
    """The rate table: bound to what was posted, or showing ``rows``."""
    roles = Role.objects.filter(organisation_id=viewer.organisation_id).order_by("name")
    people = Person.objects.filter(organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids).order_by(
        "name"
    )
    initial = [
        {
            "who": f"role:{row.role.pk}" if row.role is not None else f"person:{getattr(row.person, 'pk', '')}",
            "valid_from": row.valid_from,
            "hourly_rate": _rate_text(row.hourly_rate),
        }
        for row in rows or []
    ]
    formset = RateFormSet(data, initial=initial or None, prefix=PREFIX, who=who_choices(roles, people))  # type: ignore[call-arg]
    assert isinstance(formset, BaseRateFormSet)
    return formset


def rate_rows(viewer: Viewer, formset: BaseRateFormSet) -> list[RateRow]:
    """The rows of a valid table (removed and blank rows left out), each role or person fetched through its
    access function."""
    rows: list[RateRow] = []
    deleted = {id(f) for f in formset.deleted_forms}
    for form in formset.forms:
        data: dict[str, Any] = getattr(form, "cleaned_data", {})
        if id(form) in deleted or not data.get("who"):
            continue
        kind, pk = parse_who(data["who"])
        rows.append(
            RateRow(
                valid_from=data["valid_from"],
                hourly_rate=data["hourly_rate"],
                role=role_get(viewer, pk) if kind == "role" else None,
                person=person_get(viewer, pk) if kind == "person" else None,
            )
        )
    return rows


def may_edit_rates(viewer: Viewer, project: Project) -> bool:
    """As ``rates.actions.rate_card_save`` allows: the project's manager (or an administrator) and finance."""
    return can_manage(viewer, project) or viewer.is_finance


def _rows_of(project: Project) -> list[RateRow]:
    return [RateRow(r.valid_from, r.hourly_rate, role=r.role, person=r.person) for r in bill_rates_of(project.pk)]


@viewer_view
def project_rates(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    """The Rates tab: the card's dated rows in the project's currency; saving replaces the card with the table."""
    project = project_get(viewer, project_id)
    if not may_edit_rates(viewer, project):
        raise PermissionDenied("Only the project's manager and finance see and set its rates.")
    error = ""
    if request.method == "POST":
        formset = rate_formset(viewer, data=request.POST)
        if formset.is_valid():
            try:
                rate_card_save(viewer=viewer, project=project, rows=rate_rows(viewer, formset))
            except DomainError as refused:
                error = refused.message
            else:
                messages.success(request, "Rates saved: time approved from now on is valued with them.")
                return redirect("web:project_rates", project.pk)
    else:
        formset = rate_formset(viewer, rows=_rows_of(project))
    context = {
        "project": project,
        "formset": formset,
        "rates_error": error,
        "tab": "rates",
        "read_only": project.archived_at is not None,
        "rates": bill_rates_of(project.pk),
    }
    status = 422 if request.method == "POST" else 200
    return page(request, viewer, "web/projects/rates.html", context, active="projects", status=status)
