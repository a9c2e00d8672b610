"""Shapes of clients."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Schema

from margin.api.schemas.common import Address, Country, Currency, Email, Name, TaxId
from margin.crm.models import MAX_BILLING_INCREMENT, BillingRounding

BillingIncrement = Annotated[
    int,
    Field(
        ge=0,
        le=MAX_BILLING_INCREMENT,
        description="Bill each entry in steps of this many minutes (e.g. 6 or 15); 0 bills the exact minutes",
    ),
]


class ClientIn(Schema):
    name: Name
    currency: Currency
    billing_email: Email = ""
    billing_address: Address = ""
    country: Country = ""
    tax_id: TaxId = ""
    active: bool = True
    billing_increment_minutes: BillingIncrement = 0
    billing_rounding: BillingRounding = BillingRounding.UP


class ClientPatch(Schema):
    """Only the fields sent are changed (null means: leave as is)."""

    name: Name | None = None
    currency: Currency | None = None
    billing_email: Email | None = None
    billing_address: Address | None = None
    country: Country | None = None
    tax_id: TaxId | None = None
    active: bool | None = None
    billing_increment_minutes: BillingIncrement | None = None
    billing_rounding: BillingRounding | None = None


class ClientOut(Schema):
    id: int
    name: str
    currency: str
    billing_email: str
    billing_address: str
    country: str
    tax_id: str
    active: bool
    billing_increment_minutes: int
    billing_rounding: str = Field(description="up or nearest (halves up, never below one increment)")


class BillingIncrementIn(Schema):
    """A project's own billing increment; null minutes: use the client's again."""

    billing_increment_minutes: BillingIncrement | None = None
    billing_rounding: BillingRounding | None = Field(None, description="null: the client's rounding")


class BillingIncrementOut(Schema):
    billing_increment_minutes: int = Field(description="What applies to the project's time (0: exact minutes)")
    billing_rounding: str
    source: str = Field(description="project (its own) or client")
    client_increment_minutes: int
    client_rounding: str
