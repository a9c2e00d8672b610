"""New projects from existing ones (a copy, from a template, Save as template) and archiving."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from margin.accounts.queries import company_get, person_get
from margin.api.routers.projects import rate_rows
from margin.api.schemas.common import Id, responses
from margin.api.schemas.projects import ProjectCopyIn, ProjectOut, TemplateIn
from margin.api.security import viewer_of
from margin.contracts.setup import project_setup, project_template_save
from margin.crm.queries import client_get
from margin.projects.actions import project_archive, project_unarchive
from margin.projects.models import Project
from margin.projects.queries import members_to_copy, project_get

router = Router(tags=["projects"])


@router.post(
    "/projects/{project_id}/copy",
    response=responses(ProjectOut, 201),
    summary="A new project from this template or project: its plan with dates relative to the new start",
    description=(
        "Tasks (WBS, durations, milestones, estimates, constraints), links (kind and lag), pool assignments and "
        "board columns are copied and rescheduled on the new project's calendar; no time, invoices, progress or "
        "baselines. A start on a non-working day is refused (422, code non_working_start, naming the holiday) "
        "unless move_to_working_day. Rates: the source's unless `rates` is given (refused when the source bills "
        "in another currency)."
    ),
)
def project_copy_add(request: HttpRequest, project_id: Id, payload: ProjectCopyIn) -> Status[Project]:
    viewer = viewer_of(request)
    source = project_get(viewer, project_id)
    members = (
        members_to_copy(source) if payload.member_ids is None else [person_get(viewer, pk) for pk in payload.member_ids]
    )
    project = project_setup(
        viewer=viewer,
        source=source,
        company=company_get(viewer, payload.company_id) if payload.company_id else source.company,
        client=client_get(viewer, payload.client_id) if payload.client_id else source.client,
        manager=person_get(viewer, payload.manager_id) if payload.manager_id else source.manager,
        code=payload.code,
        name=payload.name,
        start_date=payload.start_date,
        end_date=payload.end_date,
        status=payload.status,
        budget_minutes=source.budget_minutes if payload.budget_minutes is None else payload.budget_minutes,
        budget_amount_minor=(
            source.budget_amount_minor if payload.budget_amount_minor is None else payload.budget_amount_minor
        ),
        is_template=payload.is_template,
        members=members,
        rates=None if payload.rates is None else rate_rows(viewer, payload.rates),
        move_to_working_day=payload.move_to_working_day,
    )
    return Status(201, project_get(viewer, project.pk))


@router.post(
    "/projects/{project_id}/template",
    response=responses(ProjectOut, 201),
    summary="Save a project as a template (its plan and rate card; no time, no team)",
)
def template_save(request: HttpRequest, project_id: Id, payload: TemplateIn) -> Status[Project]:
    viewer = viewer_of(request)
    source = project_get(viewer, project_id)
    project = project_template_save(viewer=viewer, project=source, code=payload.code, name=payload.name)
    return Status(201, project_get(viewer, project.pk))


@router.post("/projects/{project_id}/archive", response=responses(ProjectOut), summary="Archive a closed project")
def archive(request: HttpRequest, project_id: Id) -> Project:
    viewer = viewer_of(request)
    project_archive(viewer=viewer, project=project_get(viewer, project_id))
    return project_get(viewer, project_id)


@router.post(
    "/projects/{project_id}/unarchive", response=responses(ProjectOut), summary="Bring an archived project back"
)
def unarchive(request: HttpRequest, project_id: Id) -> Project:
    viewer = viewer_of(request)
    project_unarchive(viewer=viewer, project=project_get(viewer, project_id))
    return project_get(viewer, project_id)
