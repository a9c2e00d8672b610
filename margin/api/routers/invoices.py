"""Invoices: draft from approved time, the invoice run and sending many (background jobs), issue, discard."""

from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.queries import company_get
from margin.api.money import MONEY_ONLY
from margin.api.pagination import Pages
from margin.api.routers.invoice_review import line_of
from margin.api.schemas.billing import (
    InvoiceDraftIn,
    InvoiceIssueIn,
    InvoiceLineOut,
    InvoiceOut,
    InvoiceRunIn,
    InvoicesSendIn,
    JobOut,
)
from margin.api.schemas.common import Id, responses
from margin.api.schemas.invoice_review import LineAddIn
from margin.api.security import viewer_of
from margin.billing import review
from margin.billing.access import require_finance
from margin.billing.actions import invoice_discard, invoice_draft_create, invoice_issue
from margin.billing.jobs import invoice_run_start as start_invoice_run
from margin.billing.jobs import invoices_send_start as start_invoices_send
from margin.billing.models import Invoice, InvoiceLine
from margin.billing.queries import invoice_get, invoice_lines, invoices_to_send, invoices_visible
from margin.core.errors import Invalid, NotFound
from margin.core.jobruns import job_run_get
from margin.core.models import JobRun
from margin.projects.queries import project_get

router = Router(tags=["invoices"])


class InvoiceFilter(Schema):
    status: Literal["draft", "issued"] | None = None
    project_id: Id | None = None


@router.get(
    "",
    response=responses(list[InvoiceOut]),
    summary="List the invoices of the projects whose money you may see (newest first)",
    openapi_extra=MONEY_ONLY,
)
@paginate(Pages)
def invoice_list(request: HttpRequest, filters: Query[InvoiceFilter]) -> QuerySet[Invoice]:
    invoices = invoices_visible(viewer_of(request)).order_by("-created_at", "-id")
    if filters.status:
        invoices = invoices.filter(status=filters.status)
    if filters.project_id:
        invoices = invoices.filter(project_id=filters.project_id)
    return invoices


@router.post(
    "",
    response=responses(InvoiceOut, 201),
    summary="Draft an invoice of a project's approved time up to a date",
    openapi_extra=MONEY_ONLY,
)
def invoice_draft(request: HttpRequest, payload: InvoiceDraftIn) -> Status[Invoice]:
    viewer = viewer_of(request)
    invoice = invoice_draft_create(viewer=viewer, project=project_get(viewer, payload.project_id), up_to=payload.up_to)
    return Status(201, invoice_get(viewer, invoice.pk))


@router.post(
    "/runs",
    response=responses(JobOut, 202),
    summary="Start an invoice run: a draft for every project of a company with time to bill",
)
def invoice_run_start(request: HttpRequest, payload: InvoiceRunIn) -> Status[JobRun]:
    """Runs in the background; follow it at GET /invoices/runs/{id} (done of total, status)."""
    viewer = viewer_of(request)
    run = start_invoice_run(viewer=viewer, company=company_get(viewer, payload.company_id), up_to=payload.up_to)
    run.refresh_from_db()
    return Status(202, run)


@router.post(
    "/send",
    response=responses(JobOut, 202),
    summary="E-mail many issued invoices in the background (PDF with Factur-X and UBL attached)",
)
def invoices_send(request: HttpRequest, payload: InvoicesSendIn) -> Status[JobRun]:
    """Each invoice is sent and committed on its own; follow the run at GET /invoices/runs/{id}. Its result lists
    what was sent, skipped (a draft, or sent already) and failed (with the reason, e.g. no billing e-mail)."""
    viewer = viewer_of(request)
    require_finance(viewer)
    if payload.invoice_ids is None:
        invoices = list(invoices_to_send(viewer))
    else:
        invoices = list(invoices_visible(viewer).filter(id__in=payload.invoice_ids))
        if len(invoices) != len(set(payload.invoice_ids)):
            raise NotFound("No such invoice.")
    if not invoices:
        raise Invalid("There is no issued invoice to send.", field="invoice_ids")
    run = start_invoices_send(viewer=viewer, invoices=invoices, message=payload.message)
    run.refresh_from_db()
    return Status(202, run)


@router.get("/runs/{run_id}", response=responses(JobOut), summary="Progress of an invoice run or of a sending")
def invoice_run_detail(request: HttpRequest, run_id: Id) -> JobRun:
    return job_run_get(organisation_id=viewer_of(request).organisation_id, job_run_id=run_id)


@router.get("/{invoice_id}", response=responses(InvoiceOut), summary="Get an invoice", openapi_extra=MONEY_ONLY)
def invoice_detail(request: HttpRequest, invoice_id: Id) -> Invoice:
    return invoice_get(viewer_of(request), invoice_id)


@router.get(
    "/{invoice_id}/lines",
    response=responses(list[InvoiceLineOut]),
    summary="Lines of an invoice",
    openapi_extra=MONEY_ONLY,
)
@paginate(Pages)
def invoice_line_list(request: HttpRequest, invoice_id: Id) -> QuerySet[InvoiceLine]:
    return invoice_lines(invoice_get(viewer_of(request), invoice_id)).select_related("invoice")


@router.post(
    "/{invoice_id}/issue",
    response=responses(InvoiceOut),
    summary="Issue a draft: number it and freeze it",
    openapi_extra=MONEY_ONLY,
)
def invoice_issue_post(request: HttpRequest, invoice_id: Id, payload: InvoiceIssueIn) -> Invoice:
    viewer = viewer_of(request)
    invoice = invoice_issue(
        viewer=viewer,
        invoice=invoice_get(viewer, invoice_id),
        issue_date=payload.issue_date,
        payment_days=payload.payment_days,
    )
    return invoice_get(viewer, invoice.pk)


@router.post(
    "/{invoice_id}/discard",
    response=responses(None, 204),
    summary="Discard a draft; its time is unbilled again",
    openapi_extra=MONEY_ONLY,
)
def invoice_discard_post(request: HttpRequest, invoice_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    invoice_discard(viewer=viewer, invoice=invoice_get(viewer, invoice_id))
    return Status(204, None)


# Beside the lines' GET (one URL, one router); the rest of a draft's review is in routers/invoice_review.py.
@router.post(
    "/{invoice_id}/lines",
    response=responses(InvoiceLineOut, 201),
    summary="Add a manual line or a discount to a draft",
    openapi_extra=MONEY_ONLY,
)
def invoice_line_add(request: HttpRequest, invoice_id: Id, payload: LineAddIn) -> Status[InvoiceLine]:
    viewer = viewer_of(request)
    invoice = invoice_get(viewer, invoice_id)
    line = review.invoice_line_add(viewer=viewer, invoice_id=invoice.pk, **payload.model_dump())
    return Status(201, line_of(invoice.pk, line.pk))
