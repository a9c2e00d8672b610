"""Shapes of expense claims, lines, receipts, categories and company rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from margin.api.money import money_field, money_shown
from margin.api.schemas.common import Country, Id, MoneyOut, Note, Reason, ShortText, Title, money, rate_text
from margin.expenses.models import ExpenseClaim, ExpenseLine, MileageRate, PerDiemRate, Receipt
from margin.expenses.queries import lines_of

Kind = Literal["receipt", "mileage", "per_diem"]
Unit = Literal["km", "mi"]
Markup = Annotated[Decimal, Field(ge=0, le=1000, max_digits=7, decimal_places=2, description="Markup in percent")]
Distance = Annotated[Decimal, Field(gt=0, le=100_000, max_digits=10, decimal_places=2)]
Days = Annotated[Decimal, Field(gt=0, le=366, max_digits=6, decimal_places=2, description="In halves: 0.5, 1, 1.5…")]
Rate = Annotated[Decimal, Field(ge=0, lt=100_000, max_digits=14, decimal_places=4)]
# Negative amounts reach the action (which refuses them with a clear message) rather than failing here.
Amount = Annotated[int, Field(ge=-(10**15), le=10**15, description="Integer minor units of `currency`")]
LooseCurrency = Annotated[str, Field(min_length=1, max_length=8, description="ISO 4217 code; default: the claim's")]


class CategoryIn(Schema):
    name: ShortText
    kind: Kind = "receipt"
    billable_default: bool = False


class CategoryOut(Schema):
    id: int
    name: str
    kind: str
    billable_default: bool
    active: bool


class MileageRateIn(Schema):
    company_id: Id
    valid_from: dt.date
    rate: Rate = Field(description="Per km or mile, in the company's currency, as a decimal string")
    unit: Unit = "km"


class PerDiemRateIn(Schema):
    company_id: Id
    country: Country = Field(description="ISO 3166 alpha-2, e.g. DE")
    valid_from: dt.date
    rate: Rate = Field(description="Per day, in the company's currency, as a decimal string")


class CompanyRateOut(Schema):
    id: int
    company_id: int
    valid_from: dt.date
    rate: str

    @staticmethod
    def resolve_rate(obj: MileageRate | PerDiemRate) -> str:
        return rate_text(obj.rate)


class ClaimIn(Schema):
    title: Title
    person_id: Id | None = Field(None, description="Someone else's claim (administrators); default: yours")


class ClaimPatch(Schema):
    title: Title


class LineIn(Schema):
    date: dt.date
    category_id: Id
    amount_minor: Amount | None = Field(None, description="Receipt lines: what was spent, in minor units")
    currency: LooseCurrency | None = None
    merchant: Title = ""
    distance: Distance | None = Field(None, description="Mileage lines")
    distance_unit: Unit | None = None
    days: Days | None = Field(None, description="Per-diem lines")
    country: Country = Field("", description="Per-diem lines: ISO 3166 alpha-2")
    project_id: Id | None = None
    task_id: Id | None = None
    billable: bool | None = Field(None, description="Default: the category's, when there is a project")
    markup_percent: Markup = Decimal(0)
    notes: Note = ""


class LinePatch(Schema):
    """Only the fields sent are changed."""

    date: dt.date | None = None
    category_id: Id | None = None
    amount_minor: Amount | None = None
    currency: LooseCurrency | None = None
    merchant: Title | None = None
    distance: Distance | None = None
    distance_unit: Unit | None = None
    days: Days | None = None
    country: Country | None = None
    project_id: Id | None = None
    task_id: Id | None = None
    billable: bool | None = None
    markup_percent: Markup | None = None
    notes: Note | None = None


class ReceiptOut(Schema):
    id: int
    content_type: str
    size: int
    original_name: str
    has_thumbnail: bool
    uploaded_at: dt.datetime

    @staticmethod
    def resolve_has_thumbnail(obj: Receipt) -> bool:
        return bool(obj.thumbnail)


class LineOut(Schema):
    id: int
    claim_id: int
    kind: str
    date: dt.date
    category_id: int
    merchant: str
    amount: MoneyOut = Field(description="What was spent, in the currency spent")
    converted: MoneyOut = Field(description="In the claim's (company's) currency")
    exchange_rate: str = Field(description="1 unit of the spent currency in the claim's currency")
    rate_date: dt.date = Field(description="The date of the exchange-rate quote used")
    distance: str | None
    distance_unit: str
    days: str | None
    country: str
    unit_rate: str | None = Field(description="Mileage or per-diem rate used")
    project_id: int | None
    task_id: int | None
    billable: bool
    markup_percent: str
    bill_amount: MoneyOut | None = money_field("Billable lines: charged to the client, markup included")
    billed: bool
    notes: str
    receipts: list[ReceiptOut]

    @staticmethod
    def resolve_amount(obj: ExpenseLine) -> MoneyOut:
        return money(obj.amount_minor, obj.currency)

    @staticmethod
    def resolve_converted(obj: ExpenseLine) -> MoneyOut:
        return money(obj.converted_minor, obj.claim.currency)

    @staticmethod
    def resolve_exchange_rate(obj: ExpenseLine) -> str:
        return f"{Decimal(obj.exchange_rate).normalize():f}"

    @staticmethod
    def resolve_distance(obj: ExpenseLine) -> str | None:
        return None if obj.distance is None else f"{obj.distance:f}"

    @staticmethod
    def resolve_days(obj: ExpenseLine) -> str | None:
        return None if obj.days is None else f"{obj.days:f}"

    @staticmethod
    def resolve_unit_rate(obj: ExpenseLine) -> str | None:
        return None if obj.unit_rate is None else f"{obj.unit_rate:f}"

    @staticmethod
    def resolve_markup_percent(obj: ExpenseLine) -> str:
        return f"{obj.markup_percent:f}"

    @staticmethod
    def resolve_bill_amount(obj: ExpenseLine, context: Any) -> MoneyOut | None:
        if not (obj.billable and obj.bill_currency):
            return None
        return money_shown(context, obj.project_id, obj.bill_amount_minor, obj.bill_currency)

    @staticmethod
    def resolve_billed(obj: ExpenseLine) -> bool:
        return getattr(obj, "billing", None) is not None

    @staticmethod
    def resolve_receipts(obj: ExpenseLine) -> list[Receipt]:
        return list(obj.receipts.all())


class ClaimOut(Schema):
    id: int
    title: str
    person_id: int
    company_id: int
    status: str = Field(description="draft, submitted, approved, rejected or reimbursed")
    rejection_reason: str
    total: MoneyOut
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    reimbursed_at: dt.datetime | None

    @staticmethod
    def resolve_total(obj: ExpenseClaim) -> MoneyOut:
        return money(obj.total_minor, obj.currency)


class ClaimDetailOut(ClaimOut):
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: ExpenseClaim) -> list[ExpenseLine]:
        return list(lines_of(obj).select_related("claim", "billing"))


class ClaimRejectIn(Schema):
    reason: Reason
