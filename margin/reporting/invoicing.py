"""What finance has to invoice, and what is waiting on the way to being paid, by age.

- **Unbilled work**: approved billable time and expenses no invoice has taken, per project (oldest work
  first) and by age of the work (its work date: 0–30, 31–60, 61–90, over 90 days);
- **Drafts** waiting to be issued, oldest first;
- **Issued invoices** by days past their due date (not yet due, 1–30, 31–60, 61–90, over 90), on their open
  amounts (total − paid − credited, `billing.rules.open_minor`; paid and credited ones drop out), so they agree with
  the receivables ageing (`receivables.queries.ageing_of`) on the same invoices.

Amounts are never added across currencies: every total is per currency. Only projects whose money the
viewer may see (`projects.queries.projects_money_visible`) are read. A fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, Min, Q, Sum
from django.utils import timezone

from margin.accounts.queries import Viewer
from margin.billing.models import DocumentKind, Invoice, InvoiceStatus
from margin.billing.queries import invoices_visible
from margin.expenses.models import ClaimStatus, ExpenseLine
from margin.projects.models import Project
from margin.projects.queries import projects_money_visible
from margin.timesheets.models import EntryStatus, TimeEntry

# (label, first day, last day) of age; None: no limit.
AGES: tuple[tuple[str, int, int | None], ...] = (
    ("0–30 days", 0, 30),
    ("31–60 days", 31, 60),
    ("61–90 days", 61, 90),
    ("Over 90 days", 91, None),
)
PAST_DUE: tuple[tuple[str, int, int | None], ...] = (
    ("Not yet due", -(10**6), 0),
    ("1–30 days", 1, 30),
    ("31–60 days", 31, 60),
    ("61–90 days", 61, 90),
    ("Over 90 days", 91, None),
)
LISTED = 10  # rows of each list on the home; the totals count everything


@dataclass(frozen=True)
class Unbilled:
    """A project's approved billable work that no invoice has taken yet."""

    project: Project
    currency: str
    time_minor: int
    expense_minor: int
    oldest: date

    @property
    def total_minor(self) -> int:
        return self.time_minor + self.expense_minor


@dataclass(frozen=True)
class Bucket:
    label: str
    by_currency: dict[str, int] = field(default_factory=dict)  # minor units
    count: int = 0


@dataclass(frozen=True)
class InvoiceAge:
    invoice: Invoice
    days: int  # a draft: since it was made; an issued invoice: past its due date (negative: not yet due)


@dataclass(frozen=True)
class Invoicing:
    today: date
    unbilled: list[Unbilled]  # oldest work first (LISTED of them)
    unbilled_count: int
    unbilled_ages: list[Bucket]
    drafts: list[InvoiceAge]  # oldest first (LISTED)
    draft_count: int
    draft_totals: dict[str, int]
    issued_late: list[InvoiceAge]  # the most overdue first (LISTED)
    issued_ages: list[Bucket]

    @property
    def currencies(self) -> list[str]:
        seen = {c for b in (*self.unbilled_ages, *self.issued_ages) for c in b.by_currency} | set(self.draft_totals)
        return sorted(seen)


def _age_sums(day_field: str, today: date) -> dict[str, Sum]:
    """One conditional sum of the bill amount per age bucket (`age0`…), by the rows' ``day_field``."""
    sums = {}
    for i, (_, first, last) in enumerate(AGES):
        window = Q(**{f"{day_field}__lte": today - timedelta(days=first)})
        if last is not None:
            window &= Q(**{f"{day_field}__gte": today - timedelta(days=last)})
        sums[f"age{i}"] = Sum("bill_amount_minor", filter=window)
    return sums


@dataclass
class _Work:
    currency: str
    oldest: date
    time: int = 0
    expense: int = 0


