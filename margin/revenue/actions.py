"""Writes of revenue recognition: a line's method, an estimate at completion, a price modification, and the
revenue run (post and reverse). Each is one transaction with its audit row; a run and its journal entry are
written together or not at all."""

from __future__ import annotations

import calendar
from datetime import date

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from margin.accounts.models import Company
from margin.accounts.queries import Viewer, company_locked_through
from margin.billing.models import Invoice
from margin.books.actions import chart_ensure, entries_post, reversal_of
from margin.contracts.models import BillingLine, BillingModel
from margin.core import audit
from margin.core.errors import Conflict, Invalid, check_period_open
from margin.core.money import Money
from margin.core.text import clean_text
from margin.revenue import rules
from margin.revenue.inputs import line_figures, progress_decimal
from margin.revenue.models import Estimate, Modification, RecognitionPlan, RevenueLine, RevenueRun, RunStatus
from margin.revenue.queries import revenue_company, standing_run
from margin.revenue.runs import RunPreview, run_preview

# Which methods suit which billing model.
ALLOWED = {
    BillingModel.TIME_AND_MATERIALS: (rules.DELIVERED,),
    BillingModel.EXPENSES: (rules.DELIVERED,),
    BillingModel.FIXED_FEE: (*rules.PROGRESS_METHODS, rules.STRAIGHT_LINE, rules.ON_COMPLETION),
    BillingModel.PROGRESS: (*rules.PROGRESS_METHODS, rules.STRAIGHT_LINE, rules.ON_COMPLETION),
    BillingModel.RETAINER: (rules.STRAIGHT_LINE,),
}


def _figures_of(line: BillingLine, as_of: date) -> rules.LineInputs:
    company = line.contract.company
    for figures in line_figures(company, as_of, contract_id=line.contract_id):
        if figures.line.pk == line.pk:
            return figures.inputs
    raise Invalid("The contract had not started on that day.", field="effective", code="not_started")


@transaction.atomic
def recognition_plan_set(
    *,
    viewer: Viewer,
    line: BillingLine,
    method: str,
    service_start: date | None = None,
    service_end: date | None = None,
) -> RecognitionPlan:
    """Choose how a billing line recognises revenue. A progress measure needs a plan to measure by (or an
    estimate entered); a straight line needs its service dates (or the contract's)."""
    revenue_company(viewer, line.contract.company_id)
    if method not in dict(rules.METHODS):
        raise Invalid(f"“{method}” is not a recognition method.", field="method", code="unknown_method")
    if method not in ALLOWED[BillingModel(line.model)]:
        raise Invalid(
            f"A {line.get_model_display().lower()} line cannot recognise revenue {dict(rules.METHODS)[method]}.",
            field="method",
            code="method_not_for_model",
        )
    if method in rules.NEEDS_PLAN:
        inputs = _figures_of(line, timezone.localdate())
        planned = inputs.estimated_minutes if method == rules.HOURS else inputs.estimated_cost_minor
        if not planned and not line.estimates.exists():
            raise Invalid(
                "This line's projects have no plan to measure progress by (no tasks with estimates, or none "
                "valued at a cost rate): plan the work or enter an estimate at completion first.",
                field="method",
                code="no_plan",
            )
    start = service_start or line.start_date or line.contract.start_date
    end = service_end or line.end_date or line.contract.end_date
    if method == rules.STRAIGHT_LINE and line.model != BillingModel.RETAINER and end is None:
        raise Invalid("A straight line needs the service's last day.", field="service_end", code="no_service_end")
    if start is not None and end is not None and end < start:
        raise Invalid("The service must end on or after the day it starts.", field="service_end")
    plan, _ = RecognitionPlan.objects.update_or_create(
        billing_line=line,
        defaults={
            "method": method,
            "service_start": service_start,
            "service_end": service_end,
            "updated_by_id": viewer.user_id,
        },
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="recognition.set",
        obj=line,
        after={"method": method, "service_start": str(service_start or ""), "service_end": str(service_end or "")},
    )
    return plan


