"""Shapes of invoices, their lines, and the invoice run (a background job)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from ninja import Field, Schema

from margin.api.money import MONEY_SHAPE
from margin.api.schemas.common import Id, MoneyOut, money, rate_text
from margin.billing.models import DocumentKind, Invoice, InvoiceLine, InvoiceStatus
from margin.billing.rules import invoice_state, open_minor


def state_of(invoice: Invoice) -> str:
    """The state a person reads (billing.rules.invoice_state), as of today."""
    return invoice_state(
        issued=invoice.status == InvoiceStatus.ISSUED,
        sent=invoice.sent_at is not None,
        total_minor=invoice.total_minor,
        paid_minor=invoice.paid_minor,
        credited_minor=invoice.credited_minor,
        due_date=invoice.due_date if invoice.kind == DocumentKind.INVOICE else None,
        today=timezone.localdate(),
    )


class InvoiceDraftIn(Schema):
    project_id: Id
    up_to: date = Field(description="Approved time up to and including this date is invoiced")


class InvoiceRunIn(Schema):
    company_id: Id
    up_to: date


class InvoicesSendIn(Schema):
    invoice_ids: list[Id] | None = Field(
        None, description="The invoices to send; default: every issued invoice and credit note not sent yet"
    )
    message: str = Field("", max_length=2000, description="A note above the standard text of each e-mail")


class InvoiceIssueIn(Schema):
    issue_date: date | None = Field(None, description="Default: today")
    payment_days: int | None = Field(None, ge=0, le=365, description="Days until due. Default: the client's terms")


class InvoiceOut(Schema):
    """An invoice: only for those who may see its project's money (anyone else gets 404)."""

    model_config = {"json_schema_extra": MONEY_SHAPE}

    id: int
    kind: str = Field(description="invoice or credit_note")
    number: str | None = Field(description="Given when issued, e.g. 2026-0001 (CN-2026-0001 for a credit note)")
    status: str = Field(description="draft or issued: whether the document is frozen")
    state: str = Field(description="draft, issued, sent, partly_paid, paid, overdue or credited (derived)")
    company_id: int
    client_id: int
    client_name: str
    contract_id: int | None
    project_id: int | None = Field(description="None when the invoice covers several of its contract's projects")
    project_code: str | None
    credited_invoice_id: int | None = Field(description="A credit note's invoice")
    reason: str = Field(description="Why a credit note was made")
    currency: str
    company_currency: str
    exchange_rate: str = Field(description="1 unit of the invoice's currency in the company's currency")
    exchange_rate_date: date | None
    period_end: date
    issue_date: date | None
    due_date: date | None
    buyer_reference: str
    net: MoneyOut
    tax: MoneyOut
    total: MoneyOut
    paid: MoneyOut
    credited: MoneyOut
    open: MoneyOut = Field(description="What the client still owes")
    total_minutes: int
    sent_at: datetime | None
    sent_to: str
    created_at: datetime
    issued_at: datetime | None

    @staticmethod
    def resolve_client_name(obj: Invoice) -> str:
        return obj.client.name

    @staticmethod
    def resolve_project_code(obj: Invoice) -> str | None:
        return obj.project.code if obj.project else None

    @staticmethod
    def resolve_state(obj: Invoice) -> str:
        return state_of(obj)

    @staticmethod
    def resolve_exchange_rate(obj: Invoice) -> str:
        return f"{Decimal(obj.exchange_rate).normalize():f}"

    @staticmethod
    def resolve_net(obj: Invoice) -> MoneyOut:
        return money(obj.net_minor, obj.currency)

    @staticmethod
    def resolve_tax(obj: Invoice) -> MoneyOut:
        return money(obj.tax_minor, obj.currency)

    @staticmethod
    def resolve_total(obj: Invoice) -> MoneyOut:
        return money(obj.total_minor, obj.currency)

    @staticmethod
    def resolve_paid(obj: Invoice) -> MoneyOut:
        return money(obj.paid_minor, obj.currency)

    @staticmethod
    def resolve_credited(obj: Invoice) -> MoneyOut:
        return money(obj.credited_minor, obj.currency)

    @staticmethod
    def resolve_open(obj: Invoice) -> MoneyOut:
        if obj.kind == DocumentKind.CREDIT_NOTE or obj.status != InvoiceStatus.ISSUED:
            return money(0, obj.currency)
        return money(
            open_minor(total_minor=obj.total_minor, paid_minor=obj.paid_minor, credited_minor=obj.credited_minor),
            obj.currency,
        )


class InvoiceLineOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    id: int
    position: int
    kind: str = Field(description="time, expense, fixed, progress, retainer, usage, manual or discount")
    project_id: int | None
    billing_line_id: int | None
    credited_line_id: int | None = Field(description="A credit note's line: the invoice line it takes back")
    task_id: int | None
    role_id: int | None
    description: str
    minutes: int
    quantity: str
    unit: str = Field(description="UN/ECE rec 20: HUR (hours) or C62 (one)")
    unit_price: str
    hourly_rate: str
    standard: MoneyOut = Field(description="What the rates said, before a write-up or write-down")
    amount: MoneyOut
    adjustment_reason: str
    tax_category: str = Field(description="EN 16931 VAT category (S, Z, E, AE, G, O), empty when untaxed")
    tax_rate: str
    tax: MoneyOut
    period_start: date | None
    period_end: date | None

    @staticmethod
    def resolve_hourly_rate(obj: InvoiceLine) -> str:
        return rate_text(obj.hourly_rate)

    @staticmethod
    def resolve_quantity(obj: InvoiceLine) -> str:
        return rate_text(obj.quantity)

    @staticmethod
    def resolve_unit_price(obj: InvoiceLine) -> str:
        return rate_text(obj.unit_price)

    @staticmethod
    def resolve_tax_rate(obj: InvoiceLine) -> str:
        return rate_text(obj.tax_rate)

    @staticmethod
    def resolve_amount(obj: InvoiceLine) -> MoneyOut:
        return money(obj.amount_minor, obj.invoice.currency)

    @staticmethod
    def resolve_standard(obj: InvoiceLine) -> MoneyOut:
        return money(obj.standard_minor, obj.invoice.currency)

    @staticmethod
    def resolve_tax(obj: InvoiceLine) -> MoneyOut:
        return money(obj.tax_minor, obj.invoice.currency)


class JobOut(Schema):
    id: int
    kind: str
    status: str = Field(description="queued, running, done or failed")
    done: int
    total: int
    percent: int
    message: str = Field(description="Why it failed, when it did")
    result: dict[str, Any] | None
    created_at: datetime
    finished_at: datetime | None
