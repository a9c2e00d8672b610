"""Payments and receivables: payments with their allocations, bank statements with matching suggestions, the
ageing, a client's statement of account and DSO. Finance and administrators only: a payment or a statement is
invisible to anyone else (404), the lists and reports answer them 403."""

from datetime import date, timedelta
from typing import Literal

from django.db.models import F, Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.models import Company
from margin.accounts.queries import company_get
from margin.api.money import MONEY_ONLY
from margin.api.pagination import Pages
from margin.api.schemas.common import Id, responses
from margin.api.schemas.receivables import (
    AgeingOut,
    AllocationsIn,
    DsoOut,
    PaymentIn,
    PaymentOut,
    StatementAcceptIn,
    StatementLineOut,
    StatementOfAccountOut,
    StatementOut,
    account_out,
    ageing_out,
    dso_out,
    statement_line_out,
)
from margin.api.security import viewer_of
from margin.core.errors import Invalid
from margin.crm.queries import client_get
from margin.receivables import actions
from margin.receivables.models import BankStatement, Payment, PaymentAllocation
from margin.receivables.queries import (
    ageing_of,
    dso_of,
    payment_get,
    payments_visible,
    receivable_invoice_get,
    require_finance,
    statement_get,
    statement_line_get,
    statement_lines_with_suggestions,
    statement_of_account,
    statements_visible,
)

payments = Router(tags=["payments"])
statements = Router(tags=["bank statements"])
reports = Router(tags=["receivables"])

MAX_STATEMENT_BYTES = 5 * 1024 * 1024


def _with_allocations(rows: QuerySet[Payment]) -> QuerySet[Payment]:
    return rows.prefetch_related(
        Prefetch("allocations", queryset=PaymentAllocation.objects.select_related("invoice").order_by("invoice_id"))
    )


def _payment(request: HttpRequest, payment_id: int) -> Payment:
    viewer = viewer_of(request)
    return _with_allocations(payments_visible(viewer)).filter(pk=payment_get(viewer, payment_id).pk).get()


def _allocations(request: HttpRequest, items: list[object]) -> list[actions.AllocationIn]:
    viewer = viewer_of(request)
    return [
        actions.AllocationIn(receivable_invoice_get(viewer, a.invoice_id), a.amount_minor)  # type: ignore[attr-defined]
        for a in items
    ]


class PaymentFilter(Schema):
    client_id: Id | None = None
    company_id: Id | None = None
    received_from: date | None = None
    received_to: date | None = None
    unallocated: bool | None = Field(None, description="Only payments with (true) or without (false) credit left")


@payments.get(
    "",
    response=responses(list[PaymentOut]),
    summary="List payments (newest first)",
    openapi_extra=MONEY_ONLY,
)
@paginate(Pages)
def payment_list(request: HttpRequest, filters: Query[PaymentFilter]) -> QuerySet[Payment]:
    viewer = viewer_of(request)
    require_finance(viewer)
    rows = payments_visible(viewer).order_by("-received_on", "-id")
    if filters.client_id:
        rows = rows.filter(client_id=filters.client_id)
    if filters.company_id:
        rows = rows.filter(company_id=filters.company_id)
    if filters.received_from:
        rows = rows.filter(received_on__gte=filters.received_from)
    if filters.received_to:
        rows = rows.filter(received_on__lte=filters.received_to)
    if filters.unallocated is not None:
        settles = F("amount_minor") + F("bank_charges_minor")
        # allocated_minor is payments_visible's annotation
        wanted = {"allocated_minor__lt" if filters.unallocated else "allocated_minor": settles}
        rows = rows.filter(**wanted)
    return _with_allocations(rows)


@payments.post(
    "",
    response=responses(PaymentOut, 201),
    summary="Record a payment, allocating it to invoices at once (optional)",
    openapi_extra=MONEY_ONLY,
)
def payment_add(request: HttpRequest, payload: PaymentIn) -> Status[Payment]:
    viewer = viewer_of(request)
    payment = actions.payment_record(
        viewer=viewer,
        company=company_get(viewer, payload.company_id),
        client=client_get(viewer, payload.client_id),
        received_on=payload.received_on,
        currency=payload.currency,
        amount_minor=payload.amount_minor,
        bank_charges_minor=payload.bank_charges_minor,
        reference=payload.reference,
        method=payload.method,
        note=payload.note,
        allocations=_allocations(request, list(payload.allocations)),
    )
    return Status(201, _payment(request, payment.pk))


