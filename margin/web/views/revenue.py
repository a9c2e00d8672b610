"""Revenue (finance and administrators): a company's monthly revenue runs (the list; a month's preview with every
contract line's figures, the problems and the journal entry it would post; post; reverse the latest), and a
contract's revenue tab (how each line recognises, estimates at completion, price modifications, and a chart of
revenue recognised against billed over time).

Views only translate: a form parses, one action of `revenue.actions` writes, a refusal comes back on the form or
as a message with its status; reads are `revenue.queries` and the run's preview. Another organisation's company
or contract answers 404, anyone but finance and administrators 403.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from margin.accounts.models import Company
from margin.accounts.queries import Viewer
from margin.books.queries import accounts_of, role_accounts
from margin.books.rules import DEFAULT_CHART
from margin.contracts.models import BillingLine, BillingModel, Contract
from margin.contracts.queries import billing_lines_of, contract_get
from margin.core.errors import DomainError, Forbidden, Invalid, NotFound
from margin.core.money import Money
from margin.revenue import actions
from margin.revenue.models import Estimate, Modification, RecognitionPlan, RevenueLine, RevenueRun, RunStatus
from margin.revenue.queries import (
    billing_line_for_revenue,
    contract_history,
    revenue_company,
    revenue_terms_of,
    run_get,
    run_lines,
    run_totals,
    runs_of,
    standing_run,
)
from margin.revenue.rules import DEFAULT_METHOD, METHODS, NEEDS_PLAN, PROGRESS_METHODS, STRAIGHT_LINE
from margin.revenue.runs import RunLine, RunPreview
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms_firm import StyledForm, refuse
from margin.web.forms_revenue import EstimateForm, ModificationForm, MonthForm, RecognitionForm, RunReverseForm
from margin.web.pages import page
from margin.web.views.settings import checked_id

ACTIVE = "revenue"
RUNS_SHOWN = 36
METHOD_LABELS = dict(METHODS)


def _companies(viewer: Viewer) -> list[Company]:
    if not viewer.is_finance:
        raise Forbidden("Only finance or an administrator may recognise revenue.")
    return list(
        Company.objects.filter(organisation_id=viewer.organisation_id, pk__in=viewer.company_ids).order_by("name")
    )


@viewer_view
def revenue_home(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    companies = _companies(viewer)
    if not companies:
        return page(request, viewer, "web/books/no_company.html", {}, active=ACTIVE)
    chosen = request.GET.get("company", "")
    company = next((c for c in companies if chosen.isdigit() and c.pk == int(chosen)), companies[0])
    return redirect("web:revenue_runs", company_id=company.pk)


# --- a run's lines, preview or posted ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One contract line of a run as the screen shows it (contract currency)."""

    contract_id: int
    contract: str
    line: str
    method: str
    progress: Decimal
    currency: str
    price: int | None
    cost_to_date: int
    estimated_cost: int | None
    recognised_period: int
    recognised: int
    billed: int
    asset: int
    liability: int
    backlog: int
    provision: int


def _of_preview(line: RunLine) -> Row:
    billing_line, r = line.figures.line, line.result
    progress: Fraction = r.progress
    return Row(
        billing_line.contract_id,
        billing_line.contract.reference,
        billing_line.name,
        METHOD_LABELS.get(line.figures.inputs.method, line.figures.inputs.method),
        Decimal(progress.numerator) / Decimal(progress.denominator),
        billing_line.contract.currency,
        r.price_minor,
        line.figures.inputs.cost_to_date_minor,
        line.figures.inputs.estimated_cost_minor,
        line.recognised_period,
        r.recognised_minor,
        r.billed_minor,
        r.contract_asset_minor,
        r.contract_liability_minor,
        r.backlog_minor,
        r.loss_provision_minor,
    )


def _of_stored(row: RevenueLine) -> Row:
    return Row(
        row.contract_id,
        row.contract.reference,
        row.billing_line.name,
        METHOD_LABELS.get(row.method, row.method),
        row.progress,
        row.currency,
        row.price_minor,
        row.cost_to_date_minor,
        row.estimated_cost_minor,
        row.recognised_period_minor,
        row.recognised_minor,
        row.billed_minor,
        row.contract_asset_minor,
        row.contract_liability_minor,
        row.backlog_minor,
        row.loss_provision_minor,
    )


TOTALLED = ("recognised_period", "recognised", "billed", "asset", "liability", "backlog", "provision")


def _totals(rows: list[Row]) -> list[dict[str, Any]]:
    """The columns summed per currency (a run may hold contracts in several)."""
    sums: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TOTALLED, 0))
    for row in rows:
        for name in TOTALLED:
            sums[row.currency][name] += getattr(row, name)
    return [{"currency": currency, **values} for currency, values in sorted(sums.items())]


