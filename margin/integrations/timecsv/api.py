"""Time in bulk through the API: ``POST /time-entries/bulk`` (JSON, thousands of entries, per-row results),
``POST /time-entries/import`` (a Harvest, Toggl or Clockify CSV: dry run or commit) and ``GET /time-entries/export``
(CSV or XLSX with filters).

Registered on the one NinjaAPI by ``margin.integrations.apps`` (integrations sit above the API layer)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.responses import Status

from margin.accounts.queries import Viewer
from margin.api.schemas.common import Id, Minutes, Note, responses
from margin.api.security import viewer_of
from margin.core.errors import Invalid
from margin.integrations.timecsv import export
from margin.integrations.timecsv.imports import BulkItem, time_csv_import, time_csv_preview, time_entries_bulk
from margin.timesheets.models import TimeCategory

router = Router(tags=["time import and export"])
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_BULK = 10_000


class BulkEntryIn(Schema):
    project_id: Id
    task_id: Id | None = None
    person_id: Id | None = Field(None, description="Whose time; or person_email; neither: your own")
    person_email: Annotated[str, Field(max_length=254)] = ""
    work_date: date
    minutes: Minutes
    billable: bool | None = Field(None, description="Omitted: the task's default (billable without a task)")
    note: Note = ""
    category: TimeCategory = Field(TimeCategory.WORK, description="Only client work can be billable")


class BulkIn(Schema):
    mode: Literal["all", "valid"] = Field(
        "all",
        description='"all": any row with an error and nothing is created (the results name every error); '
        '"valid": the rows without errors are created as one batch, the others reported',
    )
    approved: bool = Field(
        False, description="Create the entries approved and valued (history from another system; administrators)"
    )
    entries: list[BulkEntryIn] = Field(..., min_length=1, max_length=MAX_BULK)


class RowError(Schema):
    field: str
    message: str


class BulkRowOut(Schema):
    index: int = Field(description="Position of the entry in the request (from 0)")
    id: int | None = Field(None, description="The created entry's id")
    errors: list[RowError]


class BulkOut(Schema):
    ok: bool = Field(description="True when every entry was created")
    created: int
    failed: int
    results: list[BulkRowOut]


@router.post(
    "/time-entries/bulk",
    response=responses(BulkOut),
    summary="Create up to 10,000 time entries in one request, with a result per entry",
    description=(
        "Every entry is checked by the same rules as a single entry (membership, open project and leaf task, "
        "1-1,440 minutes, dates, closed periods, 24 hours a person-day including what is already logged). "
        'With mode "all" (default) nothing is created unless every entry is valid; with mode "valid" the valid '
        "entries are created and the others reported. The answer is 200 either way: `ok`, `created`, and per entry "
        "its new `id` or its `errors` (field and message). Entries are created as drafts unless `approved` "
        "(administrators only). Anyone may send their own time; entries for other people need an administrator "
        "or the permission to log time for others."
    ),
)
def time_entries_bulk_post(request: HttpRequest, payload: BulkIn) -> BulkOut:
    viewer = viewer_of(request)
    items = [
        BulkItem(
            project_id=e.project_id,
            task_id=e.task_id,
            person_id=e.person_id,
            person_email=e.person_email,
            work_date=e.work_date,
            minutes=e.minutes,
            billable=e.billable,
            note=e.note,
            category=str(e.category.value),
        )
        for e in payload.entries
    ]
    created, results = time_entries_bulk(viewer=viewer, items=items, mode=payload.mode, approved=payload.approved)
    failed = sum(1 for r in results if r.errors)
    return BulkOut(
        ok=failed == 0,
        created=created,
        failed=failed,
        results=[BulkRowOut(index=r.index, id=r.id, errors=[RowError(**e) for e in r.errors]) for r in results],
    )


class FileRowError(Schema):
    line: int
    column: str
    message: str


class PreviewOut(Schema):
    format: str = Field(description="harvest, toggl, clockify or margin (detected from the header)")
    encoding: str
    delimiter: str
    rows: int
    rows_with_errors: int
    total_minutes: int
    first_date: date | None
    last_date: date | None
    people: int
    projects: int
    warnings: list[str]
    errors: list[FileRowError] = Field(description="Row errors (at most 500)")


class TimeImportOut(Schema):
    created: int


@router.post(
    "/time-entries/import",
    response={**responses(PreviewOut), 201: TimeImportOut},
    summary="Import a Harvest, Toggl or Clockify time CSV: dry run (default) or commit, all rows or none",
)
def time_entries_import_csv(
    request: HttpRequest,
    file: File[UploadedFile],
    dry_run: Form[bool] = True,
    date_order: Form[Literal["auto", "mdy", "dmy"]] = "auto",
    approved: Form[bool] = False,
) -> Status[PreviewOut] | Status[TimeImportOut]:
    viewer = viewer_of(request)
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise Invalid("The file is larger than 50 MB.", field="file")
    data = bytes(file.read())
    if not dry_run:
        created = time_csv_import(viewer=viewer, data=data, order=date_order, approved=approved)
        return Status(201, TimeImportOut(created=created))
    preview = time_csv_preview(viewer=viewer, data=data, order=date_order)
    return Status(
        200,
        PreviewOut(
            format=preview.format,
            encoding=preview.encoding,
            delimiter=preview.delimiter,
            rows=preview.row_count,
            rows_with_errors=preview.error_count,
            total_minutes=preview.total_minutes,
            first_date=preview.first_date,
            last_date=preview.last_date,
            people=preview.people_count,
            projects=preview.project_count,
            warnings=preview.warnings,
            errors=[FileRowError(line=r, column=c, message=m) for r, c, m in preview.shown_errors],
        ),
    )


class ExportIn(Schema):
    format: Literal["csv", "xlsx"] = "csv"
    date_from: date | None = None
    date_to: date | None = None
    project_id: Id | None = None
    person_id: Id | None = None
    status: Literal["draft", "submitted", "approved", "rejected"] | None = None


FILE_ANSWER = {
    "responses": {
        200: {
            "description": "The entries you can see, as CSV (UTF-8 with BOM) or XLSX",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
        }
    }
}


def export_file(
    viewer: Viewer, filters: export.TimeFilter, fmt: str, what: str = "time"
) -> StreamingHttpResponse | FileResponse:
    """The export as a download: CSV streamed row by row, XLSX written to a temporary file first."""
    header, body = export.expense_rows(viewer, filters) if what == "expenses" else export.rows(viewer, filters)
    if fmt == "xlsx":
        return FileResponse(
            export.xlsx_file(header, body, title=what.title()),
            as_attachment=True,
            filename=export.filename(filters, "xlsx", what),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    answer = StreamingHttpResponse(export.csv_chunks(header, body), content_type="text/csv; charset=utf-8")
    answer["Content-Disposition"] = f'attachment; filename="{export.filename(filters, "csv", what)}"'
    return answer


@router.get(
    "/time-entries/export",
    response=responses(None),
    summary="Export the time entries you can see as CSV (streamed) or XLSX, with filters",
    openapi_extra=FILE_ANSWER,
)
def time_entries_export(request: HttpRequest, params: Query[ExportIn]) -> StreamingHttpResponse | FileResponse:
    filters = export.TimeFilter(
        date_from=params.date_from,
        date_to=params.date_to,
        project_id=params.project_id,
        person_id=params.person_id,
        status=params.status,
    )
    return export_file(viewer_of(request), filters, params.format)


class ExpenseExportIn(Schema):
    format: Literal["csv", "xlsx"] = "csv"
    date_from: date | None = None
    date_to: date | None = None
    project_id: Id | None = None
    person_id: Id | None = None
    status: Literal["draft", "submitted", "approved", "rejected", "reimbursed"] | None = Field(
        None, description="The claim's status"
    )


@router.get(
    "/expenses/export",
    response=responses(None),
    summary="Export the expense lines of the claims you can see as CSV (streamed) or XLSX, with filters",
    openapi_extra=FILE_ANSWER,
)
def expenses_export(request: HttpRequest, params: Query[ExpenseExportIn]) -> StreamingHttpResponse | FileResponse:
    filters = export.TimeFilter(
        date_from=params.date_from,
        date_to=params.date_to,
        project_id=params.project_id,
        person_id=params.person_id,
        status=params.status,
    )
    return export_file(viewer_of(request), filters, params.format, "expenses")
