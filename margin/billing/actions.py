"""Writes on invoices: draft what contracts have ready to bill, discard a draft, issue an invoice or a credit note with
the next gapless number of its kind (the review of a draft is in `review`, credit notes in `crediting`)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from margin.accounts.models import Company
from margin.accounts.queries import Viewer, company_locked_through
from margin.accounts.rules import format_invoice_number
from margin.billing.access import check_scope, require_finance
from margin.billing.crediting import credit_note_takes_effect
from margin.billing.documents import parties_of
from margin.billing.drafting import INVOICE_FIELDS, draft_invoices
from margin.billing.models import (
    BilledExpense,
    BilledInstalment,
    BilledPeriod,
    BilledTime,
    DocumentKind,
    Invoice,
    InvoiceSequence,
    InvoiceStatus,
)
from margin.billing.queries import expenses_unbilled_of, time_entries_unbilled_of
from margin.contracts.actions import contract_of_project_ensure
from margin.contracts.models import Contract, ContractStatus
from margin.core import audit
from margin.core.errors import Conflict, Invalid, NotFound, check_period_open
from margin.projects.models import Project


def _cover_projects_with_work(viewer: Viewer, *, company_id: int, up_to: date, project_id: int | None = None) -> None:
    """A project with work to bill and no contract (made outside the New project flow) gets its own
    time-and-materials contract first, so its time is billed as it always was."""
    # The projects without a contract first (usually none): the work to bill is looked for only among them,
    # not in every unbilled entry of the company.
    bare = Project.objects.filter(company_id=company_id, coverage__isnull=True)
    if project_id is not None:
        bare = bare.filter(pk=project_id)
    bare_ids = list(bare.values_list("id", flat=True))
    if not bare_ids:
        return
    time = (
        time_entries_unbilled_of(company_id=company_id, up_to=up_to, project_id=project_id)
        .filter(project_id__in=bare_ids)
        .values("project_id")
    )
    spent = (
        expenses_unbilled_of(company_id=company_id, up_to=up_to, project_id=project_id)
        .filter(project_id__in=bare_ids)
        .values("project_id")
    )
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
    check_scope(viewer, invoice)
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


def _next_number(company: Company, year: int, kind: str) -> str:
    """Allocate the next number of a company's invoices or credit notes in a year, under a row lock on
    its sequence: gapless, because the allocation commits or rolls back together with the issue itself."""
    InvoiceSequence.objects.get_or_create(company=company, kind=kind, year=year)
    sequence = InvoiceSequence.objects.select_for_update().get(company=company, kind=kind, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    credit = kind == DocumentKind.CREDIT_NOTE
    pattern = company.credit_note_number_format if credit else company.invoice_number_format
    number = format_invoice_number(pattern, year=year, sequence=sequence.last_number)
    # A format changed during the year could write a number an earlier format wrote already.
    if Invoice.objects.filter(company=company, number=number).exists():
        field = "credit_note_number_format" if credit else "invoice_number_format"
        raise Conflict(
            f"Number {number} exists already in {company.name}: change the company's "
            f"{'credit note' if credit else 'invoice'} number format so its numbers differ from the earlier ones.",
            field=field,
        )
    return number


@transaction.atomic
def invoice_issue(
    *, viewer: Viewer, invoice: Invoice, issue_date: date | None = None, payment_days: int | None = None
) -> Invoice:
    """Issue a draft invoice or credit note: give it the next number of its kind, company and year and keep
    the parties as they are now; it is frozen from then on. An invoice is due `payment_days` after its issue
    date (None: its contract's payment terms); a credit note takes effect on the invoice it credits."""
    check_scope(viewer, invoice)
    require_finance(viewer)
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("company", "client", "contract")
        .get(pk=invoice.pk)
    )
    if invoice.status != InvoiceStatus.DRAFT:
        raise Conflict(f"{invoice.number} is issued already.")
    if not invoice.lines.exists() or invoice.total_minor <= 0:
        raise Invalid("A document with nothing to bill cannot be issued.")
    if payment_days is None:
        terms = invoice.contract.payment_terms_days if invoice.contract else invoice.client.payment_terms_days
        payment_days = 0 if invoice.kind == DocumentKind.CREDIT_NOTE else terms
    if not 0 <= payment_days <= 365:
        raise Invalid("Payment terms must be between 0 and 365 days.", field="payment_days")
    today = timezone.localdate()
    issue_date = issue_date or today
    if abs((issue_date - today).days) > 366:
        raise Invalid("The issue date must be within a year of today.", field="issue_date")
    check_period_open(
        issue_date,
        locked_through=company_locked_through(invoice.company_id),
        company_name=invoice.company.name,
        what="a credit note" if invoice.kind == DocumentKind.CREDIT_NOTE else "an invoice",
        verbs="issued",
        field="issue_date",
    )
    before = audit.snapshot(invoice, INVOICE_FIELDS)
    invoice.number = _next_number(invoice.company, issue_date.year, invoice.kind)
    invoice.parties = parties_of(invoice.company, invoice.client, invoice.contract)
    invoice.status = InvoiceStatus.ISSUED
    invoice.issue_date = issue_date
    invoice.due_date = issue_date + timedelta(days=payment_days)
    invoice.issued_at = timezone.now()
    invoice.issued_by_id = viewer.user_id
    invoice.save()
    if invoice.kind == DocumentKind.CREDIT_NOTE:
        credit_note_takes_effect(viewer, invoice)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="invoice.issue",
        obj=invoice,
        before=before,
        after=audit.snapshot(invoice, INVOICE_FIELDS),
    )
    return invoice
