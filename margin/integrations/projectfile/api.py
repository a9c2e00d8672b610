"""``POST /project-imports`` (multipart): a new project whose plan is an MS Project XML, Jira or Trello CSV file.

Registered on the one NinjaAPI by ``margin.integrations.apps`` (integrations sit above the API layer)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.http import HttpRequest
from ninja import Field, File, Form, Router, Schema, UploadedFile
from ninja.responses import Status

from margin.accounts.queries import company_get, person_get
from margin.api.schemas.common import Code, Id, MinorUnits, Name, responses
from margin.api.schemas.projects import BudgetMinutes, ProjectOut, ProjectStatusIn
from margin.api.security import viewer_of
from margin.core.errors import Invalid
from margin.crm.queries import client_get
from margin.integrations.projectfile.setup import project_create_from_file
from margin.projects.models import Project
from margin.projects.queries import project_get

router = Router(tags=["projects"])
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ProjectFileIn(Schema):
    system: Literal["msproject", "jira", "trello"] = Field(description="What the file is")
    company_id: Id
    client_id: Id
    manager_id: Id
    code: Code
    name: Name
    status: ProjectStatusIn = "active"
    start_date: date | None = None
    end_date: date | None = None
    budget_minutes: BudgetMinutes = 0
    budget_amount_minor: MinorUnits = 0
    member_ids: list[Id] = Field(default_factory=list, max_length=500)


@router.post(
    "/project-imports",
    response=responses(ProjectOut, 201),
    summary="Create a project from an MS Project XML, Jira or Trello CSV file (all or nothing)",
    description="The project, its members and the file's plan in one transaction: a bad file leaves no project.",
)
def project_from_file(request: HttpRequest, details: Form[ProjectFileIn], file: File[UploadedFile]) -> Status[Project]:
    viewer = viewer_of(request)
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise Invalid("The file is larger than 20 MB.", field="file")
    made = project_create_from_file(
        viewer=viewer,
        system=details.system,
        data=bytes(file.read()),
        company=company_get(viewer, details.company_id),
        client=client_get(viewer, details.client_id),
        manager=person_get(viewer, details.manager_id),
        code=details.code,
        name=details.name,
        status=details.status,
        start_date=details.start_date,
        end_date=details.end_date,
        budget_minutes=details.budget_minutes,
        budget_amount_minor=details.budget_amount_minor,
        members=[person_get(viewer, pk) for pk in details.member_ids],
    )
    return Status(201, project_get(viewer, made.project.pk))
