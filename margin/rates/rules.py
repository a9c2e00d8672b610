"""Which rate applies to an hour of work. Pure functions, no Django."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from margin.core.money import Money


@dataclass(frozen=True)
class DatedRate:
    """One row of a rate table: for a role or a person, valid from a date until the next row."""

    valid_from: date
    rate: Decimal
    role_id: int | None = None
    person_id: int | None = None
    currency: str | None = None


def latest_on(rates: Iterable[DatedRate], day: date) -> DatedRate | None:
    """The row with the latest valid_from on or before `day`."""
    best: DatedRate | None = None
    for row in rates:
        if row.valid_from <= day and (best is None or row.valid_from > best.valid_from):
            best = row
    return best


def bill_rate_for(rates: Iterable[DatedRate], *, person_id: int, role_id: int, day: date) -> DatedRate | None:
    """A person's own override wins over the rate of their role (both effective-dated)."""
    rows = list(rates)
    override = latest_on((r for r in rows if r.person_id == person_id), day)
    if override is not None:
        return override
    return latest_on((r for r in rows if r.role_id == role_id and r.person_id is None), day)


def value_of_minutes(minutes: int, hourly_rate: Decimal, currency: str) -> Money:
    """minutes × hourly rate / 60, rounded by core.money's one rule to the currency's minor unit.

    Time entries and invoice lines both value hours through this function, so they agree.
    """
    return Money(Decimal(minutes) * hourly_rate / Decimal(60), currency).rounded()
