"""Shapes of clients."""

from __future__ import annotations

from ninja import Schema

from margin.api.schemas.common import Address, Country, Currency, Email, Name, TaxId


class ClientIn(Schema):
    name: Name
    currency: Currency
    billing_email: Email = ""
    billing_address: Address = ""
    country: Country = ""
    tax_id: TaxId = ""
    active: bool = True


class ClientPatch(Schema):
    """Only the fields sent are changed (null means: leave as is)."""

    name: Name | None = None
    currency: Currency | None = None
    billing_email: Email | None = None
    billing_address: Address | None = None
    country: Country | None = None
    tax_id: TaxId | None = None
    active: bool | None = None


class ClientOut(Schema):
    id: int
    name: str
    currency: str
    billing_email: str
    billing_address: str
    country: str
    tax_id: str
    active: bool
