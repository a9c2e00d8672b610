"""Issued invoices for tests, made directly: a draft with one line, then issued by a queryset update (number,
issue and due dates), as billing's issue would leave it."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from django.utils import timezone

from margin.accounts.models import Company
from margin.billing.models import DocumentKind, Invoice, InvoiceLine, InvoiceStatus, LineKind
from margin.crm.models import Client
from margin.projects.models import Project
from tests.firm import Firm

_numbers = itertools.count(1)


def issued_invoice(
    firm: Firm,
    total_minor: int,
    *,
    issue_date: date | None = None,
    due_days: int = 30,
    due_date: date | None = None,
    currency: str = "USD",
    client: Client | None = None,
    company: Company | None = None,
    project: Project | None = None,
    tax_minor: int = 0,
    exchange_rate: str = "1",
    kind: str = DocumentKind.INVOICE,
    credited: Invoice | None = None,
    number: str | None = None,
    draft: bool = False,
) -> Invoice:
    """An invoice (or a credit note) of `total_minor` (net + tax), issued on `issue_date` (default: 40 days ago)
    and due `due_days` later, unless `draft`."""
    company = company or firm.usd
    issue_date = issue_date or timezone.localdate() - timedelta(days=40)
    invoice = Invoice.objects.create(
        organisation_id=firm.usd.organisation_id,
        company=company,
        client=client or firm.client,
        project=project,
        kind=kind,
        credited_invoice=credited,
        currency=currency,
        company_currency=company.base_currency,
        exchange_rate=exchange_rate,
        period_end=issue_date,
        net_minor=total_minor - tax_minor,
        tax_minor=tax_minor,
        total_minor=total_minor,
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        kind=LineKind.MANUAL,
        description="Consulting",
        minutes=0,
        hourly_rate=0,
        amount_minor=total_minor - tax_minor,
    )
    if not draft:
        Invoice.objects.filter(pk=invoice.pk).update(
            status=InvoiceStatus.ISSUED,
            number=number or f"T-{next(_numbers):05d}",
            issue_date=issue_date,
            due_date=due_date or issue_date + timedelta(days=due_days),
        )
    invoice.refresh_from_db()
    return invoice
