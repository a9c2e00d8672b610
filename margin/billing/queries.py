"""Reads of invoices. An invoice is money, so it follows the money rule
(`projects.queries.money_visible`): finance and admins see their companies' invoices, a manager
those of the projects they manage, a member none (404, like anything invisible)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from margin.accounts.models import Role
from margin.accounts.queries import Viewer
from margin.billing.models import BilledTime, HoldReason, Invoice, InvoiceLine, InvoiceStatus, TimeHold
from margin.billing.rules import ExpenseItem, LineGroup
from margin.core.errors import NotFound
from margin.expenses.models import ClaimStatus, ExpenseLine
from margin.projects.models import Project, Task
from margin.projects.queries import projects_money_visible
from margin.timesheets.models import EntryStatus, TimeEntry


def invoices_visible(viewer: Viewer) -> QuerySet[Invoice]:
    """Finance and admins: their companies' invoices and credit notes; a manager: those billing a project
    they manage (an invoice of a whole contract names its projects on its lines)."""
    scope = Invoice.objects.filter(organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids)
    if not viewer.is_finance:
        if viewer.person_id is None:
            return Invoice.objects.none()
        managed = InvoiceLine.objects.filter(invoice=OuterRef("pk"), project__manager_id=viewer.person_id)
        scope = scope.filter(Q(project__manager_id=viewer.person_id) | Exists(managed))
    return scope.select_related("client", "project", "company", "contract")


def invoice_get(viewer: Viewer, invoice_id: int) -> Invoice:
    invoice = invoices_visible(viewer).filter(id=invoice_id).first()
    if invoice is None:
        raise NotFound("No such invoice.")
    return invoice


def invoice_lines(invoice: Invoice) -> QuerySet[InvoiceLine]:
    return InvoiceLine.objects.filter(invoice=invoice).select_related("task", "role").order_by("position", "id")


def worked_minutes_by_line(invoice: Invoice) -> dict[int, int]:
    """The minutes worked behind each time line of an invoice (its lines bill the billable minutes,
    rounded to the billing increment): one GROUP BY over the billed entries."""
    rows = (
        BilledTime.objects.filter(line__invoice=invoice)
        .values("line_id")
        .annotate(worked=Sum("time_entry__minutes"))
        .order_by()
    )
    return {r["line_id"]: int(r["worked"]) for r in rows}


def not_held() -> Q:
    """No hold keeps the entry from billing: not held for later, over a cap or written off (time marked to
    be billed over its cap is billed like any other). An anti-join (NOT EXISTS), not a LEFT JOIN with an OR:
    PostgreSQL's planner then still knows how many entries it is grouping."""
    return ~Q(Exists(TimeHold.objects.filter(time_entry=OuterRef("pk")).exclude(reason=HoldReason.BILL_OVER_CAP)))


def time_entries_unbilled_of(*, company_id: int, up_to: date, project_id: int | None = None) -> QuerySet[TimeEntry]:
    """Approved billable time of a company (or one of its projects) up to a date, not yet billed nor held."""
    entries = TimeEntry.objects.filter(
        not_held(),
        company_id=company_id,
        status=EntryStatus.APPROVED,
        billable=True,
        billing__isnull=True,
        work_date__lte=up_to,
    )
    return entries if project_id is None else entries.filter(project_id=project_id)


def time_entries_unbilled(*, project: Project, up_to: date) -> QuerySet[TimeEntry]:
    """Approved billable time of a project up to a date that no invoice has taken yet."""
    return time_entries_unbilled_of(company_id=project.company_id, up_to=up_to, project_id=project.pk)


def line_groups_of(entries: QuerySet[TimeEntry]) -> dict[int, list[LineGroup]]:
    """Time summed by project, task, role and rate: one GROUP BY in the database for all projects.
    The minutes are billable minutes (rounded to the billing increment), not the minutes worked.

    The entries are grouped by ids only and the few task and role names looked up afterwards: joining
    the names to every entry cost a lookup per entry and a sort on long keys (a third of the grouping)."""
    rows = list(
        entries.values_list("project_id", "task_id", "role_id", "bill_rate")
        .annotate(minutes=Sum("billable_minutes"), time_value=Sum("bill_amount_minor"), entries=Count("id"))
        .order_by()
    )
    return line_groups(rows)


