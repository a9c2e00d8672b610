"""MS Project XML in the API: ``GET /projects/{id}/export.xml`` and ``POST /projects/{id}/import`` (multipart).

Registered on the one NinjaAPI by ``margin.integrations.apps`` (integrations sit above the API layer, so the API
package never imports them)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import File, Router, Schema, UploadedFile
from ninja.responses import Status

from margin.api.schemas.common import Id, responses
from margin.api.security import viewer_of
from margin.core.errors import Invalid
from margin.integrations.msproject.exchange import project_export_mspdi, project_import_mspdi
from margin.projects.queries import project_get

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


class ImportOut(Schema):
    project_id: int
    tasks: int


@router.get(
    "/projects/{project_id}/export.xml",
    response=responses(None),
    summary="The project's plan as MS Project XML (tasks, WBS, links, calendar, resources, assignments, baselines)",
    openapi_extra=XML_ANSWER,
)
def msproject_export(request: HttpRequest, project_id: Id) -> HttpResponse:
    project = project_get(viewer_of(request), project_id)
    answer = HttpResponse(project_export_mspdi(project), content_type="application/xml; charset=utf-8")
    answer["Content-Disposition"] = f'attachment; filename="project-{project.pk}.xml"'
    return answer


@router.post(
    "/projects/{project_id}/import",
    response=responses(ImportOut, 201),
    summary="Build an empty project's plan from an MS Project XML file (all or nothing)",
)
def msproject_import(request: HttpRequest, project_id: Id, file: File[UploadedFile]) -> Status[ImportOut]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise Invalid("The file is larger than 20 MB.", field="file")
    count = project_import_mspdi(viewer=viewer, project=project, data=bytes(file.read()))
    return Status(201, ImportOut(project_id=project.pk, tasks=count))