@transaction.atomic
def estimate_set(
    *,
    viewer: Viewer,
    line: BillingLine,
    effective: date,
    reason: str,
    total_cost_minor: int | None = None,
    total_minutes: int | None = None,
) -> Estimate:
    """Override the plan's estimate at completion from `effective` on, with a reason. It cannot be below what was
    already incurred by that day."""
    revenue_company(viewer, line.contract.company_id)
    reason = clean_text(reason, field="reason", max_length=400, required=True)
    if total_cost_minor is None and total_minutes is None:
        raise Invalid("Enter the estimated total cost, hours, or both.", field="total_cost_minor")
    inputs = _figures_of(line, effective)
    if total_cost_minor is not None and total_cost_minor < inputs.cost_to_date_minor:
        incurred = Money.from_minor(inputs.cost_to_date_minor, line.contract.currency)
        raise Invalid(
            f"The estimate at completion cannot be below the cost already incurred: {incurred} by that day.",
            field="total_cost_minor",
            code="below_incurred",
        )
    if total_minutes is not None and total_minutes < inputs.minutes_to_date:
        raise Invalid(
            f"The estimate at completion cannot be below the {inputs.minutes_to_date // 60} hours already worked.",
            field="total_minutes",
            code="below_incurred",
        )
    row = Estimate.objects.create(
        billing_line=line,
        effective=effective,
        total_cost_minor=total_cost_minor,
        total_minutes=total_minutes,
        reason=reason,
        created_by_id=viewer.user_id,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="estimate.set",
        obj=line,
        after={
            "effective": str(effective),
            "total_cost_minor": total_cost_minor,
            "total_minutes": total_minutes,
            "reason": reason,
            "plan_cost_minor": inputs.estimated_cost_minor,
        },
    )
    return row


@transaction.atomic
def contract_modify(
    *, viewer: Viewer, line: BillingLine, price_minor: int, effective: date, treatment: str, reason: str
) -> Modification:
    """Change a fixed or progress line's price from `effective` on, treated prospectively or as a cumulative
    catch-up; the line's progress and recognised revenue at that day are kept with it."""
    revenue_company(viewer, line.contract.company_id)
    reason = clean_text(reason, field="reason", max_length=400, required=True)
    if line.model not in (BillingModel.FIXED_FEE, BillingModel.PROGRESS):
        raise Invalid("Only a fixed-fee or progress line has a price to modify.", field="price_minor")
    if treatment not in (rules.PROSPECTIVE, rules.CATCH_UP):
        raise Invalid("Treat the change prospectively or as a cumulative catch-up.", field="treatment")
    if price_minor <= 0:
        raise Invalid("The new price must be above zero.", field="price_minor")
    line = BillingLine.objects.select_for_update().select_related("contract__company").get(pk=line.pk)
    before = rules.recognise(_figures_of(line, effective))
    previous = line.price_minor or 0
    row = Modification.objects.create(
        billing_line=line,
        effective=effective,
        previous_price_minor=previous,
        price_minor=price_minor,
        treatment=treatment,
        progress=progress_decimal(before.progress),
        recognised_minor=before.recognised_minor,
        reason=reason,
        created_by_id=viewer.user_id,
    )
    BillingLine.objects.filter(pk=line.pk).update(price_minor=price_minor)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="contract.modify",
        obj=line,
        before={"price_minor": previous},
        after={"price_minor": price_minor, "effective": str(effective), "treatment": treatment, "reason": reason},
    )
    return row


def month_of(year: int, month: int) -> tuple[date, date]:
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise Invalid("Choose a month between January 2000 and December 2100.", field="month")
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def revenue_preview(*, viewer: Viewer, company: Company, year: int, month: int) -> RunPreview:
    """What the month's run would recognise and post (reads only)."""
    revenue_company(viewer, company.pk)
    start, end = month_of(year, month)
    return run_preview(company, period_start=start, period_end=end)


