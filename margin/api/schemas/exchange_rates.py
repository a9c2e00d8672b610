"""Shapes of exchange rates: manual entry, lookups, conversion and the ECB import."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema

from margin.api.schemas.common import Currency

ExchangeRateValue = Annotated[
    Decimal,
    Field(gt=0, lt=10**12, max_digits=24, decimal_places=12, description="1 from_currency = rate to_currency"),
]


class ExchangeRateIn(Schema):
    from_currency: Currency
    to_currency: Currency
    day: date
    rate: ExchangeRateValue


class ExchangeRateOut(Schema):
    id: int
    from_currency: str
    to_currency: str
    day: date
    rate: Decimal = Field(description="1 from_currency = rate to_currency (12 decimals)")
    source: str = Field(description="manual | ecb")
    updated_at: datetime


class RateLookupOut(Schema):
    from_currency: str
    to_currency: str
    day: date = Field(description="The day asked about")
    rate: Decimal
    rate_day: date | None = Field(description="Date of the (oldest) stored rate used; null for a currency to itself")
    path: str = Field(description="same | direct | inverse | cross (through EUR)")


class ConvertOut(RateLookupOut):
    amount_minor: int = Field(description="The amount given, in minor units of from_currency")
    converted_minor: int = Field(description="In minor units of to_currency, rounded once half up")


class EcbImportOut(Schema):
    format: str = Field(description="xml | csv")
    days: int
    stored: int = Field(description="Rates of the file now stored (all but those kept from manual entry)")
    new: int = Field(description="Of those, rates that were not there before")
    updated: int = Field(description="Of those, rates that were there with another rate (ECB corrections)")
    kept_manual: int = Field(description="Rates in the file not stored because one was entered by hand")
    first_day: date | None
    last_day: date | None
    skipped_currencies: list[str] = Field(description="Withdrawn currencies in the file (not stored)")
