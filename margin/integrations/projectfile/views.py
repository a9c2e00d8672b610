"""New project → From a file: the New project form plus the file, saved by ``project_create_from_file`` in one
transaction. The file's errors (a bad XML element, a CSV row) come back on the file field; nothing is kept."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from margin.accounts.queries import Viewer
from margin.core.errors import DomainError, Invalid
from margin.integrations.projectfile.setup import SYSTEMS, project_create_from_file
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page
from margin.web.views.project_new import details_form, require_creator, setup_arguments, show_refusal
from margin.web.views.project_rates import rate_formset

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
TEMPLATE = "integrations/project_from_file.html"


def _data(request: HtmxRequest) -> bytes:
    upload = request.FILES.get("file")
    if upload is None:
        raise Invalid("Choose a file to import.", field="file")
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise Invalid("The file is larger than 20 MB.", field="file")
    return bytes(upload.read())


@require_http_methods(["GET", "POST"])
@viewer_view
def project_from_file(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_creator(viewer)
    system = request.POST.get("system", "msproject")
    file_error = rates_error = ""
    if request.method == "POST":
        form = details_form(viewer, request.POST)
        rates = rate_formset(viewer, data=request.POST)
        if system not in SYSTEMS:
            file_error, system = "Choose what kind of file it is.", "msproject"
        elif form.is_valid() and rates.is_valid():
            try:
                made = project_create_from_file(
                    **setup_arguments(viewer, form, rates), system=system, data=_data(request)
                )
            except DomainError as error:
                if error.field == "file":
                    file_error = error.message
                else:
                    rates_error = show_refusal(form, error)
            else:
                warnings = f" {len(made.warnings)} warning(s): {' '.join(made.warnings)}" if made.warnings else ""
                messages.success(request, f"Project {made.project.code} is created with {made.tasks} tasks.{warnings}")
                return redirect("web:project", made.project.pk)
    else:
        form = details_form(viewer, initial={"status": "active"})
        rates = rate_formset(viewer)
    context = {
        "form": form,
        "formset": rates,
        "rates_error": rates_error,
        "file_error": file_error,
        "system": system,
        "systems": SYSTEMS,
    }
    return page(request, viewer, TEMPLATE, context, active="projects", status=422 if request.method == "POST" else 200)
