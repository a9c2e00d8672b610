"""The New project flow: choose how to start (blank, a template, a copy, a file), then one form — client, company,
manager, dates, budgets, members, rate card — saved by ``contracts.setup.project_setup`` in one transaction.

The file way is the integrations' view (``integrations:project_from_file``): it shares this module's form helpers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer, company_get, person_get
from margin.contracts.setup import project_setup, rate_rows_of
from margin.core.errors import DomainError
from margin.crm.models import Client
from margin.crm.queries import client_get
from margin.projects.models import Project, ProjectStatus
from margin.projects.queries import (
    can_create_projects,
    members_to_copy,
    project_get,
    projects_listed,
    templates_visible,
)
from margin.web.access import HtmxRequest, can_edit_clients, viewer_view
from margin.web.forms import add_domain_error
from margin.web.pages import page
from margin.web.project_forms import BaseRateFormSet, ProjectDetailsForm, budget_initial, positive_id
from margin.web.views.project_rates import rate_formset, rate_rows

# Fields of the actions' refusals → fields of the form.
FIELDS = {"budget_minutes": "budget_hours", "person": "members", "company_id": "company", "client_id": "client"}


def require_creator(viewer: Viewer) -> None:
    if not can_create_projects(viewer):
        raise PermissionDenied("Only administrators and project managers create projects.")


def details_form(
    viewer: Viewer, data: QueryDict | None = None, initial: dict[str, Any] | None = None
) -> ProjectDetailsForm:
    """The details form with the choices the viewer has: their companies, the organisation's clients, people."""
    return ProjectDetailsForm(
        data,
        initial=initial,
        companies=Company.objects.filter(organisation_id=viewer.organisation_id, pk__in=viewer.company_ids).order_by(
            "name"
        ),
        clients=Client.objects.filter(organisation_id=viewer.organisation_id).order_by("name"),
        people=Person.objects.filter(organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids)
        .select_related("company")
        .order_by("name"),
    )


def setup_arguments(viewer: Viewer, form: ProjectDetailsForm, rates: BaseRateFormSet) -> dict[str, Any]:
    """The action's arguments from a valid form and table, every object fetched through its access function."""
    data = form.cleaned_data
    return {
        "viewer": viewer,
        "company": company_get(viewer, data["company"]),
        "client": client_get(viewer, data["client"]),
        "manager": person_get(viewer, data["manager"]),
        "code": data["code"],
        "name": data["name"],
        "status": data["status"],
        "start_date": data["start_date"],
        "end_date": data["end_date"],
        "budget_minutes": data["budget_minutes"],
        "budget_amount_minor": data["budget_amount_minor"],
        "members": [person_get(viewer, pk) for pk in data["members"]],
        "rates": rate_rows(viewer, rates),
    }


def show_refusal(form: ProjectDetailsForm, error: DomainError) -> str:
    """An action's refusal on the form; a refusal about the rate table is returned for the table instead."""
    if error.field == "rates":
        return error.message
    add_domain_error(form, error, FIELDS)
    return ""


def missing_for_projects(viewer: Viewer) -> list[dict[str, str]]:
    """What a project needs that the firm does not have yet (a company, a client, a person to manage it), each
    with the screen that adds it when the viewer may open it — so a new firm's New project is no dead end."""
    org, companies = viewer.organisation_id, viewer.company_ids
    found = [
        (
            "a company",
            Company.objects.filter(organisation_id=org, pk__in=companies).exists(),
            "web:settings_company_new",
        ),
        ("a client", Client.objects.filter(organisation_id=org).exists(), "web:settings_client_new"),
        (
            "a person to manage it",
            Person.objects.filter(organisation_id=org, company_id__in=companies).exists(),
            "web:settings_person_new",
        ),
    ]
    may_open = {
        "web:settings_company_new": viewer.is_admin,
        "web:settings_client_new": can_edit_clients(viewer),
        "web:settings_person_new": viewer.is_admin,
    }
    return [{"what": what, "url": reverse(url) if may_open[url] else ""} for what, exists, url in found if not exists]


def _next_monday() -> Any:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def _initial(viewer: Viewer, source: Project | None, as_template: bool) -> dict[str, Any]:
    me = Person.objects.filter(pk=viewer.person_id).first() if viewer.person_id else None
    if source is None:
        return {
            "manager": me.pk if me else None,
            "company": me.company_id if me and me.company_id in viewer.company_ids else None,
            "status": ProjectStatus.PLANNED if as_template else ProjectStatus.ACTIVE,
        }
    # A manager starts projects they manage themselves (they may add its members and rates); an admin keeps the
    # source's manager.
    manager = me if me is not None and not viewer.is_admin and me.company_id == source.company_id else source.manager
    return {
        "name": "" if source.is_template else source.name,
        "company": source.company_id,
        "client": source.client_id,
        "manager": manager.pk,
        "status": ProjectStatus.PLANNED if as_template else ProjectStatus.ACTIVE,
        "start_date": _next_monday(),
        "members": [p.pk for p in members_to_copy(source)],
        **budget_initial(source.budget_minutes, source.budget_amount_minor, source.currency),
    }


@viewer_view
def project_new(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """Step 1: how to start — blank, from a template, as a copy of a project, or from a file."""
    require_creator(viewer)
    copy = positive_id(request.GET.get("copy", ""))
    if copy is not None:
        return redirect("web:project_new_from", project_get(viewer, copy).pk)
    context = {
        "templates": templates_visible(viewer).select_related("client", "manager").order_by("name"),
        "projects": projects_listed(viewer).order_by("code"),
        "missing": missing_for_projects(viewer),
    }
    return page(request, viewer, "web/projects/new.html", context, active="projects")


@viewer_view
def project_new_blank(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    as_template = (request.POST.get("is_template") or request.GET.get("template")) == "1"
    return _details(request, viewer, None, as_template)


@viewer_view
def project_new_from(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    source = project_get(viewer, project_id)
    as_template = (request.POST.get("is_template") or request.GET.get("template")) == "1"
    return _details(request, viewer, source, as_template)


def _details(request: HtmxRequest, viewer: Viewer, source: Project | None, as_template: bool) -> HttpResponse:
    """Step 2: the details, members and rate card; saved in one transaction or not at all."""
    require_creator(viewer)
    rates_error = ""
    if request.method == "POST":
        form = details_form(viewer, request.POST)
        rates = rate_formset(viewer, data=request.POST)
        if form.is_valid() and rates.is_valid():
            try:
                project = project_setup(
                    **setup_arguments(viewer, form, rates),
                    source=source,
                    is_template=as_template,
                    move_to_working_day=form.cleaned_data["move_to_working_day"],
                )
            except DomainError as error:
                rates_error = show_refusal(form, error)
            else:
                kind = "Template" if project.is_template else "Project"
                messages.success(request, f"{kind} {project.code} is created.")
                return redirect("web:project", project.pk)
    else:
        form = details_form(viewer, initial=_initial(viewer, source, as_template))
        rates = rate_formset(viewer, rows=rate_rows_of(source) if source is not None else [])
    context = {
        "form": form,
        "formset": rates,
        "rates_error": rates_error,
        "source": source,
        "as_template": as_template,
        "missing": missing_for_projects(viewer),
    }
    status = 422 if request.method == "POST" else 200
    return page(request, viewer, "web/projects/new_form.html", context, active="projects", status=status)