@payments.get("/{payment_id}", response=responses(PaymentOut), summary="Get a payment", openapi_extra=MONEY_ONLY)
def payment_detail(request: HttpRequest, payment_id: Id) -> Payment:
    return _payment(request, payment_id)


@payments.delete(
    "/{payment_id}",
    response=responses(None, 204),
    summary="Delete a payment: its allocations go back to their invoices' open amounts",
    openapi_extra=MONEY_ONLY,
)
def payment_remove(request: HttpRequest, payment_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    actions.payment_delete(viewer=viewer, payment=payment_get(viewer, payment_id))
    return Status(204, None)


@payments.post(
    "/{payment_id}/allocations",
    response=responses(PaymentOut),
    summary="Allocate (more of) a payment to invoices: all of them or none",
    openapi_extra=MONEY_ONLY,
)
def allocation_add(request: HttpRequest, payment_id: Id, payload: AllocationsIn) -> Payment:
    viewer = viewer_of(request)
    actions.payment_allocate(
        viewer=viewer,
        payment=payment_get(viewer, payment_id),
        allocations=_allocations(request, list(payload.allocations)),
    )
    return _payment(request, payment_id)


class UnallocateQuery(Schema):
    invoice_id: Id | None = Field(None, description="Only this invoice's allocation (default: every allocation)")
    amount_minor: int | None = Field(None, ge=1, description="Only this much of it (needs invoice_id)")


@payments.delete(
    "/{payment_id}/allocations",
    response=responses(PaymentOut),
    summary="Take allocations back: they become credit on the client's account again",
    openapi_extra=MONEY_ONLY,
)
def allocation_remove(request: HttpRequest, payment_id: Id, params: Query[UnallocateQuery]) -> Payment:
    viewer = viewer_of(request)
    payment = payment_get(viewer, payment_id)
    invoice = receivable_invoice_get(viewer, params.invoice_id) if params.invoice_id else None
    actions.payment_unallocate(viewer=viewer, payment=payment, invoice=invoice, amount_minor=params.amount_minor)
    return _payment(request, payment_id)


# --- bank statements ----------------------------------------------------------------------------------------------


@statements.get(
    "",
    response=responses(list[StatementOut]),
    summary="List imported bank statements (newest first)",
    openapi_extra=MONEY_ONLY,
)
@paginate(Pages)
def statement_list(request: HttpRequest) -> QuerySet[BankStatement]:
    viewer = viewer_of(request)
    require_finance(viewer)
    return statements_visible(viewer).order_by("-imported_at", "-id")


@statements.post(
    "",
    response=responses(StatementOut, 201),
    summary="Import a bank statement CSV of a company's account: every line or none",
    openapi_extra=MONEY_ONLY,
)
def statement_add(
    request: HttpRequest,
    company_id: Form[Id],
    file: File[UploadedFile],
    date_order: Form[Literal["auto", "dmy", "mdy"]] = "auto",
) -> Status[BankStatement]:
    """Columns are found by their header (Date, Amount or Credit/Debit, Currency, Counterparty, Reference, and
    their usual names in German, French, Spanish, Italian and Dutch exports); decimal commas, `;` or tab
    delimiters and Windows-1252 files are read. A file with bad lines answers 422 listing every problem by line
    and column, and imports nothing. `date_order`: auto, dmy or mdy."""
    viewer = viewer_of(request)
    company = company_get(viewer, company_id)
    if file.size is not None and file.size > MAX_STATEMENT_BYTES:
        raise Invalid("The file is larger than 5 MB.", field="file")
    statement = actions.bank_statement_import(
        viewer=viewer, company=company, data=bytes(file.read()), filename=file.name or "", order=date_order
    )
    return Status(201, statement)


@statements.get(
    "/{statement_id}/lines",
    response=responses(list[StatementLineOut]),
    summary="A statement's lines, each with the payment it became or suggestions of open invoices it may pay",
    openapi_extra=MONEY_ONLY,
)
def statement_lines(request: HttpRequest, statement_id: Id) -> list[StatementLineOut]:
    viewer = viewer_of(request)
    rows = statement_lines_with_suggestions(viewer, statement_get(viewer, statement_id))
    return [statement_line_out(row) for row in rows]


@statements.post(
    "/lines/{statement_line_id}/accept",
    response=responses(PaymentOut, 201),
    summary="Record a statement line as a payment of an invoice (or of a client, on account)",
    openapi_extra=MONEY_ONLY,
)
def line_accept(request: HttpRequest, statement_line_id: Id, payload: StatementAcceptIn) -> Status[Payment]:
    viewer = viewer_of(request)
    line = statement_line_get(viewer, statement_line_id)
    invoice = receivable_invoice_get(viewer, payload.invoice_id) if payload.invoice_id else None
    client = client_get(viewer, payload.client_id) if payload.client_id else None
    payment = actions.statement_line_accept(
        viewer=viewer, line=line, invoice=invoice, client=client, bank_charges_minor=payload.bank_charges_minor
    )
    return Status(201, _payment(request, payment.pk))


# --- reports ---------------------------------------------------------------------------------------------------------


class AgeingQuery(Schema):
    company_id: Id | None = Field(None, description="Default: every company you see")
    as_of: date | None = Field(None, description="Default: today")


def _company(request: HttpRequest, company_id: int | None) -> Company | None:
    return company_get(viewer_of(request), company_id) if company_id else None


@reports.get(
    "/receivables/ageing",
    response=responses(AgeingOut),
    summary="Receivables by days past due, per company and client, in each currency and the company's",
    openapi_extra=MONEY_ONLY,
)
def ageing(request: HttpRequest, params: Query[AgeingQuery]) -> AgeingOut:
    viewer = viewer_of(request)
    require_finance(viewer)
    as_of = params.as_of or timezone.localdate()
    return ageing_out(as_of, ageing_of(viewer, as_of=as_of, company=_company(request, params.company_id)))


class DsoQuery(AgeingQuery):
    days: int = Field(90, ge=1, le=3660, description="The period of credit sales, ending on as_of")


@reports.get(
    "/receivables/dso",
    response=responses(list[DsoOut]),
    summary="Days sales outstanding per company: receivables ÷ credit sales of the period × its days",
    openapi_extra=MONEY_ONLY,
)
def dso(request: HttpRequest, params: Query[DsoQuery]) -> list[DsoOut]:
    viewer = viewer_of(request)
    require_finance(viewer)
    as_of = params.as_of or timezone.localdate()
    chosen = _company(request, params.company_id)
    companies = [chosen] if chosen else [a.company for a in ageing_of(viewer, as_of=as_of)]
    return [dso_out(dso_of(viewer, company=c, as_of=as_of, days=params.days)) for c in companies]


class StatementQuery(Schema):
    first: date | None = Field(None, alias="from", description="Default: 90 days before `to`")
    last: date | None = Field(None, alias="to", description="Default: today")


@reports.get(
    "/clients/{client_id}/statement",
    response=responses(StatementOfAccountOut),
    summary="A client's statement of account: invoices, credit notes and payments with the running balance",
    openapi_extra=MONEY_ONLY,
)
def client_statement(request: HttpRequest, client_id: Id, params: Query[StatementQuery]) -> StatementOfAccountOut:
    viewer = viewer_of(request)
    client = client_get(viewer, client_id)
    require_finance(viewer)
    last = params.last or timezone.localdate()
    first = params.first or last - timedelta(days=90)
    if first > last:
        raise Invalid("`from` must be on or before `to`.", field="from")
    statement = statement_of_account(viewer, client=client, first=first, last=last)
    return StatementOfAccountOut(
        client_id=client.pk,
        client_name=client.name,
        first=first,
        last=last,
        accounts=[account_out(a) for a in statement.accounts],
    )
