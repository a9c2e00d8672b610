"""Shapes of profitability figures."""

from __future__ import annotations

from ninja import Field, Schema

from margin.api.money import MONEY_SHAPE
from margin.api.schemas.common import MoneyOut, decimal_text, money
from margin.reporting.queries import ProjectFigures


class ProjectFiguresOut(Schema):
    """A project's profitability: only for those who may see its money."""

    model_config = {"json_schema_extra": MONEY_SHAPE}

    project_id: int
    code: str
    name: str
    client_name: str
    manager_name: str
    status: str
    currency: str
    billed: MoneyOut = Field(description="Total of issued invoices")
    wip: MoneyOut = Field(description="Approved billable time and expenses not on an issued invoice")
    revenue: MoneyOut = Field(description="billed + wip")
    cost: MoneyOut = Field(description="Cost of all approved time and approved expenses")
    margin: MoneyOut = Field(description="revenue - cost")
    margin_pct: str | None = Field(description="margin / revenue in percent; null without revenue")
    logged_minutes: int
    approved_minutes: int
    budget_minutes: int
    budget_amount: MoneyOut
    hours_burn_pct: str | None = Field(description="logged / hours budget in percent; null without a budget")
    money_burn_pct: str | None = Field(description="revenue / money budget in percent; null without a budget")

    @staticmethod
    def resolve_billed(obj: ProjectFigures) -> MoneyOut:
        return money(obj.billed_minor, obj.currency)

    @staticmethod
    def resolve_wip(obj: ProjectFigures) -> MoneyOut:
        return money(obj.wip_minor, obj.currency)

    @staticmethod
    def resolve_revenue(obj: ProjectFigures) -> MoneyOut:
        return money(obj.revenue_minor, obj.currency)

    @staticmethod
    def resolve_cost(obj: ProjectFigures) -> MoneyOut:
        return money(obj.cost_minor, obj.currency)

    @staticmethod
    def resolve_margin(obj: ProjectFigures) -> MoneyOut:
        return money(obj.margin_minor, obj.currency)

    @staticmethod
    def resolve_budget_amount(obj: ProjectFigures) -> MoneyOut:
        return money(obj.budget_amount_minor, obj.currency)

    @staticmethod
    def resolve_margin_pct(obj: ProjectFigures) -> str | None:
        return decimal_text(obj.margin_pct)

    @staticmethod
    def resolve_hours_burn_pct(obj: ProjectFigures) -> str | None:
        return decimal_text(obj.hours_burn_pct)

    @staticmethod
    def resolve_money_burn_pct(obj: ProjectFigures) -> str | None:
        return decimal_text(obj.money_burn_pct)
