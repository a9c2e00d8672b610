"""Writes on invoices: draft from approved time, discard a draft, issue with a gapless number."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from margin.accounts.models import Company
from margin.accounts.queries import Viewer
from margin.accounts.rules import format_invoice_number
from margin.billing.drafting import INVOICE_FIELDS, draft_invoices
from margin.billing.models import (
    BilledExpense,
    BilledInstalment,
    BilledPeriod,
    BilledTime,
    Invoice,
    InvoiceSequence,
    InvoiceStatus,
)
from margin.billing.queries import expenses_unbilled_of, time_entries_unbilled_of
from margin.contracts.actions import contract_of_project_ensure
from margin.contracts.models import Contract, ContractStatus
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.projects.models import Project


def require_finance(viewer: Viewer) -> None:
    if not viewer.is_finance:
        raise Forbidden("Only finance and administrators may invoice.")


def _check_scope(viewer: Viewer, invoice: Invoice) -> None:
    if invoice.organisation_id != viewer.organisation_id or invoice.company_id not in viewer.company_ids:
        raise NotFound("No such invoice.")


def _cover_projects_with_work(viewer: Viewer, *, company_id: int, up_to: date, project_id: int | None = None) -> None:
    """A project with work to bill and no contract (made outside the New project flow) gets its own
    time-and-materials contract first, so its time is billed as it always was."""
    time = time_entries_unbilled_of(company_id=company_id, up_to=up_to, project_id=project_id).values("project_id")
    spent = expenses_unbilled_of(company_id=company_id, up_to=up_to, project_id=project_id).values("project_id")
    uncovered = Project.objects.filter(Q(id__in=time) | Q(id__in=spent), coverage__isnull=True).select_related("client")
    for project in uncovered.order_by("id"):
        contract_of_project_ensure(viewer=viewer, project=project)


@transaction.atomic
def invoice_draft_create(*, viewer: Viewer, project: Project, up_to: date) -> Invoice:
    """Draft an invoice of what a project has ready to bill up to a date (its share of its contract's
    queue: time, expenses, instalments, progress, retainer periods)."""
    require_finance(viewer)
    if project.organisation_id != viewer.organisation_id or project.company_id not in viewer.company_ids:
        raise NotFound("No such project.")
    _cover_projects_with_work(viewer, company_id=project.company_id, up_to=up_to, project_id=project.pk)
    contract = Contract.objects.filter(covered__project=project).first()
    invoices = draft_invoices(viewer, [contract], up_to, project_id=project.pk) if contract else []
    if not invoices:
        raise Invalid(
            f"Project {project.code} has no approved billable time or expenses (nor instalments, progress or "
            f"retainer periods) to invoice up to {up_to}."
        )
    return invoices[0]


@transaction.atomic
def invoice_draft_for_contract(*, viewer: Viewer, contract: Contract, up_to: date) -> list[Invoice]:
    """Draft what a contract has ready to bill up to a date: one invoice, or one per project."""
    require_finance(viewer)
    if contract.organisation_id != viewer.organisation_id or contract.company_id not in viewer.company_ids:
        raise NotFound("No such contract.")
    invoices = draft_invoices(viewer, [contract], up_to)
    if not invoices:
        raise Invalid(f"Contract {contract.reference} has nothing ready to bill up to {up_to}.")
    return invoices


@transaction.atomic
def invoices_draft_all(*, viewer: Viewer, company: Company, up_to: date) -> list[Invoice]:
    """The invoice run: every open contract of the company drafts what it has ready to bill, all in one
    transaction (a run is all-or-nothing; so it has no per-contract progress to report)."""
    require_finance(viewer)
    if company.organisation_id != viewer.organisation_id or company.pk not in viewer.company_ids:
        raise NotFound("No such company.")
    _cover_projects_with_work(viewer, company_id=company.pk, up_to=up_to)
    contracts = list(Contract.objects.filter(company=company).exclude(status=ContractStatus.CLOSED).order_by("id"))
    return draft_invoices(viewer, contracts, up_to)


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
    BilledInstalment.objects.filter(line__invoice=invoice).delete()
    BilledPeriod.objects.filter(line__invoice=invoice).delete()
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
