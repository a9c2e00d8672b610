"""Shapes of the signed-in user, API tokens, companies, roles and people."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from margin.accounts.models import Person
from margin.api.money import MONEY_SHAPE
from margin.api.schemas.common import (
    Address,
    Country,
    Currency,
    Email,
    HourlyRate,
    Id,
    Name,
    ShortText,
    TaxId,
    Title,
    rate_text,
)
from margin.rates.models import CostRate


class MeOut(Schema):
    user_id: int
    username: str
    email: str
    organisation_id: int
    role: str = Field(description="Access role: admin, finance, manager or member")
    person_id: int | None
    company_ids: list[int]


class TokenIn(Schema):
    name: ShortText = Field(description="What the token is for, e.g. 'CI export'")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the secret, to recognise it")
    created_at: datetime
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="Send as `Authorization: Bearer <secret>`. Shown this once only.")


class CompanyIn(Schema):
    name: Name
    base_currency: Currency
    legal_name: Title = ""
    tax_id: TaxId = ""
    address: Address = ""
    country: Country = ""
    email: Email = ""


class CompanyOut(Schema):
    id: int
    name: str
    legal_name: str
    base_currency: str
    tax_id: str
    address: str
    country: str
    email: str


class RoleIn(Schema):
    name: Name


class RoleOut(Schema):
    id: int
    name: str


class PersonIn(Schema):
    company_id: Id
    role_id: Id
    name: Name
    email: Email
    weekly_capacity_minutes: int = Field(40 * 60, ge=0, le=7 * 24 * 60)


class PersonOut(Schema):
    id: int
    name: str
    email: str
    company_id: int
    role_id: int
    role_name: str
    user_id: int | None
    weekly_capacity_minutes: int
    active: bool
    start_date: date | None = Field(description="No time may be logged before this day")

    @staticmethod
    def resolve_role_name(obj: Person) -> str:
        return obj.role.name


class CostRateIn(Schema):
    valid_from: date
    hourly_cost: HourlyRate


class CostRateOut(Schema):
    """What a person's hour costs the firm: finance and administrators only (a person's rate, not a
    project's, so a project's manager does not see it here)."""

    model_config = {"json_schema_extra": MONEY_SHAPE}

    id: int
    person_id: int
    valid_from: date
    hourly_cost: str
    currency: str

    @staticmethod
    def resolve_hourly_cost(obj: CostRate) -> str:
        return rate_text(obj.hourly_cost)