@transaction.atomic
def revenue_run_post(*, viewer: Viewer, company: Company, year: int, month: int) -> RevenueRun:
    """Recognise the month: store every line's figures and post the journal entry of the movements."""
    revenue_company(viewer, company.pk)
    start, end = month_of(year, month)
    if connection.vendor == "postgresql":
        # Invoices being issued finish first and new ones wait until the run commits: the run's billed figures
        # and its journal entry are of one moment (SQLite serialises writers already).
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Invoice._meta.db_table} IN SHARE MODE")
    Company.objects.select_for_update().filter(pk=company.pk).first()
    if standing_run(company.pk, end) is not None:
        raise Conflict(f"Revenue for {start:%B %Y} has been run already: reverse that run to run it again.")
    later = RevenueRun.objects.filter(company=company, status=RunStatus.POSTED, period_end__gt=end).first()
    if later is not None:
        raise Conflict(
            f"Revenue for {later.period_start:%B %Y} is run already: reverse it before running an earlier month."
        )
    check_period_open(
        end,
        locked_through=company_locked_through(company.pk),
        company_name=company.name,
        what="a revenue run",
        verbs="posted",
        field="month",
    )
    preview = run_preview(company, period_start=start, period_end=end)
    spec = preview.journal(chart_ensure(company))
    entries = entries_post(company=company, specs=[spec], actor_id=viewer.user_id) if len(spec.lines) >= 2 else []
    try:
        with transaction.atomic():
            run = RevenueRun.objects.create(
                organisation_id=company.organisation_id,
                company=company,
                period_start=start,
                period_end=end,
                currency=company.base_currency,
                entry=entries[0] if entries else None,
                posted_at=timezone.now(),
                posted_by_id=viewer.user_id,
            )
    except IntegrityError:
        raise Conflict(f"Revenue for {start:%B %Y} has been run already.") from None
    RevenueLine.objects.bulk_create(
        [
            RevenueLine(
                run=run,
                billing_line=line.figures.line,
                contract=line.figures.line.contract,
                method=line.figures.inputs.method,
                currency=line.figures.line.contract.currency,
                progress=progress_decimal(line.result.progress),
                price_minor=line.result.price_minor,
                cost_to_date_minor=line.figures.inputs.cost_to_date_minor,
                estimated_cost_minor=line.figures.inputs.estimated_cost_minor,
                recognised_minor=line.result.recognised_minor,
                recognised_period_minor=line.recognised_period,
                billed_minor=line.result.billed_minor,
                contract_asset_minor=line.result.contract_asset_minor,
                contract_liability_minor=line.result.contract_liability_minor,
                backlog_minor=line.result.backlog_minor,
                expected_loss_minor=line.result.expected_loss_minor,
                loss_provision_minor=line.result.loss_provision_minor,
                rate=line.rate,
                asset_company_minor=line.asset_c,
                liability_company_minor=line.liability_c,
                provision_company_minor=line.provision_c,
            )
            for line in preview.lines
        ],
        batch_size=1000,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="revenue.run",
        obj=run,
        after={
            "period": f"{start}–{end}",
            "lines": len(preview.lines),
            "recognised_period_minor": preview.recognised_period_minor,
            "entry_seq": entries[0].seq if entries else None,
            "problems": preview.problems,
        },
    )
    return run


@transaction.atomic
def revenue_run_reverse(*, viewer: Viewer, run: RevenueRun, reason: str) -> RevenueRun:
    """Undo a run: its journal entry is reversed (dated its own day, or the first open day) and the month may be
    run again. Only the company's latest standing run can be reversed."""
    company = revenue_company(viewer, run.company_id)
    reason = clean_text(reason, field="reason", max_length=400, required=True)
    Company.objects.select_for_update().filter(pk=company.pk).first()
    run = RevenueRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.POSTED:
        raise Conflict("This revenue run has been reversed already.")
    if RevenueRun.objects.filter(company=company, status=RunStatus.POSTED, period_end__gt=run.period_end).exists():
        raise Conflict("A later month's run stands: reverse the latest run first.")
    reversal = None
    if run.entry is not None:
        through = company_locked_through(company.pk)
        day = run.period_end if through is None or run.period_end > through else timezone.localdate()
        check_period_open(
            day, locked_through=through, company_name=company.name, what="a reversal", verbs="posted", field="reason"
        )
        [reversal] = entries_post(
            company=company,
            specs=[reversal_of(run.entry, day=day, description=f"Reversal of {run}: {reason}")],
            actor_id=viewer.user_id,
        )
    run.status = RunStatus.REVERSED
    run.reversal_entry = reversal
    run.reversed_at = timezone.now()
    run.reversed_by_id = viewer.user_id
    run.reverse_reason = reason
    run.save(update_fields=["status", "reversal_entry", "reversed_at", "reversed_by", "reverse_reason"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="revenue.reverse",
        obj=run,
        before={"status": RunStatus.POSTED},
        after={"status": RunStatus.REVERSED, "reason": reason},
    )
    return run