def line_groups(rows: list[tuple[Any, ...]]) -> dict[int, list[LineGroup]]:
    """Grouped time rows (project, task, role, rate, minutes, value, entries) as line groups per project,
    with the task and role names looked up once."""
    task_names = dict(Task.objects.filter(id__in={r[1] for r in rows if r[1]}).values_list("id", "name"))
    role_names = dict(Role.objects.filter(id__in={r[2] for r in rows if r[2]}).values_list("id", "name"))
    groups: dict[int, list[LineGroup]] = defaultdict(list)
    for project_id, task_id, role_id, rate, minutes, value, count in rows:
        groups[project_id].append(
            LineGroup(
                task_id=task_id,
                task_name=task_names.get(task_id, "General"),
                role_id=role_id,
                role_name=role_names.get(role_id, ""),
                hourly_rate=Decimal(rate or 0),
                minutes=int(minutes),
                time_value_minor=int(value),
                entries=int(count),
            )
        )
    return groups


def projects_with_unbilled_time(*, company_id: int, up_to: date) -> QuerySet[Project]:
    """Projects of a company that have approved billable time up to a date not yet invoiced."""
    unbilled = time_entries_unbilled_of(company_id=company_id, up_to=up_to).values("project_id")
    return Project.objects.filter(id__in=unbilled).order_by("code")


@dataclass(frozen=True)
class ToInvoice:
    """What a project has to invoice up to a date, in its currency: unbilled time and expenses."""

    project: Project
    time_minutes: int
    time_value_minor: int
    expense_count: int
    expense_value_minor: int

    @property
    def total_minor(self) -> int:
        return self.time_value_minor + self.expense_value_minor


def invoices_to_send(viewer: Viewer) -> QuerySet[Invoice]:
    """Issued invoices and credit notes the viewer may see that nobody has sent yet, oldest first."""
    return (
        invoices_visible(viewer).filter(status=InvoiceStatus.ISSUED, sent_at__isnull=True).order_by("issue_date", "id")
    )


def to_invoice_visible(viewer: Viewer, *, up_to: date) -> list[ToInvoice]:
    """Every project whose money the viewer may see with approved, unbilled, billable time or expenses up
    to a date (what an invoice run would draft), with their values: two grouped queries and one for
    the projects."""
    visible = projects_money_visible(viewer)
    time = {
        r["project_id"]: r
        for r in TimeEntry.objects.filter(
            not_held(),
            project__in=visible,
            status=EntryStatus.APPROVED,
            billable=True,
            billing__isnull=True,
            work_date__lte=up_to,
        )
        .values("project_id")
        .annotate(minutes=Sum("billable_minutes"), value=Sum("bill_amount_minor"))
        .order_by()
    }
    spent = {
        r["project_id"]: r
        for r in ExpenseLine.objects.filter(
            project__in=visible,
            billable=True,
            claim__status__in=[ClaimStatus.APPROVED, ClaimStatus.REIMBURSED],
            billing__isnull=True,
            write_off__isnull=True,
            date__lte=up_to,
        )
        .values("project_id")
        .annotate(count=Count("id"), value=Sum("bill_amount_minor"))
        .order_by()
    }
    projects = visible.filter(id__in=set(time) | set(spent)).select_related("client", "company").order_by("code", "id")
    none: dict[str, Any] = {}
    return [
        ToInvoice(
            project=p,
            time_minutes=int(time.get(p.pk, none).get("minutes") or 0),
            time_value_minor=int(time.get(p.pk, none).get("value") or 0),
            expense_count=int(spent.get(p.pk, none).get("count") or 0),
            expense_value_minor=int(spent.get(p.pk, none).get("value") or 0),
        )
        for p in projects
    ]


def expenses_unbilled_of(*, company_id: int, up_to: date, project_id: int | None = None) -> QuerySet[ExpenseLine]:
    """Billable expense lines of approved (or reimbursed) claims on a company's projects (or one
    project), dated up to a date, not yet billed."""
    lines = ExpenseLine.objects.filter(
        project__company_id=company_id,
        billable=True,
        claim__status__in=[ClaimStatus.APPROVED, ClaimStatus.REIMBURSED],
        billing__isnull=True,
        write_off__isnull=True,
        date__lte=up_to,
    )
    return lines if project_id is None else lines.filter(project_id=project_id)


def expense_items_of(lines: QuerySet[ExpenseLine]) -> dict[int, list[ExpenseItem]]:
    """The expenses to bill, by project: one query."""
    rows = lines.values_list(
        "id", "project_id", "task_id", "date", "category__name", "merchant", "markup_percent", "bill_amount_minor"
    ).order_by()
    items: dict[int, list[ExpenseItem]] = defaultdict(list)
    for line_id, project_id, task_id, day, category, merchant, markup, amount in rows:
        items[project_id].append(ExpenseItem(line_id, task_id, day, category, merchant, Decimal(markup), int(amount)))
    return items
