"""Writes on invoices: draft from approved time, discard a draft, issue with a gapless number."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from margin.accounts.models import Company
from margin.accounts.queries import Viewer
from margin.billing import rules
from margin.billing.models import Invoice, InvoiceLine, InvoiceSequence, InvoiceStatus
from margin.billing.queries import line_groups, projects_with_unbilled_time, time_entries_unbilled
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.projects.models import Project
from margin.timesheets.models import TimeEntry

INVOICE_FIELDS = ["status", "number", "issue_date", "due_date", "total_minor", "total_minutes"]
DEFAULT_PAYMENT_DAYS = 30


def require_finance(viewer: Viewer) -> None:
    if not viewer.is_finance:
        raise Forbidden("Only finance and administrators may invoice.")


def _check_scope(viewer: Viewer, invoice: Invoice) -> None:
    if invoice.organisation_id != viewer.organisation_id or invoice.company_id not in viewer.company_ids:
        raise NotFound("No such invoice.")


def _draft(viewer: Viewer, project: Project, up_to: date) -> Invoice | None:
    """The draft for one project, or None when it has nothing to bill. Runs inside a transaction."""
    # One invoice run per project at a time: the project row lock queues a second one behind the
    # first, which then finds the time already taken. The NULL-only UPDATE below is the backstop.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    groups = line_groups(project=project, up_to=up_to)
    if not groups:
        return None
    drafts = rules.build_lines(groups, project.currency)
    invoice = Invoice.objects.create(
        organisation_id=project.organisation_id,
        company_id=project.company_id,
        client_id=project.client_id,
        project=project,
        currency=project.currency,
        period_end=up_to,
        created_by_id=viewer.user_id,
        total_minor=sum(d.amount_minor for d in drafts),
        total_minutes=sum(d.minutes for d in drafts),
    )
    lines = InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=invoice,
                position=d.position,
                task_id=d.task_id,
                role_id=d.role_id,
                description=d.description,
                minutes=d.minutes,
                hourly_rate=d.hourly_rate,
                amount_minor=d.amount_minor,
            )
            for d in drafts
        ]
    )
    taken = 0
    for line, draft in zip(lines, drafts, strict=True):
        # Set-based: one UPDATE per line takes every matching entry that no invoice holds yet.
        taken += (
            time_entries_unbilled(project=project, up_to=up_to)
            .filter(**{"task_id": draft.task_id, "role_id": draft.role_id, "bill_rate": draft.hourly_rate})
            .update(invoice_line=line)
        )
    if taken == 0 or _minutes_on(invoice) != invoice.total_minutes:
        # Another transaction took some of this time between our read and our write: start again.
        raise Conflict("Time on this project changed while the invoice was drafted; try again.")
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="invoice.draft",
        obj=invoice,
        after={**audit.snapshot(invoice, INVOICE_FIELDS), "entries": taken, "period_end": up_to.isoformat()},
    )
    return invoice


def _minutes_on(invoice: Invoice) -> int:
    return int(TimeEntry.objects.filter(invoice_line__invoice=invoice).aggregate(m=Sum("minutes"))["m"] or 0)


@transaction.atomic
def invoice_draft_create(*, viewer: Viewer, project: Project, up_to: date) -> Invoice:
    """Draft an invoice of a project's approved, unbilled, billable time up to a date."""
    require_finance(viewer)
    if project.organisation_id != viewer.organisation_id or project.company_id not in viewer.company_ids:
        raise NotFound("No such project.")
    invoice = _draft(viewer, project, up_to)
    if invoice is None:
        raise Invalid(f"Project {project.code} has no approved billable time to invoice up to {up_to}.")
    return invoice


def invoices_draft_all(
    *, viewer: Viewer, company: Company, up_to: date, progress: Callable[[int, int], None] | None = None
) -> list[Invoice]:
    """The invoice run: one draft per project of the company with time to bill, each in its own
    transaction so a long run never holds every project locked at once."""
    require_finance(viewer)
    if company.organisation_id != viewer.organisation_id or company.pk not in viewer.company_ids:
        raise NotFound("No such company.")
    projects = list(projects_with_unbilled_time(company_id=company.pk, up_to=up_to))
    invoices: list[Invoice] = []
    for done, project in enumerate(projects, start=1):
        with transaction.atomic():
            invoice = _draft(viewer, project, up_to)
        if invoice is not None:
            invoices.append(invoice)
        if progress is not None:
            progress(done, len(projects))
    return invoices


@transaction.atomic
def invoice_discard(*, viewer: Viewer, invoice: Invoice) -> None:
    """Delete a draft; its time becomes unbilled again."""
    _check_scope(viewer, invoice)
    require_finance(viewer)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise Conflict("An issued invoice cannot be discarded; it is corrected by a credit note.")
    TimeEntry.objects.filter(invoice_line__invoice=invoice).update(invoice_line=None)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="invoice.discard",
        obj=invoice,
        before=audit.snapshot(invoice, INVOICE_FIELDS),
    )
    invoice.delete()


def _next_number(company: Company, year: int) -> str:
    """Allocate the next number under a row lock on the (company, year) sequence: gapless, because
    the allocation commits or rolls back together with the issue itself."""
    InvoiceSequence.objects.get_or_create(company=company, year=year)
    sequence = InvoiceSequence.objects.select_for_update().get(company=company, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return rules.format_number(year, sequence.last_number, company.invoice_number_digits)


@transaction.atomic
def invoice_issue(
    *, viewer: Viewer, invoice: Invoice, issue_date: date | None = None, payment_days: int = DEFAULT_PAYMENT_DAYS
) -> Invoice:
    """Issue a draft: give it the next number of its company and year; it is frozen from now on."""
    _check_scope(viewer, invoice)
    require_finance(viewer)
    invoice = Invoice.objects.select_for_update().select_related("company").get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise Conflict(f"Invoice {invoice.number} is issued already.")
    if not invoice.lines.exists() or invoice.total_minor <= 0:
        raise Invalid("An invoice with nothing to bill cannot be issued.")
    if not 0 <= payment_days <= 365:
        raise Invalid("Payment terms must be between 0 and 365 days.", field="payment_days")
    today = timezone.localdate()
    issue_date = issue_date or today
    if abs((issue_date - today).days) > 366:
        raise Invalid("The issue date must be within a year of today.", field="issue_date")
    before = audit.snapshot(invoice, INVOICE_FIELDS)
    invoice.number = _next_number(invoice.company, issue_date.year)
    invoice.status = InvoiceStatus.ISSUED
    invoice.issue_date = issue_date
    invoice.due_date = issue_date + timedelta(days=payment_days)
    invoice.issued_at = timezone.now()
    invoice.issued_by_id = viewer.user_id
    invoice.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="invoice.issue",
        obj=invoice,
        before=before,
        after=audit.snapshot(invoice, INVOICE_FIELDS),
    )
    return invoice
