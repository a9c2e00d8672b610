"""What a revenue run reads, for every billing line of a company at once, as of a day.

A fixed number of grouped queries whatever the number of contracts: the lines and their contracts, the
recognition plans, estimates and modifications, the covered projects, their plans (leaf tasks' estimates,
progress and planned costs), approved time to date (the running totals of ADR 0022 less what was approved
after the day, so a month-end run reads a month of entries, not all of them), approved expenses, what the
invoices billed per line, and the milestones reached.

The estimate at completion of a line on % complete is the plan's unless someone entered one (`Estimate`):
the cost (hours) incurred to date plus the planned cost (work) of what is left — each leaf task's planned
cost (estimate) times the share not yet done. Time and materials earns the bill value of approved billable
time, less what was written off, plus what invoices wrote up or down; its money cap limits it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from django.db.models import Q, Sum
from django.utils import timezone

from margin.accounts.models import Company
from margin.billing.models import (
    DocumentKind,
    HoldReason,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    TimeHold,
    WrittenOffExpense,
)
from margin.contracts.models import BillingLine, BillingModel, CapKind, CoveredProject, Instalment, RetainerFrequency
from margin.expenses.models import ClaimStatus, ExpenseLine
from margin.projects.models import Project, ProjectStatus, Task
from margin.rates.costing import planned_costs_many
from margin.revenue import rules
from margin.revenue.models import Estimate, Modification, RecognitionPlan
from margin.timesheets.models import EntryStatus, ProjectTimeTotal, TimeEntry


@dataclass
class ProjectFigures:
    """One project's actuals to date and its plan's remaining work."""

    cost_minor: int = 0
    minutes: int = 0
    bill_minor: int = 0  # approved billable time's bill value
    remaining_cost_minor: int = 0
    remaining_minutes: int = 0
    planned_minutes: int = 0
    completed_on: date | None = None
    complete: bool = False


@dataclass
class LineFigures:
    """A billing line with what its recognition reads, and anything that made the inputs doubtful."""

    line: BillingLine
    inputs: rules.LineInputs
    notes: list[str] = field(default_factory=list)


def _local_day(value: datetime | None) -> date | None:
    return timezone.localdate(value) if value is not None else None


def _time(project_ids: list[int], as_of: date) -> dict[int, ProjectFigures]:
    figures: dict[int, ProjectFigures] = defaultdict(ProjectFigures)
    for row in ProjectTimeTotal.objects.filter(project_id__in=project_ids, status=EntryStatus.APPROVED).values(
        "project_id", "billable", "minutes", "cost_minor", "bill_minor"
    ):
        f = figures[row["project_id"]]
        f.cost_minor += row["cost_minor"]
        f.minutes += row["minutes"]
        if row["billable"]:
            f.bill_minor += row["bill_minor"]
    after = (
        TimeEntry.objects.filter(project_id__in=project_ids, status=EntryStatus.APPROVED, work_date__gt=as_of)
        .values("project_id", "billable")
        .annotate(minutes=Sum("minutes"), cost=Sum("cost_amount_minor"), bill=Sum("bill_amount_minor"))
        .order_by()
    )
    for later in after:
        f = figures[later["project_id"]]
        f.cost_minor -= int(later["cost"] or 0)
        f.minutes -= int(later["minutes"] or 0)
        if later["billable"]:
            f.bill_minor -= int(later["bill"] or 0)
    return figures


def _plans(projects: list[Project], figures: dict[int, ProjectFigures], as_of: date) -> None:
    """Remaining planned work and cost, and whether (and when) all of a project's work was finished."""
    planned = planned_costs_many(projects)
    tasks = list(
        Task.objects.filter(project__in=projects).only(
            "id", "project_id", "parent_id", "estimate_minutes", "percent_complete", "closed", "actual_finish"
        )
    )
    parents = {t.parent_id for t in tasks if t.parent_id is not None}
    open_left: dict[int, bool] = defaultdict(bool)
    finished: dict[int, date | None] = {}
    for task in tasks:
        if task.pk in parents:
            continue
        f = figures[task.project_id]
        left = Fraction(100 - task.percent_complete, 100)
        f.planned_minutes += task.estimate_minutes
        f.remaining_minutes += rules.round_half_up(task.estimate_minutes * left)
        f.remaining_cost_minor += rules.round_half_up(planned[task.project_id].costs.get(task.pk, 0) * left)
        done_on = _local_day(task.actual_finish)
        done = (task.closed or task.percent_complete == 100) and (done_on is None or done_on <= as_of)
        if not done:
            open_left[task.project_id] = True
        elif done_on is not None:
            finished[task.project_id] = max(finished.get(task.project_id) or done_on, done_on)
    for project in projects:
        f = figures[project.pk]
        f.complete = project.status == ProjectStatus.CLOSED or (
            not open_left[project.pk] and any(t.project_id == project.pk for t in tasks)
        )
        f.completed_on = finished.get(project.pk)


