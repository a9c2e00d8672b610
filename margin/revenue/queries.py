"""Reads of revenue recognition: access (finance), the runs and their lines, and a contract's history over
time (recognised and billed to date per run), which the revenue chart draws."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet, Sum

from margin.accounts.models import Company
from margin.accounts.queries import Viewer
from margin.contracts.models import BillingLine, Contract
from margin.core.errors import Forbidden, NotFound
from margin.revenue.models import Estimate, Modification, RecognitionPlan, RevenueLine, RevenueRun, RunStatus


def revenue_company(viewer: Viewer, company_id: int) -> Company:
    """The company whose revenue the viewer opens: 404 unless they see it, 403 unless they are finance."""
    company = Company.objects.filter(
        pk=company_id, organisation_id=viewer.organisation_id, pk__in=viewer.company_ids
    ).first()
    if company is None:
        raise NotFound("No such company.")
    if not viewer.is_finance:
        raise Forbidden("Only finance or an administrator may recognise revenue.")
    return company


def runs_of(company_id: int) -> QuerySet[RevenueRun]:
    return RevenueRun.objects.filter(company_id=company_id).select_related("posted_by").order_by("-period_end", "-id")


def run_get(viewer: Viewer, run_id: int) -> RevenueRun:
    run = RevenueRun.objects.filter(pk=run_id, organisation_id=viewer.organisation_id).first()
    if run is None or run.company_id not in viewer.company_ids or not viewer.is_finance:
        raise NotFound("No such revenue run.")
    revenue_company(viewer, run.company_id)
    return run


def run_lines(run: RevenueRun) -> QuerySet[RevenueLine]:
    return (
        RevenueLine.objects.filter(run=run)
        .select_related("billing_line", "contract")
        .order_by("contract__reference", "billing_line__position", "billing_line_id")
    )


def standing_run(company_id: int, period_end: date) -> RevenueRun | None:
    return RevenueRun.objects.filter(company_id=company_id, period_end=period_end, status=RunStatus.POSTED).first()


def billing_line_for_revenue(viewer: Viewer, line_id: int) -> BillingLine:
    line = (
        BillingLine.objects.filter(pk=line_id, contract__organisation_id=viewer.organisation_id)
        .select_related("contract")
        .first()
    )
    if line is None or line.contract.company_id not in viewer.company_ids:
        raise NotFound("No such billing line.")
    revenue_company(viewer, line.contract.company_id)
    return line


@dataclass(frozen=True)
class HistoryPoint:
    """A contract at the end of one posted run: recognised and billed to date, and its balances."""

    period_end: date
    recognised_minor: int
    billed_minor: int
    recognised_period_minor: int
    contract_asset_minor: int
    contract_liability_minor: int
    backlog_minor: int
    loss_provision_minor: int


def contract_history(contract: Contract) -> list[HistoryPoint]:
    """The contract's figures at each posted run, oldest first (its lines summed; contract currency)."""
    points: dict[date, list[int]] = {}
    rows = RevenueLine.objects.filter(contract=contract, run__status=RunStatus.POSTED).values_list(
        "run__period_end",
        "recognised_minor",
        "billed_minor",
        "recognised_period_minor",
        "contract_asset_minor",
        "contract_liability_minor",
        "backlog_minor",
        "loss_provision_minor",
    )
    for period_end, *values in rows:
        sums = points.setdefault(period_end, [0] * 7)
        for i, value in enumerate(values):
            sums[i] += value
    return [HistoryPoint(day, *values) for day, values in sorted(points.items())]


def run_totals(runs: list[RevenueRun]) -> dict[int, list[tuple[str, int]]]:
    """Revenue recognised in each run's month, per currency of its contracts (one grouped read)."""
    found: dict[int, list[tuple[str, int]]] = defaultdict(list)
    rows = (
        RevenueLine.objects.filter(run_id__in=[r.pk for r in runs])
        .values_list("run_id", "currency")
        .annotate(total=Sum("recognised_period_minor"))
        .order_by("run_id", "currency")
    )
    for run_id, currency, total in rows:
        found[run_id].append((currency, int(total or 0)))
    return found


@dataclass
class RevenueTerms:
    """How a contract's lines recognise revenue: each line's chosen plan, its estimates (newest first) and its
    price modifications (oldest first)."""

    plans: dict[int, RecognitionPlan] = field(default_factory=dict)
    estimates: dict[int, list[Estimate]] = field(default_factory=lambda: defaultdict(list))
    modifications: dict[int, list[Modification]] = field(default_factory=lambda: defaultdict(list))


def revenue_terms_of(line_ids: list[int]) -> RevenueTerms:
    terms = RevenueTerms()
    terms.plans = {p.billing_line_id: p for p in RecognitionPlan.objects.filter(billing_line_id__in=line_ids)}
    for row in Estimate.objects.filter(billing_line_id__in=line_ids).order_by("-effective", "-id"):
        terms.estimates[row.billing_line_id].append(row)
    for mod in Modification.objects.filter(billing_line_id__in=line_ids).order_by("effective", "id"):
        terms.modifications[mod.billing_line_id].append(mod)
    return terms
