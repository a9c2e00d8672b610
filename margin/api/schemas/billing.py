"""Shapes of invoices, their lines, and the invoice run (a background job)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from margin.api.money import MONEY_SHAPE
from margin.api.schemas.common import Id, MoneyOut, money, rate_text
from margin.billing.models import Invoice, InvoiceLine


class InvoiceDraftIn(Schema):
    project_id: Id
    up_to: date = Field(description="Approved time up to and including this date is invoiced")


class InvoiceRunIn(Schema):
    company_id: Id
    up_to: date


class InvoiceIssueIn(Schema):
    issue_date: date | None = Field(None, description="Default: today")
    payment_days: int | None = Field(None, ge=0, le=365, description="Days until due. Default: the client's terms")


class InvoiceOut(Schema):
    """An invoice: only for those who may see its project's money (anyone else gets 404)."""

    model_config = {"json_schema_extra": MONEY_SHAPE}

    id: int
    number: str | None = Field(description="Given when issued, e.g. 2026-0001")
    status: str = Field(description="draft or issued")
    company_id: int
    client_id: int
    client_name: str
    project_id: int
    project_code: str
    currency: str
    period_end: date
    issue_date: date | None
    due_date: date | None
    total: MoneyOut
    total_minutes: int
    created_at: datetime
    issued_at: datetime | None

    @staticmethod
    def resolve_client_name(obj: Invoice) -> str:
        return obj.client.name

    @staticmethod
    def resolve_project_code(obj: Invoice) -> str:
        return obj.project.code

    @staticmethod
    def resolve_total(obj: Invoice) -> MoneyOut:
        return money(obj.total_minor, obj.currency)


class InvoiceLineOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    id: int
    position: int
    task_id: int | None
    role_id: int | None
    description: str
    minutes: int
    hourly_rate: str
    amount: MoneyOut

    @staticmethod
    def resolve_hourly_rate(obj: InvoiceLine) -> str:
        return rate_text(obj.hourly_rate)

    @staticmethod
    def resolve_amount(obj: InvoiceLine) -> MoneyOut:
        return money(obj.amount_minor, obj.invoice.currency)


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
