"""MS Project XML on the web: download a project's plan, upload a plan into an empty project (the page then shows
what was imported and the file's warnings, with a link to the plan)."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_http_methods

from margin.accounts.queries import Viewer
from margin.core.errors import Invalid
from margin.integrations.msproject.exchange import project_export_mspdi, project_import_mspdi
from margin.projects.models import Task
from margin.projects.queries import can_manage, money_visible, project_get
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@require_http_methods(["GET"])
@viewer_view
def msproject_export(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, project_id)
    data = project_export_mspdi(project, costs=money_visible(viewer, project))
    response = HttpResponse(data, content_type="application/xml; charset=utf-8")
    safe_code = "".join(c if c.isalnum() or c in "-_" else "_" for c in project.code) or "project"
    response["Content-Disposition"] = f'attachment; filename="{safe_code}.xml"'
    return response


def uploaded_bytes(request: HtmxRequest, field: str = "file") -> bytes:
    upload = request.FILES.get(field)
    if upload is None:
        raise Invalid("Choose a file to import.", field=field)
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise Invalid("The file is larger than 20 MB.", field=field)
    return bytes(upload.read())


@require_http_methods(["GET", "POST"])
@viewer_view
def msproject_import(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, project_id)
    context = {
        "project": project,
        "can_manage": can_manage(viewer, project),
        "has_tasks": Task.objects.filter(project=project).exists(),
        "error": "",
        "result": None,
    }
    if request.method == "POST":
        try:
            context["result"] = project_import_mspdi(viewer=viewer, project=project, data=uploaded_bytes(request))
        except Invalid as error:
            context["error"] = error.message
            return page(request, viewer, "integrations/msproject_import.html", context, active="projects", status=422)
        context["has_tasks"] = True
    return page(request, viewer, "integrations/msproject_import.html", context, active="projects")