def _billed(line_ids: list[int], as_of: date) -> tuple[dict[int, int], dict[int, int]]:
    """Per billing line: what issued invoices billed less what credit notes took back, and how much invoices
    wrote time up (positive) or down (negative) against its worked value."""
    rows = (
        InvoiceLine.objects.filter(
            billing_line_id__in=line_ids,
            invoice__status=InvoiceStatus.ISSUED,
            invoice__issue_date__lte=as_of,
        )
        .values("billing_line_id", "invoice__kind", "kind")
        .annotate(amount=Sum("amount_minor"), worked=Sum("time_value_minor"))
        .order_by()
    )
    billed: dict[int, int] = defaultdict(int)
    adjusted: dict[int, int] = defaultdict(int)
    for row in rows:
        sign = -1 if row["invoice__kind"] == DocumentKind.CREDIT_NOTE else 1
        billed[row["billing_line_id"]] += sign * int(row["amount"] or 0)
        if row["kind"] == LineKind.TIME and sign > 0:
            adjusted[row["billing_line_id"]] += int(row["amount"] or 0) - int(row["worked"] or 0)
    return billed, adjusted


def _written_off_time(project_ids: list[int], as_of: date) -> dict[int, int]:
    rows = (
        TimeHold.objects.filter(
            reason=HoldReason.WRITTEN_OFF, time_entry__project_id__in=project_ids, time_entry__work_date__lte=as_of
        )
        .values("time_entry__project_id")
        .annotate(value=Sum("time_entry__bill_amount_minor"))
        .order_by()
    )
    return {r["time_entry__project_id"]: int(r["value"] or 0) for r in rows}


def _expenses(project_ids: list[int], as_of: date) -> dict[int, int]:
    rows = (
        ExpenseLine.objects.filter(
            project_id__in=project_ids,
            billable=True,
            date__lte=as_of,
            claim__status__in=[ClaimStatus.APPROVED, ClaimStatus.REIMBURSED],
        )
        .filter(~Q(pk__in=WrittenOffExpense.objects.values("expense_line_id")))
        .values("project_id")
        .annotate(value=Sum("bill_amount_minor"))
        .order_by()
    )
    return {r["project_id"]: int(r["value"] or 0) for r in rows}


def _milestones(line_ids: list[int], as_of: date) -> dict[int, tuple[int, int]]:
    """Per line: the value of instalments reached (milestone finished, or due date passed) and of all of them."""
    reached: dict[int, tuple[int, int]] = {}
    for instalment in Instalment.objects.filter(billing_line_id__in=line_ids).select_related("milestone"):
        task = instalment.milestone
        if task is not None:
            done_on = _local_day(task.actual_finish)
            done = (task.closed or task.percent_complete == 100) and (done_on is None or done_on <= as_of)
        else:
            done = instalment.due_date is not None and instalment.due_date <= as_of
        got, total = reached.get(instalment.billing_line_id, (0, 0))
        reached[instalment.billing_line_id] = (
            got + (instalment.amount_minor if done else 0),
            total + instalment.amount_minor,
        )
    return reached


