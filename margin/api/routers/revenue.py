"""Revenue recognition: how each billing line recognises, estimates at completion and price modifications, the
monthly revenue run (preview, post, reverse) and a contract's revenue over time. Finance and administrators only:
another company's answers 404, anyone else 403."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from margin.api.money import MONEY_ONLY
from margin.api.pagination import Pages
from margin.api.schemas.common import Id, responses
from margin.api.schemas.revenue import (
    EstimateIn,
    EstimateOut,
    HistoryPointOut,
    ModificationIn,
    ModificationOut,
    MonthIn,
    RecognitionIn,
    RecognitionOut,
    RevenuePreviewOut,
    RevenueRunDetailOut,
    RevenueRunOut,
    ReverseRunIn,
)
from margin.api.security import viewer_of
from margin.books.actions import chart_ensure
from margin.contracts.queries import contract_get
from margin.revenue import actions
from margin.revenue.models import Estimate, Modification, RevenueRun
from margin.revenue.queries import (
    billing_line_for_revenue,
    contract_history,
    revenue_company,
    run_get,
    runs_of,
    standing_run,
)

router = Router(tags=["revenue"])


@router.put(
    "/billing-lines/{billing_line_id}/recognition",
    response=responses(RecognitionOut),
    summary="Choose how a billing line recognises revenue",
)
def recognition_put(request: HttpRequest, billing_line_id: Id, payload: RecognitionIn) -> RecognitionOut:
    viewer = viewer_of(request)
    plan = actions.recognition_plan_set(
        viewer=viewer,
        line=billing_line_for_revenue(viewer, billing_line_id),
        method=payload.method,
        service_start=payload.service_start,
        service_end=payload.service_end,
    )
    return RecognitionOut(
        billing_line_id=plan.billing_line_id,
        method=plan.method,  # type: ignore[arg-type]
        service_start=plan.service_start,
        service_end=plan.service_end,
    )


@router.post(
    "/billing-lines/{billing_line_id}/estimates",
    response=responses(EstimateOut, 201),
    summary="Enter an estimate at completion over the plan's, with a reason",
    openapi_extra=MONEY_ONLY,
)
def estimate_add(request: HttpRequest, billing_line_id: Id, payload: EstimateIn) -> Status[Estimate]:
    viewer = viewer_of(request)
    row = actions.estimate_set(
        viewer=viewer,
        line=billing_line_for_revenue(viewer, billing_line_id),
        effective=payload.effective,
        total_cost_minor=payload.total_cost_minor,
        total_minutes=payload.total_minutes,
        reason=payload.reason,
    )
    return Status(201, row)


@router.post(
    "/billing-lines/{billing_line_id}/modifications",
    response=responses(ModificationOut, 201),
    summary="Change a fixed or progress line's price, prospectively or as a cumulative catch-up",
    openapi_extra=MONEY_ONLY,
)
def modification_add(request: HttpRequest, billing_line_id: Id, payload: ModificationIn) -> Status[Modification]:
    viewer = viewer_of(request)
    row = actions.contract_modify(
        viewer=viewer,
        line=billing_line_for_revenue(viewer, billing_line_id),
        price_minor=payload.price_minor,
        effective=payload.effective,
        treatment=payload.treatment,
        reason=payload.reason,
    )
    return Status(201, row)


@router.get(
    "/companies/{company_id}/runs",
    response=responses(list[RevenueRunOut]),
    summary="Revenue runs, newest month first",
)
@paginate(Pages)
def run_list(request: HttpRequest, company_id: Id) -> QuerySet[RevenueRun]:
    company = revenue_company(viewer_of(request), company_id)
    return runs_of(company.pk)


@router.get(
    "/companies/{company_id}/preview",
    response=responses(RevenuePreviewOut),
    summary="What the month's revenue run would recognise and post",
    openapi_extra=MONEY_ONLY,
)
def run_preview_get(request: HttpRequest, company_id: Id, month: Query[MonthIn]) -> RevenuePreviewOut:
    viewer = viewer_of(request)
    company = revenue_company(viewer, company_id)
    preview = actions.revenue_preview(viewer=viewer, company=company, year=month.year, month=month.month)
    return RevenuePreviewOut.from_preview(
        preview, already_run=standing_run(company.pk, preview.period_end) is not None, accounts=chart_ensure(company)
    )


@router.post(
    "/companies/{company_id}/runs",
    response=responses(RevenueRunDetailOut, 201),
    summary="Run the month: store every line's figures and post the journal entry",
    openapi_extra=MONEY_ONLY,
)
def run_add(request: HttpRequest, company_id: Id, payload: MonthIn) -> Status[RevenueRun]:
    viewer = viewer_of(request)
    company = revenue_company(viewer, company_id)
    run = actions.revenue_run_post(viewer=viewer, company=company, year=payload.year, month=payload.month)
    return Status(201, run)


@router.get(
    "/runs/{revenue_run_id}",
    response=responses(RevenueRunDetailOut),
    summary="One revenue run with its lines",
    openapi_extra=MONEY_ONLY,
)
def run_detail(request: HttpRequest, revenue_run_id: Id) -> RevenueRun:
    return run_get(viewer_of(request), revenue_run_id)


@router.post(
    "/runs/{revenue_run_id}/reverse",
    response=responses(RevenueRunOut),
    summary="Reverse the latest run (its journal entry is reversed; the month may be run again)",
)
def run_reverse(request: HttpRequest, revenue_run_id: Id, payload: ReverseRunIn) -> RevenueRun:
    viewer = viewer_of(request)
    run = actions.revenue_run_reverse(viewer=viewer, run=run_get(viewer, revenue_run_id), reason=payload.reason)
    return run


@router.get(
    "/contracts/{contract_id}/history",
    response=responses(list[HistoryPointOut]),
    summary="A contract's revenue recognised and billed to date at each posted run",
    openapi_extra=MONEY_ONLY,
)
def contract_history_get(request: HttpRequest, contract_id: Id) -> list[HistoryPointOut]:
    viewer = viewer_of(request)
    contract = contract_get(viewer, contract_id)
    revenue_company(viewer, contract.company_id)
    return [HistoryPointOut.from_point(p, contract.currency) for p in contract_history(contract)]
