"""Import tasks from a Jira or Trello CSV: upload → preview (dry run, row by row) → import (all or nothing).

The previewed file travels back with the confirmation as base64 in a hidden field, so what is imported is
exactly what was previewed (and checked again)."""

from __future__ import annotations

import base64
import binascii

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from margin.accounts.queries import Viewer
from margin.core.errors import Forbidden, Invalid
from margin.integrations.sheets.imports import LABELS, tasks_import, tasks_preview
from margin.projects.queries import can_manage, project_get
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
TEMPLATE = "integrations/tasks_import.html"


def _data(request: HtmxRequest) -> bytes:
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise Invalid("The file is larger than 5 MB.", field="file")
        return bytes(upload.read())
    encoded = request.POST.get("data", "")
    if encoded:
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise Invalid("The previewed file was damaged; upload it again.", field="file") from None
    raise Invalid("Choose a CSV file to import.", field="file")


@require_http_methods(["GET", "POST"])
@viewer_view
def tasks_import_view(request: HtmxRequest, viewer: Viewer, project_id: int, system: str) -> HttpResponse:
    if system not in LABELS:
        raise Http404("No such import.")
    project = project_get(viewer, project_id)
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may import tasks.")
    context: dict[str, object] = {"project": project, "system": system, "label": LABELS[system], "error": ""}
    if request.method == "GET":
        return page(request, viewer, TEMPLATE, context, active="projects")
    try:
        data = _data(request)
        if request.POST.get("mode") == "commit":
            tasks_import(viewer=viewer, project=project, system=system, data=data)
            return HttpResponseRedirect(reverse("web:project", args=[project.pk]))
        preview = tasks_preview(project=project, system=system, data=data)
    except Invalid as error:
        context["error"] = error.message
        return page(request, viewer, TEMPLATE, context, active="projects", status=422)
    context.update(
        preview=preview,
        rows=[(row, preview.assignees.get(row.line)) for row in preview.rows],
        data=base64.b64encode(data).decode("ascii"),
    )
    return page(request, viewer, TEMPLATE, context, active="projects")
