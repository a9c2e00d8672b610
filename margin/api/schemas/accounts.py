"""Shapes of the signed-in user, API tokens, companies, roles and people."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from django.utils import timezone
from ninja import Field, Schema
from pydantic import StringConstraints

from margin.accounts.models import Company, Person
from margin.accounts.rules import DEFAULT_INVOICE_NUMBER_FORMAT, format_invoice_number
from margin.api.money import MONEY_SHAPE
from margin.api.schemas.common import (
    Address,
    Country,
    Currency,
    Email,
    HourlyRate,
    Id,
    Name,
    NoNul,
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
    expires_in_days: int | None = Field(
        None, ge=1, le=3650, description="Days until it expires; default 90, at most 365 (set by the installation)"
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the secret, to recognise it")
    created_at: datetime
    expires_at: datetime = Field(description="After this the token answers 401")
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="Send as `Authorization: Bearer <secret>`. Shown this once only.")


NumberFormat = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    NoNul,
    Field(description="{YYYY} or {YY} the year, {NNNN} the number (one N per digit), e.g. INV-{YYYY}-{NNNN}"),
]
Month = Annotated[int, Field(ge=1, le=12, description="1 = January")]
Iban = Annotated[str, StringConstraints(max_length=64), NoNul, Field(description="Spaces allowed; checked mod 97")]
Bic = Annotated[str, StringConstraints(max_length=32), NoNul, Field(description="8 or 11 characters")]


class CompanyIn(Schema):
    name: Name
    base_currency: Currency
    legal_name: Title = ""
    tax_id: TaxId = ""
    address: Address = ""
    country: Country = ""
    email: Email = ""
    invoice_number_format: NumberFormat = DEFAULT_INVOICE_NUMBER_FORMAT
    bank_name: Title = ""
    iban: Iban = ""
    bic: Bic = ""
    fiscal_year_start_month: Month = 1


class CompanyPatch(Schema):
    """Only the fields sent are changed. The base currency changes only while nothing is priced in it."""

    name: Name | None = None
    base_currency: Currency | None = None
    legal_name: Title | None = None
    tax_id: TaxId | None = None
    address: Address | None = None
    country: Country | None = None
    email: Email | None = None
    invoice_number_format: NumberFormat | None = None
    bank_name: Title | None = None
    iban: Iban | None = None
    bic: Bic | None = None
    fiscal_year_start_month: Month | None = None


class CompanyOut(Schema):
    id: int
    name: str
    legal_name: str
    base_currency: str
    tax_id: str
    address: str
    country: str
    email: str
    invoice_number_format: str
    next_invoice_number_example: str = Field(description="What the first number of this year would look like")
    bank_name: str
    iban: str = Field(description="Electronic form, no spaces")
    bic: str
    fiscal_year_start_month: int

    @staticmethod
    def resolve_next_invoice_number_example(obj: Company) -> str:
        return format_invoice_number(obj.invoice_number_format, year=timezone.localdate().year, sequence=1)


class OrganisationOut(Schema):
    id: int
    name: str
    slug: str


class OrganisationPatch(Schema):
    name: Name


class RoleIn(Schema):
    name: Name


class RoleOut(Schema):
    id: int
    name: str


Capacity = Annotated[int, Field(ge=0, le=7 * 24 * 60, description="Contracted minutes a week")]


class PersonIn(Schema):
    company_id: Id
    role_id: Id
    name: Name
    email: Email
    weekly_capacity_minutes: Capacity = 40 * 60
    start_date: date | None = Field(None, description="No time may be logged before this day")
    end_date: date | None = Field(None, description="Their last day: no time may be logged after it")


class PersonPatch(Schema):
    """Only the fields sent are changed; dates and user_id may be sent as null to clear them."""

    name: Name | None = None
    email: Email | None = None
    company_id: Id | None = None
    role_id: Id | None = None
    weekly_capacity_minutes: Capacity | None = None
    active: bool | None = None
    start_date: date | None = None
    end_date: date | None = None
    user_id: Id | None = Field(None, description="The user they sign in as (a member already); null unlinks")
    manager_id: Id | None = Field(
        None, description="Their line manager (approves their time off, confirms their skills); null clears"
    )


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
    end_date: date | None = Field(description="Their last day: no time may be logged after it")
    manager_id: int | None = Field(description="Their line manager (approves their time off, confirms their skills)")

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
