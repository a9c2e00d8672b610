"""A project's Team tab (members) and Settings tab (details, close, archive, Save as template, copy)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from margin.accounts.models import Person
from margin.accounts.queries import Viewer, person_get
from margin.contracts.setup import project_template_save
from margin.core.errors import DomainError
from margin.projects.actions import (
    project_archive,
    project_member_add,
    project_member_remove,
    project_unarchive,
    project_update,
)
from margin.projects.models import Project
from margin.projects.queries import can_create_projects, can_manage, members_of, project_get
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms import add_domain_error
from margin.web.pages import page
from margin.web.project_forms import MemberAddForm, ProjectEditForm, TemplateSaveForm, budget_initial

EDIT_FIELDS = ("code", "name", "status", "start_date", "end_date", "budget_minutes", "budget_amount_minor")


def _require_manager(viewer: Viewer, project: Project) -> None:
    if not can_manage(viewer, project):
        raise PermissionDenied("Only the project's manager or an administrator may change it.")


def _people(viewer: Viewer, project: Project) -> Any:
    return (
        Person.objects.filter(organisation_id=viewer.organisation_id, company_id=project.company_id)
        .select_related("company")
        .order_by("name")
    )


def _edit_form(viewer: Viewer, project: Project, data: Any = None) -> ProjectEditForm:
    initial = {
        "code": project.code,
        "name": project.name,
        "manager": project.manager_id,
        "status": project.status,
        "start_date": project.start_date,
        "end_date": project.end_date,
        "notes_required": project.notes_required,
        **budget_initial(project.budget_minutes, project.budget_amount_minor, project.currency),
    }
    return ProjectEditForm(data, initial=initial, people=_people(viewer, project), currency=project.currency)


def settings_page(
    request: HtmxRequest,
    viewer: Viewer,
    project: Project,
    *,
    edit_form: ProjectEditForm | None = None,
    template_form: TemplateSaveForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "project": project,
        "tab": "settings",
        "edit_form": edit_form or _edit_form(viewer, project),
        "template_form": template_form or TemplateSaveForm(initial={"name": f"{project.name} (template)"}),
        "can_template": can_create_projects(viewer) and not project.is_template,
        "can_copy": can_create_projects(viewer),
    }
    return page(request, viewer, "web/projects/settings.html", context, active="projects", status=status)


@viewer_view
def project_settings(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, project_id)
    _require_manager(viewer, project)
    if request.method != "POST":
        return settings_page(request, viewer, project)
    form = _edit_form(viewer, project, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        changes: dict[str, Any] = {name: data[name] for name in EDIT_FIELDS}
        changes["notes_required"] = bool(data["notes_required"])
        if data["manager"] != project.manager_id:
            changes["manager"] = person_get(viewer, data["manager"])
        try:
            project_update(viewer=viewer, project=project, **changes)
        except DomainError as error:
            add_domain_error(form, error, {"budget_minutes": "budget_hours"})
        else:
            messages.success(request, "Saved.")
            return redirect("web:project_settings", project.pk)
    return settings_page(request, viewer, project, edit_form=form, status=422)


@require_POST
@viewer_view
def project_archive_view(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, project_id)
    unarchive = request.POST.get("unarchive") == "1"
    try:
        if unarchive:
            project_unarchive(viewer=viewer, project=project)
        else:
            project_archive(viewer=viewer, project=project)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"{project.code} is {'back' if unarchive else 'archived: read-only until unarchived'}."
        )
    return redirect("web:project_settings", project.pk)


@require_POST
@viewer_view
def project_save_as_template(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, project_id)
    if not (can_manage(viewer, project) and can_create_projects(viewer)):
        raise PermissionDenied("Only the project's manager or an administrator may save it as a template.")
    form = TemplateSaveForm(request.POST)
    if form.is_valid():
        try:
            template = project_template_save(
                viewer=viewer, project=project, code=form.cleaned_data["code"], name=form.cleaned_data["name"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Template {template.code} is saved: start new projects from it.")
            return redirect("web:project", template.pk)
    return settings_page(request, viewer, project, template_form=form, status=422)


# --- the Team tab -------------------------------------------------------------------------------------


def _team_page(
    request: HtmxRequest, viewer: Viewer, project: Project, form: MemberAddForm | None = None, status: int = 200
) -> HttpResponse:
    members = list(members_of(project))
    manages = can_manage(viewer, project) and project.archived_at is None
    if form is None and manages:
        outside = (
            Person.objects.filter(organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids)
            .exclude(pk__in=[m.pk for m in members])
            .select_related("company")
            .order_by("name")
        )
        form = MemberAddForm(people=list(outside))
    context = {"project": project, "tab": "team", "members": members, "add_form": form, "manages": manages}
    return page(request, viewer, "web/projects/team.html", context, active="projects", status=status)


@viewer_view
def project_team(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, project_id)
    if request.method != "POST":
        return _team_page(request, viewer, project)
    _require_manager(viewer, project)
    everyone = list(
        Person.objects.filter(organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids).select_related(
            "company"
        )
    )
    form = MemberAddForm(request.POST, people=everyone)
    if form.is_valid():
        try:
            project_member_add(viewer=viewer, project=project, person=person_get(viewer, form.cleaned_data["person"]))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("web:project_team", project.pk)
    return _team_page(request, viewer, project, form, status=422)


@require_POST
@viewer_view
def project_member_remove_view(request: HtmxRequest, viewer: Viewer, project_id: int, person_id: int) -> HttpResponse:
    project = project_get(viewer, project_id)
    person = person_get(viewer, person_id)
    try:
        project_member_remove(viewer=viewer, project=project, person=person)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, f"{person.name} is off {project.code}: they log no more time on it.")
    return redirect("web:project_team", project.pk)
