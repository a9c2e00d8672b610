"""Time import and export on the web.

Import (administrators): upload → preview (format, counts, the first rows, every row error with line and column;
nothing written) → import. The previewed file is kept in storage under a token bound to the user, so what is
imported is exactly what was previewed (and checked again). Files above `BACKGROUND_ROWS` lines are imported by a
background job, shown as a progress bar polled with htmx.

Export (everyone, of the entries they can see): a filter form whose CSV and XLSX buttons download the file.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from margin.accounts.queries import Viewer, people_visible
from margin.core.errors import Invalid, NotFound
from margin.core.jobruns import job_run_get
from margin.core.models import JobRunStatus
from margin.integrations.timecsv import export
from margin.integrations.timecsv.api import export_file
from margin.integrations.timecsv.imports import require_importer, time_csv_import, time_csv_preview
from margin.integrations.timecsv.jobs import (
    BACKGROUND_ROWS,
    TIME_IMPORT,
    time_import_start,
    upload_drop,
    upload_keep,
    upload_read,
)
from margin.projects.queries import projects_visible
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page

TEMPLATE = "integrations/time_import.html"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
ORDERS = (("auto", "Detect"), ("mdy", "Month/day/year"), ("dmy", "Day/month/year"))


def _upload(request: HtmxRequest) -> bytes:
    upload = request.FILES.get("file")
    if upload is None:
        raise Invalid("Choose a CSV file to import.", field="file")
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise Invalid("The file is larger than 50 MB; split it.", field="file")
    return bytes(upload.read())


@require_http_methods(["GET", "POST"])
@viewer_view
def time_import_view(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    order = request.POST.get("date_order", "auto")
    approved = request.POST.get("approved") == "on"
    require_importer(viewer, approved=approved)
    context: dict[str, Any] = {"error": "", "orders": ORDERS, "order": order, "approved": approved}
    if request.method == "GET":
        return page(request, viewer, TEMPLATE, context, active="time_import")
    try:
        if request.POST.get("mode") == "commit":
            token = request.POST.get("token", "")
            data = upload_read(viewer=viewer, token=token)
            if data.count(b"\n") > BACKGROUND_ROWS:
                run = time_import_start(viewer=viewer, token=token, order=order, approved=approved)
                run.refresh_from_db()
                context.update(run=run, finished=run.status in (JobRunStatus.DONE, JobRunStatus.FAILED))
                return page(request, viewer, TEMPLATE, context, active="time_import")
            count = time_csv_import(viewer=viewer, data=data, order=order, approved=approved)
            upload_drop(viewer=viewer, token=token)
            context["imported"] = count
            return page(request, viewer, TEMPLATE, context, active="time_import")
        data = _upload(request)
        preview = time_csv_preview(viewer=viewer, data=data, order=order)
    except Invalid as error:
        context["error"] = error.message
        return page(request, viewer, TEMPLATE, context, active="time_import", status=422)
    context.update(
        preview=preview,
        token=upload_keep(viewer=viewer, data=data) if preview.ok else "",
        background=data.count(b"\n") > BACKGROUND_ROWS,
    )
    return page(request, viewer, TEMPLATE, context, active="time_import")


@require_GET
@viewer_view
def time_import_status(request: HtmxRequest, viewer: Viewer, run_id: int) -> HttpResponse:
    require_importer(viewer)
    run = job_run_get(organisation_id=viewer.organisation_id, job_run_id=run_id)
    if run.kind != TIME_IMPORT or (run.created_by_id != viewer.user_id and not viewer.is_admin):
        raise NotFound("No such import.")
    context = {"run": run, "finished": run.status in (JobRunStatus.DONE, JobRunStatus.FAILED)}
    if request.htmx:
        return render(request, f"{TEMPLATE}#run_progress", context)
    return page(request, viewer, TEMPLATE, {**context, "orders": ORDERS, "order": "auto"}, active="time_import")


class ExportForm(forms.Form):
    what = forms.ChoiceField(choices=[("time", "Time entries"), ("expenses", "Expense lines")], required=False)
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    project = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    person = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), *((s, s.title()) for s in export.EXPENSE_STATUSES)],
    )
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "Excel (XLSX)")], required=False)

    def __init__(self, *args: Any, viewer: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        projects = projects_visible(viewer).order_by("code").values_list("id", "code", "name")
        cast(forms.ChoiceField, self.fields["project"]).choices = [
            ("", "All projects"),
            *((i, f"{c} · {n}") for i, c, n in projects),
        ]
        people = people_visible(viewer).order_by("name").values_list("id", "name")
        cast(forms.ChoiceField, self.fields["person"]).choices = [("", "Everyone"), *people]
        for name in ("what", "project", "person", "status"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, date) and isinstance(end, date) and start > end:
            raise forms.ValidationError("The start date is after the end date.")
        return data


@require_GET
@viewer_view
def time_export_view(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    form = ExportForm(request.GET or None, viewer=viewer)
    if request.GET.get("format") and form.is_valid():
        data = form.cleaned_data
        filters = export.TimeFilter(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            project_id=data.get("project"),
            person_id=data.get("person"),
            status=data.get("status") or None,
        )
        # A streamed CSV or a file: not an HttpResponse subclass, but served the same way.
        what = data.get("what") or "time"
        if what == "time" and filters.status == "reimbursed":
            form.add_error("status", "Time entries are never reimbursed; choose another status.")
        else:
            return cast(HttpResponse, export_file(viewer, filters, data.get("format") or "csv", what))
    status = 422 if request.GET.get("format") else 200  # a download asked for with invalid filters
    return page(
        request,
        viewer,
        "integrations/time_export.html",
        {"form": form, "can_import": True},
        active="time_export",
        status=status,
    )
