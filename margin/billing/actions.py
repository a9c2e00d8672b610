"""Writes on invoices: draft from approved time, discard a draft, issue with a gapless number."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from margin.accounts.models import Company
from margin.accounts.queries import Viewer
from margin.accounts.rules import format_invoice_number
from margin.billing import rules
from margin.billing.models import BilledExpense, BilledTime, Invoice, InvoiceLine, InvoiceSequence, InvoiceStatus
from margin.billing.queries import expense_items_of, expenses_unbilled_of, line_groups_of, time_entries_unbilled_of
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.projects.models import Project
from margin.timesheets.models import EntryStatus, TimeEntry

INVOICE_FIELDS = ["status", "number", "issue_date", "due_date", "total_minor", "total_minutes"]


def require_finance(viewer: Viewer) -> None:
    if not viewer.is_finance:
        raise Forbidden("Only finance and administrators may invoice.")


def _check_scope(viewer: Viewer, invoice: Invoice) -> None:
    if invoice.organisation_id != viewer.organisation_id or invoice.company_id not in viewer.company_ids:
        raise NotFound("No such invoice.")


def _draft_invoices(
    viewer: Viewer,
    *,
    company_id: int,
    up_to: date,
    project_id: int | None = None,
) -> list[Invoice]:
    """Draft one invoice per project with unbilled time, set-based: one GROUP BY reads the lines of
    every project, one INSERT … SELECT links every entry to its line. Runs inside a transaction.
    """
    unbilled = time_entries_unbilled_of(company_id=company_id, up_to=up_to, project_id=project_id)
    unbilled_expenses = expenses_unbilled_of(company_id=company_id, up_to=up_to, project_id=project_id)
    # Lock the projects (in id order, so two runs cannot deadlock): a second run for the same
    # projects waits here, then finds their time taken. BilledTime's key is the backstop.
    projects = list(
        Project.objects.select_for_update()
        .filter(Q(id__in=unbilled.values("project_id")) | Q(id__in=unbilled_expenses.values("project_id")))
        .order_by("id")
    )
    groups = line_groups_of(unbilled)
    expenses = expense_items_of(unbilled_expenses)
    # Read after the locks: a run that waited for another finds its time gone and drafts nothing.
    projects = [p for p in projects if groups.get(p.pk) or expenses.get(p.pk)]
    if not projects:
        return []
    drafts = {}
    for p in projects:
        time_lines = rules.build_lines(groups.get(p.pk, []), p.currency)
        drafts[p.pk] = time_lines + rules.build_expense_lines(expenses.get(p.pk, []), first_position=len(time_lines))
    invoices = Invoice.objects.bulk_create(
        [
            Invoice(
                organisation_id=p.organisation_id,
                company_id=p.company_id,
                client_id=p.client_id,
                project=p,
                currency=p.currency,
                period_end=up_to,
                created_by_id=viewer.user_id,
                net_minor=sum(d.amount_minor for d in drafts[p.pk]),
                total_minor=sum(d.amount_minor for d in drafts[p.pk]),
                total_minutes=sum(d.minutes for d in drafts[p.pk]),
            )
            for p in projects
        ]
    )
    lines: list[InvoiceLine] = []
    expense_of_line: list[int | None] = []
    for invoice in invoices:
        lines += [
            InvoiceLine(
                invoice=invoice,
                position=d.position,
                task_id=d.task_id,
                role_id=d.role_id,
                description=d.description,
                minutes=d.minutes,
                hourly_rate=d.hourly_rate,
                amount_minor=d.amount_minor,
                time_value_minor=d.time_value_minor,
            )
            for d in drafts[invoice.project_id]
        ]
        expense_of_line += [d.expense_line_id for d in drafts[invoice.project_id]]
    InvoiceLine.objects.bulk_create(lines, batch_size=2000)
    _bill_expenses(lines, expense_of_line)
    taken = _bill_time(invoices, up_to) if groups else 0
    if taken != sum(g.entries for per_project in groups.values() for g in per_project):
        # Time changed between our read and our write (it cannot while we hold the project locks,
        # unless a writer skipped them): refuse rather than bill a different set than we priced.
        raise Conflict("Time on these projects changed while the invoices were drafted; try again.")
    audit.record_many(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="invoice.draft",
        changes=[
            audit.Change(
                "billing.invoice",
                invoice.pk,
                None,
                {
                    **audit.snapshot(invoice, INVOICE_FIELDS),
                    "entries": sum(g.entries for g in groups.get(invoice.project_id, [])),
                    "period_end": up_to.isoformat(),
                    # Only when expenses were billed, so a time-only draft's row is as before.
                    **({"expenses": len(expenses[invoice.project_id])} if expenses.get(invoice.project_id) else {}),
                },
            )
            for invoice in invoices
        ],
    )
    return invoices


# Every unbilled, approved, billable entry of the new invoices' projects up to the date, matched to
# the line of its task, role and rate. Plain equalities only, run once for time on a task and once
# for time without one: a NULL-safe comparison (COALESCE, IS NOT DISTINCT FROM) hides the join's
# size from PostgreSQL's planner, which then picks a nested loop that is quadratic in the run's size.
# Approved time always has a role (valuation sets it), so the role needs no NULL case.
_LINK_TIME = """
    INSERT INTO {billed} (time_entry_id, line_id)
    SELECT e.id, l.id
    FROM {invoice} i
    JOIN {line} l ON l.invoice_id = i.id
    JOIN {entry} e ON e.project_id = i.project_id AND {task_match}
        AND e.role_id = l.role_id AND e.bill_rate = l.hourly_rate
    WHERE i.id IN ({invoice_ids})
        AND e.status = %s AND e.billable = %s AND e.work_date <= %s
        AND NOT EXISTS (SELECT 1 FROM {billed} b WHERE b.time_entry_id = e.id)