@dataclass(frozen=True)
class JournalRow:
    account: str
    description: str
    amount_minor: int


def _journal_of(preview: RunPreview, company: Company, problems: list[str]) -> list[JournalRow]:
    """The entry the run would post, with the company's accounts named (a role without an account is a problem).
    A company without a chart yet is shown the default chart's accounts: posting the run installs it first."""
    names = {a.pk: str(a) for a in accounts_of(company.pk)}
    by_role = {role: account.pk for role, account in role_accounts(company.pk).items()}
    if not names:
        default = [row for row in DEFAULT_CHART if row.role]
        names = {n: f"{row.code} {row.name}" for n, row in enumerate(default, start=1)}
        by_role = {str(row.role): n for n, row in enumerate(default, start=1)}
    try:
        spec = preview.journal(by_role)
    except Invalid as error:
        problems.append(error.message)
        return []
    return [JournalRow(names[x.account_id], x.description, x.amount_minor) for x in spec.lines]


@dataclass
class Shown:
    """The month on screen: its standing run (with its stored lines), or the preview of running it."""

    start: date
    end: date
    run: RevenueRun | None = None
    latest: bool = False
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    journal: list[JournalRow] = field(default_factory=list)
    error: str = ""


def _default_month(company: Company, runs: list[RevenueRun]) -> tuple[int, int]:
    """The month after the latest standing run, else last month."""
    standing = [r for r in runs if r.status == RunStatus.POSTED]
    if standing:
        after = max(r.period_end for r in standing) + timedelta(days=1)
        return after.year, after.month
    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    return last.year, last.month


def _shown(viewer: Viewer, company: Company, year: int, month: int, runs: list[RevenueRun]) -> Shown:
    start, end = actions.month_of(year, month)
    shown = Shown(start, end)
    run = standing_run(company.pk, end)
    if run is not None:
        shown.run = run
        shown.latest = not any(r.status == RunStatus.POSTED and r.period_end > end for r in runs)
        shown.rows = [_of_stored(row) for row in run_lines(run)]
        return shown
    try:
        preview = actions.revenue_preview(viewer=viewer, company=company, year=year, month=month)
    except Forbidden:
        raise
    except DomainError as error:
        shown.error = error.message
        return shown
    shown.rows = [_of_preview(line) for line in preview.lines]
    shown.problems = list(preview.problems)
    shown.journal = _journal_of(preview, company, shown.problems)
    return shown


