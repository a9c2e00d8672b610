"""Shapes of clients."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints

from margin.api.schemas.common import Address, Country, Currency, Email, Name, NoNul, ShortText, TaxId
from margin.crm.models import MAX_BILLING_INCREMENT, MAX_PAYMENT_TERMS_DAYS, BillingRounding, TaxTreatment

BillingIncrement = Annotated[
    int,
    Field(
        ge=0,
        le=MAX_BILLING_INCREMENT,
        description="Bill each entry in steps of this many minutes (e.g. 6 or 15); 0 bills the exact minutes",
    ),
]
Phone = Annotated[str, StringConstraints(max_length=40), NoNul]
PaymentTerms = Annotated[
    int, Field(ge=0, le=MAX_PAYMENT_TERMS_DAYS, description="Days from an invoice's issue to its due date")
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
    payment_terms_days: PaymentTerms = 30
    tax_treatment: TaxTreatment = TaxTreatment.DOMESTIC


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
    payment_terms_days: PaymentTerms | None = None
    tax_treatment: TaxTreatment | None = None


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
    payment_terms_days: int
    tax_treatment: str = Field(description="domestic, eu_business (reverse charge) or export: which tax codes fit")


class ContactIn(Schema):
    name: Name
    email: Email = ""
    phone: Phone = ""
    role: ShortText = Field("", description="What they do at the client, e.g. CFO")
    primary: bool = Field(False, description="The one to call first (at most one per client)")
    billing: bool = Field(False, description="Receives invoices (needs an e-mail)")


class ContactPatch(Schema):
    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    role: ShortText | None = None
    primary: bool | None = None
    billing: bool | None = None


class ContactOut(Schema):
    id: int
    client_id: int
    name: str
    email: str
    phone: str
    role: str
    primary: bool
    billing: bool


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
