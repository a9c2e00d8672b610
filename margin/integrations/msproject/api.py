"""MS Project XML in the API: ``GET /projects/{id}/export.xml`` and ``POST /projects/{id}/import`` (multipart).

Registered on the one NinjaAPI by ``margin.integrations.apps`` (integrations sit above the API layer, so the API
package never imports them)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Router, Schema, UploadedFile
from ninja.responses import Status

from margin.api.schemas.common import Id, responses
from margin.api.security import viewer_of
from margin.core.errors import Invalid
from margin.integrations.msproject.exchange import project_export_mspdi, project_import_mspdi
from margin.projects.queries import money_visible, project_get

router = Router(tags=["ms project"])
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
XML_ANSWER = {
    "responses": {
        200: {
            "description": "The plan as an MS Project XML (MSPDI) document",
            "content": {"application/xml": {"schema": {"type": "string"}}},
        }
    }
}


class MsProjectImportOut(Schema):
    """What an MS Project import made (a name of its own: the time import's answer is another schema)."""

    project_id: int
    tasks: int
    links: int
    calendar: str = Field(description="The name of the calendar the project is now scheduled on")
    calendars: int = Field(description="Calendars created (0: the project's or an identical calendar was kept)")
    resources_matched: int = Field(description="File resources matched to people (by e-mail, then by name)")
    pools: int = Field(description="File resources mapped to resource pools (matched by name or created)")
    pools_created: int
    assignments: int
    baselines: int = Field(description="Baselines imported (each replaces the project's baseline of its number)")
    warnings: list[str] = Field(description="What in the file was not imported, and why")
    start: date | None = Field(description="The project's start date, from the file's StartDate")
    currency: str = Field(description="The file's CurrencyCode (empty when it names none)")


@router.get(
    "/projects/{project_id}/export.xml",
    response=responses(None),
    summary="The project's plan as MS Project XML (tasks, WBS, links, calendar, resources, assignments, baselines; "
    "the baselines' cost only for those who may see the project's money)",
    openapi_extra=XML_ANSWER,
)
def msproject_export(request: HttpRequest, project_id: Id) -> HttpResponse:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    data = project_export_mspdi(project, costs=money_visible(viewer, project))
    answer = HttpResponse(data, content_type="application/xml; charset=utf-8")
    answer["Content-Disposition"] = f'attachment; filename="project-{project.pk}.xml"'
    return answer


@router.post(
    "/projects/{project_id}/import",
    response=responses(MsProjectImportOut, 201),
    summary="Build an empty project's plan from an MS Project XML file (all or nothing); counts and warnings",
)
def msproject_import(request: HttpRequest, project_id: Id, file: File[UploadedFile]) -> Status[MsProjectImportOut]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise Invalid("The file is larger than 20 MB.", field="file")
    result = project_import_mspdi(viewer=viewer, project=project, data=bytes(file.read()))
    return Status(
        201, MsProjectImportOut(project_id=project.pk, **{**asdict(result), "warnings": list(result.warnings)})
    )