"""
_ON_A_TASK = "e.task_id = l.task_id"
_WITHOUT_TASK = "e.task_id IS NULL AND l.task_id IS NULL"


def _bill_time(invoices: list[Invoice], up_to: date) -> int:
    """Link every entry the invoices priced to its line; returns how many.

    The entry is BilledTime's primary key, so an entry another invoice took in the meantime makes
    the insert fail rather than bill it twice.
    """
    params: list[int | str | bool | date] = [*(i.pk for i in invoices), EntryStatus.APPROVED, True, up_to]
    taken = 0
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for task_match in (_ON_A_TASK, _WITHOUT_TASK):
                sql = _LINK_TIME.format(
                    billed=BilledTime._meta.db_table,
                    invoice=Invoice._meta.db_table,
                    line=InvoiceLine._meta.db_table,
                    entry=TimeEntry._meta.db_table,
                    task_match=task_match,
                    invoice_ids=", ".join(["%s"] * len(invoices)),
                )
                cursor.execute(sql, params)
                taken += int(cursor.rowcount)
    except IntegrityError:
        raise Conflict("Some of this time was invoiced at the same moment by someone else; try again.") from None
    return taken


def _bill_expenses(lines: list[InvoiceLine], expense_of_line: list[int | None]) -> None:
    """Link each expense to its invoice line in one statement. The expense line is BilledExpense's
    primary key, so an expense another invoice took in the meantime fails the insert."""
    links = [
        BilledExpense(expense_line_id=expense_id, line_id=line.pk)
        for line, expense_id in zip(lines, expense_of_line, strict=True)
        if expense_id is not None
    ]
    if not links:
        return
    try:
        with transaction.atomic():
            BilledExpense.objects.bulk_create(links, batch_size=2000)
    except IntegrityError:
        raise Conflict("Some of these expenses were invoiced at the same moment by someone else; try again.") from None


@transaction.atomic
def invoice_draft_create(*, viewer: Viewer, project: Project, up_to: date) -> Invoice:
    """Draft an invoice of a project's approved, unbilled, billable time up to a date."""
    require_finance(viewer)
    if project.organisation_id != viewer.organisation_id or project.company_id not in viewer.company_ids:
        raise NotFound("No such project.")
    invoices = _draft_invoices(viewer, company_id=project.company_id, up_to=up_to, project_id=project.pk)
    if not invoices:
        raise Invalid(f"Project {project.code} has no approved billable time or expenses to invoice up to {up_to}.")
    return invoices[0]


@transaction.atomic
def invoices_draft_all(*, viewer: Viewer, company: Company, up_to: date) -> list[Invoice]:
    """The invoice run: one draft per project of the company with time to bill, all in one
    transaction (a run is all-or-nothing; so it has no per-project progress to report)."""
    require_finance(viewer)
    if company.organisation_id != viewer.organisation_id or company.pk not in viewer.company_ids:
        raise NotFound("No such company.")
    return _draft_invoices(viewer, company_id=company.pk, up_to=up_to)


@transaction.atomic
def invoice_discard(*, viewer: Viewer, invoice: Invoice) -> None:
    """Delete a draft; its time becomes unbilled again."""
    _check_scope(viewer, invoice)
    require_finance(viewer)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise Conflict("An issued invoice cannot be discarded; it is corrected by a credit note.")
    BilledTime.objects.filter(line__invoice=invoice).delete()
    BilledExpense.objects.filter(line__invoice=invoice).delete()
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
    number = format_invoice_number(company.invoice_number_format, year=year, sequence=sequence.last_number)
    # A format changed during the year could write a number an earlier format wrote already.
    if Invoice.objects.filter(company=company, number=number).exists():
        raise Conflict(
            f"Invoice number {number} exists already in {company.name}: change the company's invoice number "
            "format so its numbers differ from the earlier ones.",
            field="invoice_number_format",
        )
    return number


@transaction.atomic
def invoice_issue(
    *, viewer: Viewer, invoice: Invoice, issue_date: date | None = None, payment_days: int | None = None
) -> Invoice:
    """Issue a draft: give it the next number of its company and year; it is frozen from now on. It is due
    `payment_days` after its issue date (None: the client's payment terms)."""
    _check_scope(viewer, invoice)
    require_finance(viewer)
    invoice = Invoice.objects.select_for_update().select_related("company").get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise Conflict(f"Invoice {invoice.number} is issued already.")
    if not invoice.lines.exists() or invoice.total_minor <= 0:
        raise Invalid("An invoice with nothing to bill cannot be issued.")
    if payment_days is None:
        payment_days = invoice.client.payment_terms_days
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
