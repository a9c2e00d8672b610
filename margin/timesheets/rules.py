"""Rules for time entries that need no database: limits, and how an entry is valued. No Django."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from margin.core.errors import Invalid
from margin.core.periods import MINUTES_PER_DAY
from margin.rates.rules import DatedRate, bill_rate_for, latest_on, value_of_minutes

EARLIEST_WORK_DATE = date(2000, 1, 1)


def check_minutes(minutes: int) -> None:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise Invalid("Minutes must be a whole number.", field="minutes")
    if minutes <= 0:
        raise Invalid("Enter a duration above zero.", field="minutes")
    if minutes > MINUTES_PER_DAY:
        raise Invalid("One entry cannot be longer than 24 hours.", field="minutes")


def check_work_date(work_date: date, *, today: date, max_future_days: int) -> None:
    if work_date < EARLIEST_WORK_DATE:
        raise Invalid(f"The date {work_date} is too far in the past.", field="work_date")
    if work_date > today + timedelta(days=max_future_days):
        raise Invalid(
            f"The date {work_date} is more than {max_future_days} days ahead; log time when it is worked.",
            field="work_date",
        )


def check_day_total(*, already_minutes: int, new_minutes: int, work_date: date) -> None:
    """One person cannot log more than 24 hours in a day, over all their entries."""
    if already_minutes + new_minutes > MINUTES_PER_DAY:
        free = max(MINUTES_PER_DAY - already_minutes, 0)
        raise Invalid(
            f"That makes more than 24 hours on {work_date}: at most {free // 60}:{free % 60:02d} more can be logged.",
            field="minutes",
        )


@dataclass(frozen=True)
class Valuation:
    """What an approved entry is worth and costs, with the rates used (the snapshot)."""

    role_id: int
    bill_rate: Decimal | None
    bill_amount_minor: int
    cost_rate: Decimal
    cost_amount_minor: int


def value_entry(
    *,
    minutes: int,
    billable: bool,
    work_date: date,
    person_id: int,
    person_name: str,
    role_id: int,
    currency: str,
    bill_rates: list[DatedRate],
    cost_rates: list[DatedRate],
) -> Valuation:
    """Value one entry: the person's override or their role's rate on the work date; their cost rate.

    A billable entry without a bill rate, or any entry without a cost rate, cannot be valued: it is
    refused with a message naming who and when, rather than silently valued at zero.
    """
    cost = latest_on(cost_rates, work_date)
    if cost is None:
        raise Invalid(f"{person_name} has no cost rate on {work_date}; finance must set one first.")
    if cost.currency is not None and cost.currency != currency:
        raise Invalid(
            f"{person_name}'s cost rate is in {cost.currency} but the project is in {currency}; "
            "it cannot be valued until exchange rates exist."
        )
    bill = bill_rate_for(bill_rates, person_id=person_id, role_id=role_id, day=work_date)
    if billable and bill is None:
        raise Invalid(f"The project has no bill rate for {person_name}'s role on {work_date}; set one first.")
    bill_rate = bill.rate if bill is not None else None
    return Valuation(
        role_id=role_id,
        bill_rate=bill_rate,
        bill_amount_minor=value_of_minutes(minutes, bill_rate, currency).to_minor()
        if billable and bill_rate is not None
        else 0,
        cost_rate=cost.rate,
        cost_amount_minor=value_of_minutes(minutes, cost.rate, currency).to_minor(),
    )
