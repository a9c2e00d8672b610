"""Shapes of revenue recognition: a line's method, estimates and price modifications, the revenue run (its
preview, its lines, the journal it posts) and a contract's history. Finance's only: money shapes."""

from __future__ import annotations

from datetime import date as Day
from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from margin.api.money import MONEY_SHAPE
from margin.api.schemas.common import MAX_MINOR, MoneyOut, NoNul, money
from margin.revenue.models import RevenueLine, RevenueRun
from margin.revenue.queries import HistoryPoint, run_lines
from margin.revenue.runs import RunLine, RunPreview

Method = Literal["delivered", "cost_to_cost", "hours", "milestones", "straight_line", "on_completion"]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=400), NoNul]
Amount = Annotated[int, Field(ge=0, le=MAX_MINOR, description="Integer minor units of the contract's currency")]


class RecognitionIn(Schema):
    method: Method
    service_start: Day | None = Field(
        None, description="Straight line: the service's first day (default: the contract's)"
    )
    service_end: Day | None = Field(None, description="Straight line: its last day (default: the contract's)")


class RecognitionOut(Schema):
    billing_line_id: int
    method: Method
    service_start: Day | None
    service_end: Day | None


class EstimateIn(Schema):
    effective: Day
    total_cost_minor: Amount | None = None
    total_minutes: Annotated[int, Field(ge=0, le=10**12)] | None = None
    reason: Reason


class EstimateOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    id: int
    billing_line_id: int
    effective: Day
    total_cost_minor: int | None
    total_minutes: int | None
    reason: str
    created_at: datetime


class ModificationIn(Schema):
    price_minor: Annotated[int, Field(ge=1, le=MAX_MINOR)]
    effective: Day
    treatment: Literal["prospective", "catch_up"]
    reason: Reason


class ModificationOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    id: int
    billing_line_id: int
    effective: Day
    previous_price_minor: int
    price_minor: int
    treatment: str
    progress: float = Field(description="The line's progress when the change was made, 0 to 1")
    recognised_minor: int = Field(description="Revenue recognised by then")
    reason: str


class MonthIn(Schema):
    year: Annotated[int, Field(ge=2000, le=2100)]
    month: Annotated[int, Field(ge=1, le=12)]


class ReverseRunIn(Schema):
    reason: Reason


class RunLineOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    billing_line_id: int
    billing_line_name: str
    contract_id: int
    contract_reference: str
    method: Method
    progress: float
    price: MoneyOut | None
    cost_to_date: MoneyOut
    estimated_cost: MoneyOut | None
    recognised_period: MoneyOut
    recognised_to_date: MoneyOut
    billed_to_date: MoneyOut
    contract_asset: MoneyOut
    contract_liability: MoneyOut
    backlog: MoneyOut
    loss_provision: MoneyOut

    @staticmethod
    def from_stored(row: RevenueLine) -> RunLineOut:
        c = row.currency
        return RunLineOut(
            billing_line_id=row.billing_line_id,
            billing_line_name=row.billing_line.name,
            contract_id=row.contract_id,
            contract_reference=row.contract.reference,
            method=row.method,  # type: ignore[arg-type]
            progress=float(row.progress),
            price=money(row.price_minor, c) if row.price_minor is not None else None,
            cost_to_date=money(row.cost_to_date_minor, c),
            estimated_cost=money(row.estimated_cost_minor, c) if row.estimated_cost_minor is not None else None,
            recognised_period=money(row.recognised_period_minor, c),
            recognised_to_date=money(row.recognised_minor, c),
            billed_to_date=money(row.billed_minor, c),
            contract_asset=money(row.contract_asset_minor, c),
            contract_liability=money(row.contract_liability_minor, c),
            backlog=money(row.backlog_minor, c),
            loss_provision=money(row.loss_provision_minor, c),
        )

    @staticmethod
    def from_preview(line: RunLine) -> RunLineOut:
        billing_line = line.figures.line
        c = billing_line.contract.currency
        r = line.result
        estimated = line.figures.inputs.estimated_cost_minor
        return RunLineOut(
            billing_line_id=billing_line.pk,
            billing_line_name=billing_line.name,
            contract_id=billing_line.contract_id,
            contract_reference=billing_line.contract.reference,
            method=line.figures.inputs.method,  # type: ignore[arg-type]
            progress=float(r.progress),
            price=money(r.price_minor, c) if r.price_minor is not None else None,
            cost_to_date=money(line.figures.inputs.cost_to_date_minor, c),
            estimated_cost=money(estimated, c) if estimated is not None else None,
            recognised_period=money(line.recognised_period, c),
            recognised_to_date=money(r.recognised_minor, c),
            billed_to_date=money(r.billed_minor, c),
            contract_asset=money(r.contract_asset_minor, c),
            contract_liability=money(r.contract_liability_minor, c),
            backlog=money(r.backlog_minor, c),
            loss_provision=money(r.loss_provision_minor, c),
        )


