"""Shapes of contracts, billing lines, instalments, tax codes and rate cards."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema

from margin.api.money import MONEY_SHAPE
from margin.api.schemas.common import Currency, MoneyOut, Name, ShortText, money, rate_text
from margin.contracts.models import (
    BillingLine,
    BillingModel,
    BillRate,
    CapKind,
    ContractStatus,
    Instalment,
    InvoiceGrouping,
    ProgressSource,
    RetainerFrequency,
    RetainerUnit,
    Rollover,
    TaxCode,
    TaxKind,
)
from margin.contracts.taxes import category_of
from margin.crm.models import BillingRounding

MinorUnits = Annotated[int, Field(ge=0, le=10**15, description="Integer minor units of the contract's currency")]
Reference = Annotated[str, Field(min_length=1, max_length=40, description="The firm's reference, unique per company")]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
HourlyRate = Annotated[Decimal, Field(ge=0, lt=1_000_000, max_digits=11, decimal_places=4)]


class ContractIn(Schema):
    company_id: int
    client_id: int
    reference: Reference
    name: Name
    start_date: date
    end_date: date | None = None
    client_reference: ShortText = Field("", description="The client's PO or buyer reference (BT-10/BT-13)")
    currency: Currency | None = Field(None, description="The invoices' currency (default: the company's)")
    payment_terms_days: int | None = Field(None, ge=0, le=365, description="Default: the client's")
    invoice_grouping: InvoiceGrouping = InvoiceGrouping.PER_PROJECT
    billing_increment_minutes: int | None = Field(None, ge=0, le=60, description="None: the client's")
    billing_rounding: BillingRounding | None = None
    tax_code_id: int | None = Field(None, description="Default tax code of its lines")


class ContractPatch(Schema):
    """Only the fields sent are changed."""

    reference: Reference | None = None
    name: Name | None = None
    client_reference: ShortText | None = None
    currency: Currency | None = None
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    start_date: date | None = None
    end_date: date | None = None
    status: ContractStatus | None = None
    invoice_grouping: InvoiceGrouping | None = None
    billing_increment_minutes: int | None = Field(None, ge=0, le=60)
    billing_rounding: BillingRounding | None = None
    tax_code_id: int | None = None


class ContractOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    id: int
    company_id: int
    client_id: int
    client_name: str = Field(alias="client.name")
    reference: str
    name: str
    client_reference: str
    currency: str
    payment_terms_days: int
    start_date: date
    end_date: date | None
    status: str
    invoice_grouping: str
    billing_increment_minutes: int | None
    billing_rounding: str | None
    tax_code_id: int | None


class BillingLineIn(Schema):
    model: BillingModel
    name: Name
    tax_code_id: int | None = None
    cap_kind: CapKind = CapKind.NONE
    cap_limit: int | None = Field(None, gt=0, le=10**15, description="Minutes or minor units, as cap_kind says")
    price_minor: MinorUnits | None = None
    progress_source: ProgressSource = ProgressSource.PLAN
    entered_percent: Percent | None = None
    frequency: RetainerFrequency = RetainerFrequency.MONTH
    allowance_unit: RetainerUnit = RetainerUnit.MINUTES
    allowance: int | None = Field(None, gt=0, le=10**15, description="Minutes or minor units per period")
    fee_minor: MinorUnits | None = None
    rollover: Rollover = Rollover.NONE
    rollover_periods: int = Field(0, ge=0, le=120)
    overage_rate: HourlyRate | None = None
    start_date: date | None = None
    end_date: date | None = None
    markup_percent: Decimal = Field(Decimal(0), ge=0, le=1000, max_digits=7, decimal_places=2)


class BillingLinePatch(Schema):
    name: Name | None = None
    tax_code_id: int | None = None
    cap_kind: CapKind | None = None
    cap_limit: int | None = Field(None, gt=0, le=10**15)
    price_minor: MinorUnits | None = None
    progress_source: ProgressSource | None = None
    entered_percent: Percent | None = None
    allowance: int | None = Field(None, gt=0, le=10**15)
    fee_minor: MinorUnits | None = None
    rollover: Rollover | None = None
    rollover_periods: int | None = Field(None, ge=0, le=120)
    overage_rate: HourlyRate | None = None
    start_date: date | None = None
    end_date: date | None = None
    markup_percent: Decimal | None = Field(None, ge=0, le=1000, max_digits=7, decimal_places=2)


class BillingLineOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    id: int
    position: int
    model: str
    name: str
    tax_code_id: int | None
    cap_kind: str
    cap_limit: int | None
    price: MoneyOut | None
    progress_source: str
    entered_percent: str | None
    frequency: str
    allowance_unit: str
    allowance: int | None
    fee: MoneyOut | None
    rollover: str
    rollover_periods: int
    overage_rate: str | None
    start_date: date | None
    end_date: date | None
    markup_percent: str

    @staticmethod
    def resolve_price(obj: BillingLine) -> MoneyOut | None:
        return None if obj.price_minor is None else money(obj.price_minor, obj.contract.currency)

    @staticmethod
    def resolve_fee(obj: BillingLine) -> MoneyOut | None:
        return None if obj.fee_minor is None else money(obj.fee_minor, obj.contract.currency)

    @staticmethod
    def resolve_entered_percent(obj: BillingLine) -> str | None:
        return None if obj.entered_percent is None else f"{obj.entered_percent:f}"

    @staticmethod
    def resolve_overage_rate(obj: BillingLine) -> str | None:
        return None if obj.overage_rate is None else rate_text(obj.overage_rate)

    @staticmethod
    def resolve_markup_percent(obj: BillingLine) -> str:
        return f"{obj.markup_percent:f}"


class InstalmentIn(Schema):
    description: Name
    amount_minor: int = Field(gt=0, le=10**15)
    due_date: date | None = None
    milestone_task_id: int | None = None


class InstalmentOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    id: int
    billing_line_id: int
    description: str
    amount: MoneyOut
    due_date: date | None
    milestone_task_id: int | None = Field(alias="milestone_id")

    @staticmethod
    def resolve_amount(obj: Instalment) -> MoneyOut:
        return money(obj.amount_minor, obj.billing_line.contract.currency)


class TaxCodeIn(Schema):
    code: Annotated[str, Field(min_length=1, max_length=20)]
    name: Name
    kind: TaxKind
    rate: Decimal = Field(ge=0, lt=100, max_digits=6, decimal_places=3, description="Percent, e.g. 20")


class TaxCodeOut(Schema):
    id: int
    company_id: int
    code: str
    name: str
    kind: str
    category: str = Field(description="EN 16931 VAT category code (S, Z, E, AE, G, O)")
    rate: str
    active: bool

    @staticmethod
    def resolve_rate(obj: TaxCode) -> str:
        return f"{obj.rate.normalize():f}"

    @staticmethod
    def resolve_category(obj: TaxCode) -> str:
        return category_of(obj.kind)


class CardRateIn(Schema):
    """A row of a client's or the default rate card: a role's, a person's, or (neither) everyone's rate."""

    valid_from: date
    hourly_rate: HourlyRate
    role_id: int | None = None
    person_id: int | None = None


class RateCardIn(Schema):
    """A whole rate card (replaces the card in that currency)."""

    currency: Currency
    rates: list[CardRateIn]


class CardRateOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    id: int
    valid_from: date
    hourly_rate: str
    role_id: int | None
    person_id: int | None

    @staticmethod
    def resolve_hourly_rate(obj: BillRate) -> str:
        return rate_text(obj.hourly_rate)


class RateStepOut(Schema):
    card: str = Field(description="contract, client or organisation")
    target: str = Field(description="person, role or everyone")
    found: str = Field(description="The rate in force there and its date, or —")


class RateExplanationOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    hourly_rate: str | None
    card: str | None
    text: str = Field(description="Which rate applied and why, in a sentence")
    steps: list[RateStepOut]
