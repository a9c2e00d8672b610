"""The ready-to-bill queue of a contract, drafting from it, reviewing a draft, and credit notes."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from margin.api.money import MONEY_ONLY
from margin.api.schemas.billing import InvoiceLineOut, InvoiceOut
from margin.api.schemas.common import Count, Id, money, rate_text, responses
from margin.api.schemas.invoice_review import (
    ContractDraftIn,
    CreditNoteIn,
    HoldIn,
    LineAdjustIn,
    OverCapIn,
    ReadyOut,
    ReadyQuery,
    ReleaseIn,
    RerateIn,
    RerateOut,
    RerateQuery,
    TaxRowOut,
)
from margin.api.security import viewer_of
from margin.billing import review
from margin.billing.actions import invoice_draft_for_contract
from margin.billing.crediting import CreditLine, credit_note_create
from margin.billing.models import InvoiceLine, InvoiceTaxRow
from margin.billing.queries import invoice_get, invoices_visible
from margin.billing.ready import Ready, ready_to_bill
from margin.billing.rerating import Rerating, rerating_apply, rerating_preview
from margin.contracts.queries import contract_get

router = Router(tags=["billing review"])


def _ready_out(ready: Ready) -> dict[str, Any]:
    currency = ready.contract.company.base_currency
    return {
        "contract_id": ready.contract.pk,
        "up_to": ready.up_to,
        "currency": currency,
        "invoice_currency": ready.contract.currency,
        "items": [
            {
                "kind": i.kind,
                "project_id": i.project_id,
                "billing_line_id": i.billing_line_id,
                "description": i.description,
                "quantity": rate_text(i.quantity),
                "unit": i.unit,
                "amount": money(i.amount_minor, currency),
                "minutes": i.minutes,
                "entries": i.entries or len(i.entry_ids),
                "instalment_id": i.instalment_id,
                "period_start": i.period_start,
                "period_end": i.period_end,
                "reason": i.reason,
            }
            for i in ready.items
        ],
        "total": money(ready.total_minor, currency),
        "over_cap": [
            {
                "entry_id": h.entry_id,
                "project_id": h.project_id,
                "billing_line_id": h.billing_line_id,
                "work_date": h.work_date,
                "minutes": h.minutes,
                "value": money(h.value_minor, currency),
            }
            for h in ready.over_cap
        ],
        "blocked": [
            {"instalment_id": b.instalment_id, "amount": money(b.amount_minor, currency), "reason": b.reason}
            for b in ready.blocked
        ],
        "balances": [{**vars(b), "text": b.text} for b in ready.balances],
        "caps": [vars(c) for c in ready.caps],
        "unassigned_minutes": ready.unassigned_minutes,
    }


@router.get(
    "/contracts/{contract_id}/ready",
    response=responses(ReadyOut),
    summary="What a contract has ready to bill up to a date (the preview of its next draft)",
    openapi_extra=MONEY_ONLY,
)
def contract_ready(request: HttpRequest, contract_id: Id, query: Query[ReadyQuery]) -> dict[str, Any]:
    contract = contract_get(viewer_of(request), contract_id)
    return _ready_out(ready_to_bill([contract], query.up_to)[contract.pk])


@router.post(
    "/contracts/{contract_id}/invoices",
    response=responses(list[InvoiceOut], 201),
    summary="Draft what a contract has ready to bill: one invoice, or one per project",
    openapi_extra=MONEY_ONLY,
)
def contract_draft(request: HttpRequest, contract_id: Id, payload: ContractDraftIn) -> Status[list[Any]]:
    viewer = viewer_of(request)
    invoices = invoice_draft_for_contract(
        viewer=viewer, contract=contract_get(viewer, contract_id), up_to=payload.up_to
    )
    return Status(201, list(invoices_visible(viewer).filter(id__in=[i.pk for i in invoices]).order_by("id")))


def line_of(invoice_id: int, line_id: int) -> InvoiceLine:
    return InvoiceLine.objects.select_related("invoice").get(invoice_id=invoice_id, pk=line_id)


@router.patch(
    "/invoices/{invoice_id}/lines/{line_id}",
    response=responses(InvoiceLineOut),
    summary="Write a draft's line up or down, saying why",
    openapi_extra=MONEY_ONLY,
)
def line_adjust(request: HttpRequest, invoice_id: Id, line_id: Id, payload: LineAdjustIn) -> InvoiceLine:
    viewer = viewer_of(request)
    invoice = invoice_get(viewer, invoice_id)
    line = review.invoice_line_adjust(
        viewer=viewer, invoice_id=invoice.pk, line_id=line_id, amount_minor=payload.amount_minor, reason=payload.reason
    )
    return line_of(invoice.pk, line.pk)


@router.delete(
    "/invoices/{invoice_id}/lines/{line_id}",
    response=responses(None, 204),
    summary="Remove a manual line or a discount from a draft",
    openapi_extra=MONEY_ONLY,
)
def line_remove(request: HttpRequest, invoice_id: Id, line_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    review.invoice_line_remove(viewer=viewer, invoice_id=invoice_get(viewer, invoice_id).pk, line_id=line_id)
    return Status(204, None)


@router.post(
    "/invoices/{invoice_id}/hold",
    response=responses(Count),
    summary="Take time off a draft and hold it for a later invoice",
    openapi_extra=MONEY_ONLY,
)
def time_hold(request: HttpRequest, invoice_id: Id, payload: HoldIn) -> dict[str, int]:
    viewer = viewer_of(request)
    invoice = invoice_get(viewer, invoice_id)
    return {"count": review.invoice_time_hold(viewer=viewer, invoice_id=invoice.pk, **payload.model_dump())}


@router.post("/time-holds/release", response=responses(Count), summary="Release held time: ready to bill again")
def time_release(request: HttpRequest, payload: ReleaseIn) -> dict[str, int]:
    return {"count": review.time_release(viewer=viewer_of(request), entry_ids=payload.entry_ids)}


@router.post(
    "/time-holds/over-cap",
    response=responses(Count),
    summary="Decide on time held over a cap: bill it (outside the cap) or write it off",
)
def over_cap(request: HttpRequest, payload: OverCapIn) -> dict[str, int]:
    return {"count": review.over_cap_decide(viewer=viewer_of(request), **payload.model_dump())}


@router.get(
    "/invoices/{invoice_id}/tax-rows",
    response=responses(list[TaxRowOut]),
    summary="The tax summary of an invoice or credit note: one row per category and rate",
    openapi_extra=MONEY_ONLY,
)
def tax_rows(request: HttpRequest, invoice_id: Id) -> list[dict[str, Any]]:
    invoice = invoice_get(viewer_of(request), invoice_id)
    return [
        {
            "category": row.category,
            "rate": rate_text(row.rate),
            "taxable": money(row.taxable_minor, invoice.currency),
            "tax": money(row.tax_minor, invoice.currency),
            "exemption_reason": row.exemption_reason,
        }
        for row in InvoiceTaxRow.objects.filter(invoice=invoice)
    ]


@router.post(
    "/invoices/{invoice_id}/credit-notes",
    response=responses(InvoiceOut, 201),
    summary="Draft a credit note of an issued invoice, by lines or by amount",
    openapi_extra=MONEY_ONLY,
)
def credit_note(request: HttpRequest, invoice_id: Id, payload: CreditNoteIn) -> Status[Any]:
    viewer = viewer_of(request)
    note = credit_note_create(
        viewer=viewer,
        invoice=invoice_get(viewer, invoice_id),
        reason=payload.reason,
        lines=[CreditLine(c.line_id, c.amount_minor) for c in payload.lines] if payload.lines is not None else None,
        amount_minor=payload.amount_minor,
        returns_work=payload.returns_work,
    )
    return Status(201, invoice_get(viewer, note.pk))


def _rerating_out(result: Rerating) -> dict[str, Any]:
    currency = result.currency
    return {
        "contract_id": result.contract_id,
        "since": result.since,
        "rows": [
            {
                "entry_id": r.entry_id,
                "project_id": r.project_id,
                "person_name": r.person_name,
                "work_date": r.work_date,
                "billable_minutes": r.billable_minutes,
                "old_rate": rate_text(r.old_rate) if r.old_rate is not None else None,
                "new_rate": rate_text(r.new_rate) if r.new_rate is not None else None,
                "old_value": money(r.old_minor, currency),
                "new_value": money(r.new_minor, currency),
            }
            for r in result.rows
        ],
        "old_total": money(result.old_minor, currency),
        "new_total": money(result.new_minor, currency),
        "change": money(result.change_minor, currency),
    }


@router.get(
    "/contracts/{contract_id}/rerating",
    response=responses(RerateOut),
    summary="Preview re-rating: the contract's approved, unbilled time valued at today's cards",
    openapi_extra=MONEY_ONLY,
)
def rerating_get(request: HttpRequest, contract_id: Id, query: Query[RerateQuery]) -> dict[str, Any]:
    viewer = viewer_of(request)
    return _rerating_out(rerating_preview(viewer=viewer, contract=contract_get(viewer, contract_id), since=query.since))


@router.post(
    "/contracts/{contract_id}/rerating",
    response=responses(RerateOut),
    summary="Re-rate the contract's approved, unbilled time from a date (audited; billed time never changes)",
    openapi_extra=MONEY_ONLY,
)
def rerating_post(request: HttpRequest, contract_id: Id, payload: RerateIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    return _rerating_out(rerating_apply(viewer=viewer, contract=contract_get(viewer, contract_id), since=payload.since))
