"""Reads of period closes: the history visible to a viewer, what changed after a close, and the close
checklist (what is left to do in a period before it is locked)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db.models import Count, Q, QuerySet, Sum

from margin.accounts.models import Company
from margin.accounts.queries import Viewer, company_locked_through
from margin.billing.models import Invoice, InvoiceStatus
from margin.billing.queries import time_entries_unbilled_of
from margin.books.models import JournalEntry
from margin.closing.models import PeriodLock
from margin.closing.rules import ChecklistItem
from margin.contracts.models import Contract, Instalment
from margin.core.errors import NotFound
from margin.core.models import AuditEntry
from margin.core.periods import month_ends
from margin.projects.models import Project, TaskStatus
from margin.receivables.models import Payment
from margin.revenue.models import RevenueRun, RunStatus
from margin.timesheets.models import EntryStatus, TimeEntry


def period_locks_visible(viewer: Viewer) -> QuerySet[PeriodLock]:
    """Closes and reopens of the viewer's companies (everyone may see the lock dates)."""
    return PeriodLock.objects.filter(
        organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids
    ).select_related("company", "closed_by", "reopened_by")


def period_lock_get(viewer: Viewer, lock_id: int) -> PeriodLock:
    lock = period_locks_visible(viewer).filter(id=lock_id).first()
    if lock is None:
        raise NotFound("No such period close.")
    return lock


def changes_since_close(lock: PeriodLock) -> QuerySet[AuditEntry]:
    """What happened to the company's time dated inside a closed period after it was closed: the audit
    rows, newest first, of entries dated on or before the lock date (deleted ones found by the date and
    project in their last picture). While the lock stands nothing can change, so these are the changes
    made after a reopen (or by a database administrator)."""
    entries = TimeEntry.objects.filter(company_id=lock.company_id, work_date__lte=lock.through).values("id")
    since = AuditEntry.objects.filter(
        organisation_id=lock.organisation_id, object_type="timesheets.timeentry", at__gt=lock.closed_at
    )
    # Deleted entries are known only by their last picture: read those few rows and keep the ones that
    # were dated in the period on a project of the company.
    company_projects = set(Project.objects.filter(company_id=lock.company_id).values_list("id", flat=True))
    through = lock.through.isoformat()
    deleted = [
        row_id
        for row_id, before in since.filter(action="time_entry.delete").values_list("id", "before")
        if before and before.get("project") in company_projects and str(before.get("work_date", "9999")) <= through
    ]
    return since.filter(Q(object_id__in=entries) | Q(id__in=deleted)).select_related("actor").order_by("-at", "-id")


# --- the close checklist ------------------------------------------------------------------------------------


def _unapproved_time(company: Company, through: date) -> ChecklistItem:
    """Draft and submitted time in the period still open: the close would freeze it unapproved. Time
    before the standing lock date is left out (it cannot change any more)."""
    entries = TimeEntry.objects.filter(
        company_id=company.pk, work_date__lte=through, status__in=[EntryStatus.DRAFT, EntryStatus.SUBMITTED]
    )
    standing = company_locked_through(company.pk)
    if standing is not None:
        entries = entries.filter(work_date__gt=standing)
    return ChecklistItem(
        key="unapproved_time",
        label="Time not yet approved",
        count=entries.count(),
        blocking=True,
        target="web:approvals",
    )


def _unbilled_time(company: Company, through: date) -> ChecklistItem:
    """Approved billable time up to the date that no invoice took: it can still be billed after the close
    (the invoice is dated then), so it only warns."""
    totals = time_entries_unbilled_of(company_id=company.pk, up_to=through).aggregate(
        count=Count("id"), amount=Sum("bill_amount_minor")
    )
    count = int(totals["count"] or 0)
    amounts = ((company.base_currency, int(totals["amount"] or 0)),) if count else ()
    return ChecklistItem(
        key="unbilled_time",
        label="Approved billable time not yet invoiced",
        count=count,
        blocking=False,
        target="web:invoices",
        amounts=amounts,
    )


def _undrafted_instalments(company: Company, through: date) -> ChecklistItem:
    """Fixed-fee instalments due on or before the date (by their date, or their milestone finished by
    then) that no invoice drafted yet: the period's revenue is incomplete without them."""
    due = Q(due_date__lte=through) | Q(milestone__status=TaskStatus.DONE, milestone__actual_finish__date__lte=through)
    rows = (
        Instalment.objects.filter(due, billing_line__contract__company_id=company.pk, billing__isnull=True)
        .values_list("billing_line__contract__currency")
        .annotate(count=Count("id"), amount=Sum("amount_minor"))
        .order_by("billing_line__contract__currency")
    )
    amounts = tuple((currency, int(amount)) for currency, _count, amount in rows)
    return ChecklistItem(
        key="undrafted_instalments",
        label="Fixed-fee instalments due but not drafted",
        count=sum(int(count) for _currency, count, _amount in rows),
        blocking=True,
        target="web:invoices",
        amounts=amounts,
    )


def _months_without_revenue_run(company: Company, through: date) -> ChecklistItem:
    """Months ending by the date with no standing revenue run: the period's revenue, contract assets and
    liabilities are not in the books until they run. Once a company runs revenue, a month without its run blocks
    the close (counted from the first run); before that, the months since its first contract only inform."""
    runs = set(
        RevenueRun.objects.filter(company=company, status=RunStatus.POSTED, period_end__lte=through).values_list(
            "period_end", flat=True
        )
    )
    if runs:
        first: date | None = min(runs)
    else:
        first = (
            Contract.objects.filter(company=company).order_by("start_date").values_list("start_date", flat=True).first()
        )
    ends = month_ends(first, through) if first is not None else []
    missing = sum(1 for end in ends if end not in runs)
    return ChecklistItem(
        key="revenue_not_run",
        label="Months without a revenue run",
        count=missing,
        blocking=bool(runs),
        target="web:revenue",
    )


def _documents_not_in_the_journal(company: Company, through: date) -> ChecklistItem:
    """Issued invoices and credit notes, and payments, dated by the date that the journal does not hold yet. The
    close posts them first, so they only inform."""
    entries = JournalEntry.objects.filter(company_id=company.pk)
    invoices = Invoice.objects.filter(company=company, status=InvoiceStatus.ISSUED, issue_date__lte=through).exclude(
        pk__in=entries.filter(source_kind__in=["invoice", "credit_note"]).values("source_id")
    )
    payments = Payment.objects.filter(company=company, received_on__lte=through).exclude(
        pk__in=entries.filter(source_kind="payment").values("source_id")
    )
    return ChecklistItem(
        key="not_in_journal",
        label="Documents not yet in the journal (the close posts them)",
        count=invoices.count() + payments.count(),
        blocking=False,
        target="web:books",
    )


# What a close looks at, in the order shown. A new dated app adds its provider here.
CHECKLIST_PROVIDERS: list[Callable[[Company, date], ChecklistItem]] = [
    _unapproved_time,
    _unbilled_time,
    _undrafted_instalments,
    _months_without_revenue_run,
    _documents_not_in_the_journal,
]


def close_checklist(company: Company, through: date) -> list[ChecklistItem]:
    """What is left to do in the company's period up to `through`, and which of it blocks the close."""
    return [provider(company, through) for provider in CHECKLIST_PROVIDERS]
