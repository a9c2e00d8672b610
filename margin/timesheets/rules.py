"""Rules for time entries that need no database: limits, and how an entry is valued. No Django."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from margin.contracts.pricing import CardRate, rate_applying
from margin.core import errors
from margin.core.errors import Invalid
from margin.core.periods import MINUTES_PER_DAY
from margin.rates.rules import DatedRate, latest_on, value_of_minutes

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


def hours_text(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def check_day_total(*, already_minutes: int, new_minutes: int, work_date: date, limit: int = MINUTES_PER_DAY) -> None:
    """One person cannot log more than the company's daily maximum (24 hours at most), over all entries."""
    if already_minutes + new_minutes > limit:
        free = max(limit - already_minutes, 0)
        what = "24 hours" if limit == MINUTES_PER_DAY else f"the daily maximum of {hours_text(limit)} hours"
        raise Invalid(
            f"That makes more than {what} on {work_date}: at most {hours_text(free)} more can be logged.",
            field="minutes",
        )


def check_start_date(
    work_date: date, *, start_date: date | None, person_name: str, end_date: date | None = None
) -> None:
    """No time before the day a person started, nor after their last day."""
    if start_date is not None and work_date < start_date:
        raise Invalid(
            f"{person_name} started on {start_date}; no time can be logged on {work_date}.", field="work_date"
        )
    if end_date is not None and work_date > end_date:
        raise Invalid(
            f"{person_name}'s last day was {end_date}; no time can be logged on {work_date}.", field="work_date"
        )


def check_note(note: str, *, required: bool, project_code: str) -> None:
    """Some projects require every entry to say what was done."""
    if required and not note.strip():
        raise Invalid(f"Project {project_code} requires a note on every time entry.", field="note")


def check_period_open(work_date: date, *, locked_through: date | None, company_name: str) -> None:
    """Nothing dated on or before a company's lock date may be logged, changed, submitted or deleted."""
    errors.check_period_open(
        work_date,
        locked_through=locked_through,
        company_name=company_name,
        what="time",
        verbs="logged, changed, submitted, approved or deleted",
        field="work_date",
    )


SUBMIT_PERIODS = ("week", "month")


def submit_period_of(day: date, period: str) -> tuple[date, date]:
    """The first and last day of the week (Monday to Sunday) or calendar month holding `day`."""
    if period == "month":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)
    if period == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    raise Invalid(f"Unknown submit period {period!r}.", field="submit_period")


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
    bill_rates: list[CardRate],
    cost_rates: list[DatedRate],
    billable_minutes: int | None = None,
    project_code: str = "",
    role_name: str = "",
) -> Valuation:
    """Value one entry: the person's override or their role's rate on the work date; their cost rate.

    A billable entry without a bill rate, or any entry without a cost rate, cannot be valued: it is
    refused with a message naming who, when, which project and role, and where the missing rate is set,
    rather than silently valued at zero. The bill amount is of the `billable_minutes` (worked minutes
    rounded to the billing increment; `minutes` when not given), the cost of the minutes worked.
    """
    day = f"{work_date.day} {work_date:%b %Y}"
    cost = latest_on(cost_rates, work_date)
    if cost is None:
        raise Invalid(
            f"{person_name} has no cost rate on {day}, so their time cannot be valued: finance or an "
            f"administrator adds one on their page, under Settings → People → {person_name}."
        )
    if cost.currency is not None and cost.currency != currency:
        raise Invalid(
            f"{person_name}'s cost rate is in {cost.currency} but the project is in {currency}; "
            "it cannot be valued until exchange rates exist."
        )
    bill = rate_applying(bill_rates, person_id=person_id, role_id=role_id, day=work_date)
    if billable and bill is None:
        project = project_code or "The project"
        role = f"{role_name} ({person_name}'s role)" if role_name else f"{person_name}'s role"
        raise Invalid(
            f"{project} has no bill rate for {role} on {day}, so billable time cannot be valued: add one on "
            f"the project's Rates tab (its contract's rate card), for the role or for {person_name}, or on the "
            "client's or the default rate card."
        )
    bill_rate = bill.rate if bill is not None else None
    return Valuation(
        role_id=role_id,
        bill_rate=bill_rate,
        bill_amount_minor=value_of_minutes(
            minutes if billable_minutes is None else billable_minutes, bill_rate, currency
        ).to_minor()
        if billable and bill_rate is not None
        else 0,
        cost_rate=cost.rate,
        cost_amount_minor=value_of_minutes(minutes, cost.rate, currency).to_minor(),
    )


# --- categories (helper F) -------------------------------------------------------------------------

CATEGORIES = ("work", "internal", "sales", "training", "leave")  # TimeCategory's values
BILLABLE_CATEGORY = "work"


def check_category(category: str) -> str:
    if category not in CATEGORIES:
        raise Invalid(f"{category!r} is not a time category: use one of {', '.join(CATEGORIES)}.", field="category")
    return category


def billable_in(category: str, billable: bool) -> bool:
    """Internal, sales, training and leave time is never billable, whatever was asked."""
    return billable and category == BILLABLE_CATEGORY
