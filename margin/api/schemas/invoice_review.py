"""Shapes of the ready-to-bill queue, the review of a draft, and credit notes."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Field, Schema

from margin.api.money import MONEY_SHAPE
from margin.api.schemas.common import Id, MoneyOut


class ReadyItemOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    kind: str
    project_id: int
    billing_line_id: int | None
    description: str
    quantity: str
    unit: str
    amount: MoneyOut = Field(description="In the currency time is valued in (the company's), before conversion")
    minutes: int
    entries: int
    instalment_id: int | None
    period_start: date | None
    period_end: date | None
    reason: str


class HeldOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    entry_id: int
    project_id: int
    billing_line_id: int
    work_date: date
    minutes: int
    value: MoneyOut


class BlockedOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    instalment_id: int
    amount: MoneyOut
    reason: str


class BalanceOut(Schema):
    billing_line_id: int
    name: str
    unit: str = Field(description="minutes or money (minor units)")
    period_start: date
    period_end: date
    allowance: int
    carried_in: int
    used: int
    left_now: int
    overage: int
    text: str = Field(description='e.g. "12.5 h left this month"')


class CapOut(Schema):
    billing_line_id: int
    kind: str
    limit: int
    used_before: int
    billed_now: int
    held_now: int


class ReadyOut(Schema):
    """What a contract has ready to bill up to a date: the preview of its next draft."""

    model_config = {"json_schema_extra": MONEY_SHAPE}

    contract_id: int
    up_to: date
    currency: str = Field(description="The currency the amounts are in (time is valued in the company's)")
    invoice_currency: str
    items: list[ReadyItemOut]
    total: MoneyOut
    over_cap: list[HeldOut] = Field(description="Time a draft would hold over a cap, for a decision")
    blocked: list[BlockedOut]
    balances: list[BalanceOut]
    caps: list[CapOut]
    unassigned_minutes: int = Field(description="Approved time no billing line takes")


class ReadyQuery(Schema):
    up_to: date


class ContractDraftIn(Schema):
    up_to: date = Field(description="Work up to and including this date is billed")


class LineAdjustIn(Schema):
    amount_minor: int = Field(ge=0, description="The amount to bill, in minor units of the invoice's currency")
    reason: str = Field("", max_length=400, description="Why the line is written up or down (required if it is)")


class LineAddIn(Schema):
    kind: Literal["manual", "discount"]
    description: str = Field(max_length=400)
    amount_minor: int = Field(gt=0, description="Positive; a discount is subtracted")
    project_id: Id | None = None
    tax_code_id: Id | None = Field(None, description="Default: the contract's tax code")


class HoldIn(Schema):
    entry_ids: list[Id] = Field(min_length=1, max_length=5000)
    note: str = Field("", max_length=400)


class ReleaseIn(Schema):
    entry_ids: list[Id] = Field(min_length=1, max_length=5000)


class OverCapIn(Schema):
    entry_ids: list[Id] = Field(min_length=1, max_length=5000)
    decision: Literal["bill", "write_off"]
    note: str = Field("", max_length=400, description="Required to write time off")


class CreditLineIn(Schema):
    line_id: Id
    amount_minor: int | None = Field(None, gt=0, description="Default: all that is left of the line")


class CreditNoteIn(Schema):
    reason: str = Field(max_length=2000)
    lines: list[CreditLineIn] | None = Field(None, description="Credit these lines (or give amount_minor)")
    amount_minor: int | None = Field(None, gt=0, description="Credit this net amount, spread over the lines")
    returns_work: bool = Field(
        True,
        description="Work credited in full (time, expenses, fixed-fee instalments, retainer periods): billable again, "
        "or written off",
    )


class TaxRowOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    category: str
    rate: str
    taxable: MoneyOut
    tax: MoneyOut
    exemption_reason: str


class RerateQuery(Schema):
    since: date = Field(description="Approved, unbilled time from this date is valued again")


class RerateIn(Schema):
    since: date


class RerateRowOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    entry_id: int
    project_id: int
    person_name: str
    work_date: date
    billable_minutes: int
    old_rate: str | None
    new_rate: str | None
    old_value: MoneyOut
    new_value: MoneyOut


class RerateOut(Schema):
    """What re-rating changes (a preview) or changed (applied): only entries whose value moves."""

    model_config = {"json_schema_extra": MONEY_SHAPE}

    contract_id: int
    since: date
    rows: list[RerateRowOut]
    old_total: MoneyOut
    new_total: MoneyOut
    change: MoneyOut