class RevenueRunOut(Schema):
    id: int
    company_id: int
    period_start: Day
    period_end: Day
    status: Literal["posted", "reversed"]
    journal_entry_id: int | None
    reversal_entry_id: int | None
    posted_at: datetime
    reversed_at: datetime | None
    reverse_reason: str

    @staticmethod
    def resolve_journal_entry_id(obj: RevenueRun) -> int | None:
        return obj.entry_id


class RevenueRunDetailOut(RevenueRunOut):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    lines: list[RunLineOut]

    @staticmethod
    def resolve_lines(obj: RevenueRun) -> list[RunLineOut]:
        return [RunLineOut.from_stored(row) for row in run_lines(obj)]


class JournalPreviewLineOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    account_id: int
    contract_id: int | None
    description: str
    debit: MoneyOut | None
    credit: MoneyOut | None


class RevenuePreviewOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    company_id: int
    period_start: Day
    period_end: Day
    already_run: bool = Field(description="A standing run covers this month: reverse it to run it again")
    previous_period_end: Day | None
    problems: list[str]
    lines: list[RunLineOut]
    journal: list[JournalPreviewLineOut] = Field(description="The entry the run would post, in the company's currency")

    @staticmethod
    def from_preview(preview: RunPreview, *, already_run: bool, accounts: dict[str, int]) -> RevenuePreviewOut:
        base = preview.company.base_currency
        spec = preview.journal(accounts)
        return RevenuePreviewOut(
            company_id=preview.company.pk,
            period_start=preview.period_start,
            period_end=preview.period_end,
            already_run=already_run,
            previous_period_end=preview.previous.period_end if preview.previous else None,
            problems=preview.problems,
            lines=[RunLineOut.from_preview(line) for line in preview.lines],
            journal=[
                JournalPreviewLineOut(
                    account_id=x.account_id,
                    contract_id=x.contract_id,
                    description=x.description,
                    debit=money(x.amount_minor, base) if x.amount_minor > 0 else None,
                    credit=money(-x.amount_minor, base) if x.amount_minor < 0 else None,
                )
                for x in spec.lines
            ],
        )


class HistoryPointOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    period_end: Day
    recognised_to_date: MoneyOut
    billed_to_date: MoneyOut
    recognised_period: MoneyOut
    contract_asset: MoneyOut = Field(description="Earned and not billed (the lines' sum)")
    contract_liability: MoneyOut = Field(description="Billed and not earned (the lines' sum)")
    backlog: MoneyOut
    loss_provision: MoneyOut

    @staticmethod
    def from_point(point: HistoryPoint, currency: str) -> HistoryPointOut:
        return HistoryPointOut(
            period_end=point.period_end,
            recognised_to_date=money(point.recognised_minor, currency),
            billed_to_date=money(point.billed_minor, currency),
            recognised_period=money(point.recognised_period_minor, currency),
            contract_asset=money(point.contract_asset_minor, currency),
            contract_liability=money(point.contract_liability_minor, currency),
            backlog=money(point.backlog_minor, currency),
            loss_provision=money(point.loss_provision_minor, currency),
        )