def _runs_page(
    request: HtmxRequest,
    viewer: Viewer,
    company: Company,
    *,
    month: tuple[int, int] | None = None,
    month_form: MonthForm | None = None,
    reverse_form: RunReverseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    runs = list(runs_of(company.pk)[:RUNS_SHOWN])
    if month is None:
        form = MonthForm(request.GET) if "month" in request.GET else None
        if form is not None and form.is_valid():
            month = form.cleaned_data["month"]
        else:
            if form is not None:
                month_form, status = form, 422
            month = _default_month(company, runs)
    shown = None
    try:
        shown = _shown(viewer, company, month[0], month[1], runs)
    except Invalid as error:
        month_form = month_form or MonthForm(request.GET)
        month_form.is_valid()
        refuse(month_form, error)
        status = month_form.refusal_status
    totals = run_totals(runs)
    context = {
        "company": company,
        "companies": _companies(viewer),
        "runs": [(run, totals.get(run.pk, [])) for run in runs],
        "month_form": month_form or MonthForm(initial={"month": f"{month[0]:04d}-{month[1]:02d}"}),
        "month_value": f"{month[0]:04d}-{month[1]:02d}",
        "shown": shown,
        "totals": _totals(shown.rows) if shown else [],
        "reverse_form": reverse_form or RunReverseForm(),
        "base": company.base_currency,
    }
    return page(request, viewer, "web/revenue/runs.html", context, active=ACTIVE, status=status)


@viewer_view
def revenue_runs(request: HtmxRequest, viewer: Viewer, company_id: int) -> HttpResponse:
    company = revenue_company(viewer, checked_id(company_id))
    return _runs_page(request, viewer, company)


@require_POST
@viewer_view
def revenue_run_new(request: HtmxRequest, viewer: Viewer, company_id: int) -> HttpResponse:
    company = revenue_company(viewer, checked_id(company_id))
    form = MonthForm(request.POST)
    if not form.is_valid():
        return _runs_page(request, viewer, company, month_form=form, status=422)
    year, month = form.cleaned_data["month"]
    try:
        run = actions.revenue_run_post(viewer=viewer, company=company, year=year, month=month)
    except Forbidden:
        raise
    except DomainError as error:
        messages.error(request, error.message)
        return _runs_page(request, viewer, company, month=(year, month), status=error.status)
    entry = f" and posted as journal entry #{run.entry.seq}" if run.entry is not None else " (nothing to post)"
    messages.success(request, f"Revenue for {run.period_start:%B %Y} is recognised{entry}.")
    return redirect(f"{reverse('web:revenue_runs', args=[company.pk])}?month={year:04d}-{month:02d}")


@require_POST
@viewer_view
def revenue_run_reverse_view(request: HtmxRequest, viewer: Viewer, run_id: int) -> HttpResponse:
    run = run_get(viewer, checked_id(run_id))
    company = revenue_company(viewer, run.company_id)
    form = RunReverseForm(request.POST)
    month = (run.period_end.year, run.period_end.month)
    if form.is_valid():
        try:
            actions.revenue_run_reverse(viewer=viewer, run=run, reason=form.cleaned_data["reason"])
        except Forbidden:
            raise
        except DomainError as error:
            # A refusal of the run (reversed already, a later run stands) is a message: the run's form may be gone.
            messages.error(request, error.message)
            return _runs_page(request, viewer, company, month=month, status=error.status)
        else:
            messages.success(request, f"The run of {run.period_start:%B %Y} is reversed: the month may be run again.")
            return redirect(f"{reverse('web:revenue_runs', args=[company.pk])}?month={month[0]:04d}-{month[1]:02d}")
    return _runs_page(request, viewer, company, month=month, reverse_form=form, status=422)


# --- a contract's revenue ----------------------------------------------------------------------------------------


def _money_value(minor: int, currency: str) -> float:
    return float(Money.from_minor(minor, currency).amount)


def revenue_chart(contract: Contract) -> dict[str, Any] | None:
    """Recognised and billed to date at each posted run, for charts.js (a line chart from zero)."""
    points = contract_history(contract)
    if not points:
        return None
    c = contract.currency
    return {
        "kind": "line",
        "zero": True,
        "data": {
            "labels": [p.period_end.strftime("%b %Y") for p in points],
            "datasets": [
                {
                    "label": "Recognised to date",
                    "unit": c,
                    "data": [_money_value(p.recognised_minor, c) for p in points],
                    "borderColor": "#2fb344",
                    "backgroundColor": "rgba(47, 179, 68, 0.10)",
                },
                {
                    "label": "Billed to date",
                    "unit": c,
                    "data": [_money_value(p.billed_minor, c) for p in points],
                    "borderColor": "#066fd1",
                    "backgroundColor": "rgba(6, 111, 209, 0.06)",
                },
            ],
        },
    }


@dataclass
class LineRevenue:
    """A billing line's revenue terms as the tab shows them, with finance's forms."""

    line: BillingLine
    method: str
    method_label: str
    chosen: bool  # someone chose the method (else the model's default)
    plan: RecognitionPlan | None
    estimates: list[Estimate]
    modifications: list[Modification]
    recognition_form: RecognitionForm
    estimate_form: EstimateForm | None
    modification_form: ModificationForm | None


def _methods_of(line: BillingLine) -> tuple[str, ...]:
    return actions.ALLOWED.get(BillingModel(line.model), (DEFAULT_METHOD[line.model],))


def _line_revenue(line: BillingLine, contract: Contract, bound: dict[Any, Any]) -> LineRevenue:
    plans = bound["plans"]
    plan = plans.get(line.pk)
    method = plan.method if plan is not None else DEFAULT_METHOD[line.model]
    pk = line.pk
    recognition = bound.get(("recognition", pk)) or RecognitionForm(
        methods=_methods_of(line),
        initial={
            "method": method,
            "service_start": plan.service_start if plan else None,
            "service_end": plan.service_end if plan else None,
        },
        auto_id=f"id_rec_%s_{pk}",
    )
    estimable = line.model in (BillingModel.FIXED_FEE, BillingModel.PROGRESS)
    estimate = bound.get(("estimate", pk)) or (
        EstimateForm(currency=contract.currency, auto_id=f"id_est_%s_{pk}") if estimable else None
    )
    modification = bound.get(("modification", pk)) or (
        ModificationForm(currency=contract.currency, auto_id=f"id_mod_%s_{pk}") if estimable else None
    )
    return LineRevenue(
        line,
        method,
        METHOD_LABELS.get(method, method),
        plan is not None,
        plan,
        bound["estimates"].get(pk, []),
        bound["modifications"].get(pk, []),
        recognition,
        estimate,
        modification,
    )


def _contract_revenue_page(
    request: HtmxRequest,
    viewer: Viewer,
    contract: Contract,
    *,
    bound: dict[Any, Any] | None = None,
    open_line: int | None = None,
    status: int = 200,
) -> HttpResponse:
    revenue_company(viewer, contract.company_id)
    lines = billing_lines_of(contract)
    ids = [line.pk for line in lines]
    terms = revenue_terms_of(ids)
    context_bound = {
        **(bound or {}),
        "estimates": terms.estimates,
        "modifications": terms.modifications,
        "plans": terms.plans,
    }
    history = contract_history(contract)
    context = {
        "contract": contract,
        "tab": "revenue",
        "lines": [_line_revenue(line, contract, context_bound) for line in lines],
        "history": history,
        "chart": revenue_chart(contract),
        "open_line": open_line,
        "needs_plan": NEEDS_PLAN,
        "progress_methods": PROGRESS_METHODS,
        "straight_line": STRAIGHT_LINE,
    }
    return page(request, viewer, "web/revenue/contract.html", context, active="invoices", status=status)


@viewer_view
def contract_revenue(request: HtmxRequest, viewer: Viewer, contract_id: int) -> HttpResponse:
    contract = contract_get(viewer, checked_id(contract_id))
    return _contract_revenue_page(request, viewer, contract)


def _line_of(viewer: Viewer, contract_id: int, line_id: int) -> tuple[Contract, BillingLine]:
    contract = contract_get(viewer, checked_id(contract_id))
    line = billing_line_for_revenue(viewer, checked_id(line_id))
    if line.contract_id != contract.pk:
        raise NotFound("No such billing line.")
    return contract, line


def _written(request: HtmxRequest, contract: Contract, line: BillingLine, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(f"{reverse('web:contract_revenue', args=[contract.pk])}#revenue-line-{line.pk}")


def _again(
    request: HtmxRequest, viewer: Viewer, contract: Contract, line: BillingLine, kind: str, form: StyledForm
) -> HttpResponse:
    status = form.refusal_status if form.errors else 422
    return _contract_revenue_page(
        request, viewer, contract, bound={(kind, line.pk): form}, open_line=line.pk, status=status
    )


@require_POST
@viewer_view
def recognition_set_view(request: HtmxRequest, viewer: Viewer, contract_id: int, line_id: int) -> HttpResponse:
    contract, line = _line_of(viewer, contract_id, line_id)
    form = RecognitionForm(request.POST, methods=_methods_of(line), auto_id=f"id_rec_%s_{line.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.recognition_plan_set(
                viewer=viewer,
                line=line,
                method=data["method"],
                service_start=data["service_start"],
                service_end=data["service_end"],
            )
        except Forbidden:
            raise
        except DomainError as error:
            refuse(form, error)
        else:
            label = METHOD_LABELS[data["method"]]
            return _written(request, contract, line, f"{line.name} is recognised {label[:1].lower()}{label[1:]}.")
    return _again(request, viewer, contract, line, "recognition", form)


@require_POST
@viewer_view
def estimate_new_view(request: HtmxRequest, viewer: Viewer, contract_id: int, line_id: int) -> HttpResponse:
    contract, line = _line_of(viewer, contract_id, line_id)
    form = EstimateForm(request.POST, currency=contract.currency, auto_id=f"id_est_%s_{line.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.estimate_set(
                viewer=viewer,
                line=line,
                effective=data["effective"],
                reason=data["reason"],
                total_cost_minor=data["total_cost_minor"],
                total_minutes=data["total_minutes"],
            )
        except Forbidden:
            raise
        except DomainError as error:
            refuse(form, error, {"total_cost_minor": "total_cost", "total_minutes": "total_hours"})
        else:
            return _written(request, contract, line, f"The estimate at completion of {line.name} is saved.")
    return _again(request, viewer, contract, line, "estimate", form)


@require_POST
@viewer_view
def modification_new_view(request: HtmxRequest, viewer: Viewer, contract_id: int, line_id: int) -> HttpResponse:
    contract, line = _line_of(viewer, contract_id, line_id)
    form = ModificationForm(request.POST, currency=contract.currency, auto_id=f"id_mod_%s_{line.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.contract_modify(
                viewer=viewer,
                line=line,
                price_minor=data["price_minor"],
                effective=data["effective"],
                treatment=data["treatment"],
                reason=data["reason"],
            )
        except Forbidden:
            raise
        except DomainError as error:
            refuse(form, error, {"price_minor": "price"})
        else:
            return _written(request, contract, line, f"The price of {line.name} is changed.")
    return _again(request, viewer, contract, line, "modification", form)