def _retainer_terms(line: BillingLine, as_of: date) -> tuple[int, date, date]:
    """A retainer's fee as a straight line: the fees of the periods from its start to the end of its term (or of
    the period `as_of` falls in, for one without an end), over those days."""
    months = 3 if line.frequency == RetainerFrequency.QUARTER else 1
    start = line.start_date
    assert start is not None
    horizon = line.end_date or as_of
    periods, period_start = 0, start
    while period_start <= horizon:
        periods += 1
        month = period_start.month - 1 + months
        period_start = period_start.replace(year=period_start.year + month // 12, month=month % 12 + 1, day=1)
    end = line.end_date or period_start - timedelta(days=1)
    return (line.fee_minor or 0) * periods, start, end


def _latest_estimates(line_ids: list[int], as_of: date) -> dict[int, Estimate]:
    latest: dict[int, Estimate] = {}
    for row in Estimate.objects.filter(billing_line_id__in=line_ids, effective__lte=as_of).order_by("effective", "id"):
        latest[row.billing_line_id] = row
    return latest


def line_figures(company: Company, as_of: date, *, contract_id: int | None = None) -> list[LineFigures]:
    """The inputs of every billing line of the company's contracts that started by `as_of` (of one contract when
    `contract_id` is given: an estimate or a price change reads its own line, not the company's)."""
    rows = BillingLine.objects.filter(contract__company=company, contract__start_date__lte=as_of)
    if contract_id is not None:
        rows = rows.filter(contract_id=contract_id)
    lines = list(rows.select_related("contract").order_by("contract_id", "position", "id"))
    line_ids = [line.pk for line in lines]
    covered: dict[int, list[int]] = defaultdict(list)
    for contract_id, project_id in CoveredProject.objects.filter(
        contract_id__in={line.contract_id for line in lines}
    ).values_list("contract_id", "project_id"):
        covered[contract_id].append(project_id)
    project_ids = sorted({p for ids in covered.values() for p in ids})
    projects = list(Project.objects.filter(pk__in=project_ids))
    figures = _time(project_ids, as_of)
    _plans(projects, figures, as_of)
    expenses = _expenses(project_ids, as_of)
    written_off = _written_off_time(project_ids, as_of)
    billed, adjusted = _billed(line_ids, as_of)
    milestones = _milestones(line_ids, as_of)
    plans = {p.billing_line_id: p for p in RecognitionPlan.objects.filter(billing_line_id__in=line_ids)}
    estimates = _latest_estimates(line_ids, as_of)
    modifications: dict[int, list[rules.Modification]] = defaultdict(list)
    for m in Modification.objects.filter(billing_line_id__in=line_ids).order_by("effective", "id"):
        modifications[m.billing_line_id].append(
            rules.Modification(
                m.effective,
                m.previous_price_minor,
                m.price_minor,
                m.treatment,
                Fraction(m.progress),
                m.recognised_minor,
            )
        )
    first_line: dict[tuple[int, str], int] = {}
    for line in lines:
        first_line.setdefault((line.contract_id, line.model), line.pk)
    result = []
    for line in lines:
        plan = plans.get(line.pk)
        method = plan.method if plan else rules.DEFAULT_METHOD[line.model]
        ids = covered.get(line.contract_id, [])
        own = [figures[p] for p in ids]
        notes: list[str] = []
        estimate = estimates.get(line.pk)
        cost = sum(f.cost_minor for f in own)
        minutes = sum(f.minutes for f in own)
        estimated_cost = estimate.total_cost_minor if estimate and estimate.total_cost_minor is not None else None
        if estimated_cost is None:
            estimated_cost = cost + sum(f.remaining_cost_minor for f in own) if own else None
        estimated_minutes = estimate.total_minutes if estimate and estimate.total_minutes is not None else None
        if estimated_minutes is None:
            estimated_minutes = minutes + sum(f.remaining_minutes for f in own) if own else None
        if method in rules.NEEDS_PLAN and not any(f.planned_minutes for f in own) and estimate is None:
            notes.append("No plan to measure progress by: enter an estimate at completion.")
        price = line.price_minor
        service_start = plan.service_start if plan else None
        service_end = plan.service_end if plan else None
        if line.model == BillingModel.RETAINER and line.start_date is not None:
            price, start, end = _retainer_terms(line, as_of)
            service_start, service_end = service_start or start, service_end or end
        delivered, cap = 0, None
        is_first = first_line.get((line.contract_id, line.model)) == line.pk
        if line.model == BillingModel.TIME_AND_MATERIALS and is_first:
            delivered = sum(f.bill_minor for f in own) - sum(written_off.get(p, 0) for p in ids) + adjusted[line.pk]
            if line.cap_kind == CapKind.MONEY:
                cap = line.cap_limit
            elif line.cap_kind == CapKind.MINUTES and line.cap_limit and minutes > line.cap_limit:
                delivered = rules.round_half_up(Fraction(delivered * line.cap_limit, minutes))
        elif line.model == BillingModel.EXPENSES and is_first:
            delivered = sum(expenses.get(p, 0) for p in ids)
        got, total = milestones.get(line.pk, (0, 0))
        complete = bool(own) and all(f.complete for f in own)
        inputs = rules.LineInputs(
            method=method,
            as_of=as_of,
            price_minor=price,
            billed_minor=billed.get(line.pk, 0),
            cost_to_date_minor=cost,
            estimated_cost_minor=estimated_cost,
            minutes_to_date=minutes,
            estimated_minutes=estimated_minutes,
            milestones_done_minor=got,
            milestones_total_minor=total,
            service_start=service_start or line.contract.start_date,
            service_end=service_end or line.contract.end_date,
            completed=complete,
            delivered_minor=delivered,
            cap_minor=cap,
            modifications=tuple(modifications.get(line.pk, [])),
        )
        result.append(LineFigures(line, inputs, notes))
    return result


def progress_decimal(value: Fraction) -> Decimal:
    """A progress fraction as stored (12 decimals)."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.000000000001"))
