"""Reads of invoices (finance and admins see their companies' invoices; managers their projects')."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum

from margin.accounts.queries import Viewer
from margin.billing.models import Invoice, InvoiceLine
from margin.billing.rules import LineGroup
from margin.core.errors import NotFound
from margin.projects.models import Project
from margin.projects.queries import projects_visible
from margin.timesheets.models import EntryStatus, TimeEntry


def invoices_visible(viewer: Viewer) -> QuerySet[Invoice]:
    return Invoice.objects.filter(project__in=projects_visible(viewer)).select_related("client", "project", "company")


def invoice_get(viewer: Viewer, invoice_id: int) -> Invoice:
    invoice = invoices_visible(viewer).filter(id=invoice_id).first()
    if invoice is None:
        raise NotFound("No such invoice.")
    return invoice


def invoice_lines(invoice: Invoice) -> QuerySet[InvoiceLine]:
    return InvoiceLine.objects.filter(invoice=invoice).select_related("task", "role").order_by("position", "id")


def time_entries_unbilled(*, project: Project, up_to: date) -> QuerySet[TimeEntry]:
    """Approved billable time of a project up to a date that no invoice has taken yet."""
    return TimeEntry.objects.filter(
        project=project, status=EntryStatus.APPROVED, billable=True, invoice_line__isnull=True, work_date__lte=up_to
    )


def line_groups(*, project: Project, up_to: date) -> list[LineGroup]:
    """Unbilled time summed by task, role and rate: one GROUP BY in the database."""
    rows = (
        time_entries_unbilled(project=project, up_to=up_to)
        .values("task_id", "task__name", "role_id", "role__name", "bill_rate")
        .annotate(minutes=Sum("minutes"))
        .order_by()
    )
    return [
        LineGroup(
            task_id=r["task_id"],
            task_name=r["task__name"] or "General",
            role_id=r["role_id"],
            role_name=r["role__name"] or "",
            hourly_rate=Decimal(r["bill_rate"] or 0),
            minutes=int(r["minutes"]),
        )
        for r in rows
    ]


def projects_with_unbilled_time(*, company_id: int, up_to: date) -> QuerySet[Project]:
    """Projects of a company that have approved billable time up to a date not yet invoiced."""
    unbilled = TimeEntry.objects.filter(
        company_id=company_id,
        status=EntryStatus.APPROVED,
        billable=True,
        invoice_line__isnull=True,
        work_date__lte=up_to,
    ).values("project_id")
    return Project.objects.filter(id__in=unbilled).order_by("code")
