"""Shapes every part of the API shares: errors, money, bounded numbers and text, the response table."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AfterValidator, StringConstraints

from margin.core.money import Money

# Database keys are signed 64-bit integers; a bigger id is refused as bad input (422), never
# passed to the database driver (where it would overflow).
MAX_ID = 2**63 - 1
MAX_MINOR = 10**15  # money in minor units: far beyond any real amount, far below 2**63


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL bytes")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
MinorUnits = Annotated[int, Field(ge=0, le=MAX_MINOR, description="Integer minor units (cents)")]
Minutes = Annotated[int, Field(ge=1, le=24 * 60, description="Duration in minutes (1 to 1440)")]


# Free text: bounded length and no NUL bytes (PostgreSQL refuses them in text columns).
NoNul = AfterValidator(_no_nul)
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), NoNul]
Title = Annotated[str, StringConstraints(max_length=200), NoNul]
ShortText = Annotated[str, StringConstraints(max_length=100), NoNul]
Code = Annotated[str, StringConstraints(min_length=1, max_length=32), NoNul]
Email = Annotated[str, StringConstraints(max_length=254), NoNul]
Country = Annotated[str, StringConstraints(max_length=2), NoNul]
TaxId = Annotated[str, StringConstraints(max_length=64), NoNul]
Address = Annotated[str, StringConstraints(max_length=2000), NoNul]
Note = Annotated[str, StringConstraints(max_length=2000), NoNul]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=1000), NoNul]
Currency = Annotated[str, StringConstraints(min_length=3, max_length=3, to_upper=True), NoNul]
HourlyRate = Annotated[
    Decimal,
    Field(ge=0, lt=1_000_000, max_digits=14, decimal_places=4, description="Per hour, as a decimal string"),
]


class Problem(Schema):
    """One thing wrong with the request (validation errors list every one)."""

    loc: list[str | int]
    msg: str
    type: str


class Error(Schema):
    """Every error answer has this shape."""

    detail: str = Field(description="What went wrong, for a person to read")
    code: str = Field(description="Machine-readable kind: invalid, not_found, forbidden, conflict, ...")
    field: str | None = Field(None, description="The input field at fault, when there is one")
    errors: list[Problem] | None = Field(None, description="With code validation_error: every problem found")


ERROR_RESPONSES: dict[int, type[Error]] = dict.fromkeys((400, 401, 403, 404, 409, 422), Error)


def responses(ok: Any, status: int = 200) -> dict[int, Any]:
    """The response table of an operation: its success shape and every error it can answer."""
    return {status: ok, **ERROR_RESPONSES}


class MoneyOut(Schema):
    amount_minor: int = Field(description="Integer minor units (e.g. cents)")
    amount: str = Field(description="Exact decimal amount, e.g. 1062.50")
    currency: str = Field(description="ISO 4217 code")


def money(minor: int, currency: str) -> MoneyOut:
    value = Money.from_minor(minor, currency)
    return MoneyOut(amount_minor=minor, amount=f"{value.amount:f}", currency=currency)


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def rate_text(value: Decimal) -> str:
    """A rate as stored (4 decimals), whether it was just read or just written: `42.5` → `42.5000`."""
    return f"{Decimal(value).quantize(Decimal('0.0001')):f}"


class Count(Schema):
    """How many objects an action changed."""

    count: int