def _unbilled(viewer: Viewer, today: date) -> tuple[list[Unbilled], int, list[Bucket]]:
    """Approved billable work not invoiced, per project and by age: one grouped query for time, one for
    expenses, one for the projects."""
    visible = projects_money_visible(viewer)
    time = (
        TimeEntry.objects.filter(
            project__in=visible, status=EntryStatus.APPROVED, billable=True, billing__isnull=True, work_date__lte=today
        )
        .values("project_id", "currency")
        .annotate(value=Sum("bill_amount_minor"), oldest=Min("work_date"), **_age_sums("work_date", today))
        .order_by()
    )
    spent = (
        ExpenseLine.objects.filter(
            project__in=visible,
            billable=True,
            claim__status__in=[ClaimStatus.APPROVED, ClaimStatus.REIMBURSED],
            billing__isnull=True,
            date__lte=today,
        )
        .values("project_id", "bill_currency")
        .annotate(value=Sum("bill_amount_minor"), oldest=Min("date"), **_age_sums("date", today))
        .order_by()
    )
    work: dict[int, _Work] = {}
    buckets = [Bucket(label) for label, _, _ in AGES]
    rows: list[tuple[dict[str, Any], str, bool]] = [(dict(r), str(r["currency"]), True) for r in time]
    rows += [(dict(r), str(r["bill_currency"]), False) for r in spent]
    for row, currency, is_time in rows:
        project = work.setdefault(row["project_id"], _Work(currency, row["oldest"]))
        project.oldest = min(project.oldest, row["oldest"])
        if is_time:
            project.time += int(row["value"] or 0)
        else:
            project.expense += int(row["value"] or 0)
        for i, bucket in enumerate(buckets):
            if amount := int(row[f"age{i}"] or 0):
                bucket.by_currency[currency] = bucket.by_currency.get(currency, 0) + amount
    projects = Project.objects.in_bulk(list(work))
    listed = sorted(
        (Unbilled(projects[pk], w.currency, w.time, w.expense, w.oldest) for pk, w in work.items()),
        key=lambda u: (u.oldest, u.project.code),
    )
    return listed[:LISTED], len(listed), buckets


def _drafts(viewer: Viewer, today: date) -> tuple[list[InvoiceAge], int, dict[str, int]]:
    drafts = invoices_visible(viewer).filter(status=InvoiceStatus.DRAFT)
    totals = dict(drafts.values_list("currency").annotate(total=Sum("total_minor")).order_by())
    count = drafts.count()
    oldest = drafts.order_by("created_at", "id")[:LISTED]
    return [InvoiceAge(i, (today - timezone.localtime(i.created_at).date()).days) for i in oldest], count, totals


def _issued(viewer: Viewer, today: date) -> tuple[list[InvoiceAge], list[Bucket]]:
    """Issued invoices with something open, by days past due, on their open amounts."""
    issued = (
        invoices_visible(viewer)
        .filter(status=InvoiceStatus.ISSUED, kind=DocumentKind.INVOICE, due_date__isnull=False)
        .annotate(open_amount=F("total_minor") - F("paid_minor") - F("credited_minor"))
        .filter(open_amount__gt=0)
    )
    sums: dict[str, Sum | Count] = {}
    for i, (_, first, last) in enumerate(PAST_DUE):
        window = Q(due_date__lte=today - timedelta(days=first))
        if last is not None:
            window &= Q(due_date__gte=today - timedelta(days=last))
        sums[f"due{i}"] = Sum("open_amount", filter=window)
        sums[f"n{i}"] = Count("id", filter=window)
    buckets = [Bucket(label, {}, 0) for label, _, _ in PAST_DUE]
    counts = [0] * len(PAST_DUE)
    for values in issued.values("currency").annotate(**sums).order_by():
        row: dict[str, Any] = dict(values)
        for i, bucket in enumerate(buckets):
            if amount := int(row[f"due{i}"] or 0):
                bucket.by_currency[row["currency"]] = amount
            counts[i] += int(row[f"n{i}"] or 0)
    buckets = [Bucket(b.label, b.by_currency, n) for b, n in zip(buckets, counts, strict=True)]
    late = issued.filter(due_date__lt=today).order_by("due_date", "id")[:LISTED]
    return [InvoiceAge(i, (today - i.due_date).days) for i in late if i.due_date], buckets


def invoicing_of(viewer: Viewer, today: date) -> Invoicing:
    unbilled, unbilled_count, unbilled_ages = _unbilled(viewer, today)
    drafts, draft_count, draft_totals = _drafts(viewer, today)
    issued_late, issued_ages = _issued(viewer, today)
    return Invoicing(
        today=today,
        unbilled=unbilled,
        unbilled_count=unbilled_count,
        unbilled_ages=unbilled_ages,
        drafts=drafts,
        draft_count=draft_count,
        draft_totals=draft_totals,
        issued_late=issued_late,
        issued_ages=issued_ages,
    )
