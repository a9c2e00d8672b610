"""Which rate applies to an hour of work. Pure functions, no Django."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Generic, Protocol, TypeVar

from margin.core.errors import Invalid
from margin.core.money import Money, is_currency


@dataclass(frozen=True)
class DatedRate:
    """One row of a rate table: for a role or a person, valid from a date until the next row."""

    valid_from: date
    rate: Decimal
    role_id: int | None = None
    person_id: int | None = None
    currency: str | None = None


class Dated(Protocol):
    """Any row valid from a date until the next row of its kind (a cost rate, a bill rate on a card)."""

    @property
    def valid_from(self) -> date: ...


RowT = TypeVar("RowT", bound=Dated)
ValueT = TypeVar("ValueT")


def latest_on(rates: Iterable[RowT], day: date) -> RowT | None:
    """The row with the latest valid_from on or before `day`."""
    best: RowT | None = None
    for row in rates:
        if row.valid_from <= day and (best is None or row.valid_from > best.valid_from):
            best = row
    return best


class Timeline(Generic[ValueT]):
    """A dated rule evaluated once per date on which one of its rows starts, then looked up by bisection.

    Any rule that reads only the rows valid on a day (`latest_on` and everything built on it) gives the
    same answer from one row's `valid_from` until the next: so `rule(day)` equals the answer at the last
    start on or before `day`, and nothing before the first start (no row is valid). Valuing 100,000 entries
    then costs a bisection each instead of a scan of every rate row.
    """

    def __init__(self, starts: Iterable[date], rule: Callable[[date], ValueT | None]) -> None:
        self._starts = sorted(set(starts))
        self._answers = [rule(start) for start in self._starts]

    def on(self, day: date) -> ValueT | None:
        index = bisect_right(self._starts, day) - 1
        return self._answers[index] if index >= 0 else None


def value_of_minutes(minutes: int, hourly_rate: Decimal, currency: str) -> Money:
    """minutes × hourly rate / 60, rounded by core.money's one rule to the currency's minor unit.

    Time entries and invoice lines both value hours through this function, so they agree.
    """
    return Money(Decimal(minutes) * hourly_rate / Decimal(60), currency).rounded()


# --- exchange rates -------------------------------------------------------------------------------

# Rates are kept and returned with 12 decimals (ExchangeRate.rate is Decimal(24, 12)).
RATE_PLACES = 12
RATE_QUANTUM = Decimal(1).scaleb(-RATE_PLACES)
PIVOT_CURRENCY = "EUR"  # the ECB publishes EUR→X: pairs without a quote of their own are crossed through it


def currency_code(code: str, *, field: str = "currency") -> str:
    """An ISO 4217 code in capitals, or Invalid naming the field."""
    cleaned = (code or "").strip().upper()
    if not is_currency(cleaned):
        raise Invalid(f"Unknown currency {code!r}: use an ISO 4217 code such as EUR.", field=field)
    return cleaned


@dataclass(frozen=True)
class FxQuote:
    """A stored rate: one `from_currency` is worth `rate` `to_currency` from `day` on."""

    from_currency: str
    to_currency: str
    day: date
    rate: Decimal


@dataclass(frozen=True)
class FxRate:
    """The rate that applies: `path` says how it was found, `day` is the date of the (oldest) quote used."""

    from_currency: str
    to_currency: str
    rate: Decimal
    day: date | None  # None for a currency against itself
    path: str  # "same" | "direct" | "inverse" | "cross"


def _round_rate(rate: Decimal) -> Decimal:
    return rate.quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)


def _one_pair(source: str, target: str, latest: Callable[[str, str], FxQuote | None]) -> FxRate | None:
    direct = latest(source, target)
    inverse = latest(target, source)
    # The more recent quote wins (a stale hand-entered USD→EUR must not beat yesterday's ECB EUR→USD);
    # on the same day the direct quote wins.
    if direct is not None and (inverse is None or direct.day >= inverse.day):
        return FxRate(source, target, direct.rate, direct.day, "direct")
    if inverse is not None:
        return FxRate(source, target, Decimal(1) / inverse.rate, inverse.day, "inverse")
    return None


def resolve_rate(source: str, target: str, latest: Callable[[str, str], FxQuote | None]) -> FxRate | None:
    """The rate from `source` to `target`, given `latest(a, b)`: the latest stored a→b quote on the day.

    Order: a currency against itself is 1; else the most recent of the direct quote (source→target) and
    the inverse one (target→source, as 1/rate; the direct one wins a tie); else, when neither exists, the
    cross rate through EUR (source→EUR × EUR→target, each leg direct or inverse), dated by its older leg.
    Derived rates are rounded half up to 12 decimals once, at the end. None when no path exists."""
    if source == target:
        return FxRate(source, target, Decimal(1), None, "same")
    found = _one_pair(source, target, latest)
    if found is None and PIVOT_CURRENCY not in (source, target):
        first = _one_pair(source, PIVOT_CURRENCY, latest)
        second = _one_pair(PIVOT_CURRENCY, target, latest) if first is not None else None
        if first is not None and second is not None:
            assert first.day is not None and second.day is not None
            found = FxRate(source, target, first.rate * second.rate, min(first.day, second.day), "cross")
    if found is None:
        return None
    return FxRate(source, target, _round_rate(found.rate), found.day, found.path)


def convert_minor(amount_minor: int, source: str, target: str, rate: Decimal) -> int:
    """`amount_minor` of `source` in minor units of `target`: multiplied exactly, rounded once (half up)."""
    return Money(Money.from_minor(amount_minor, source).amount * rate, target).to_minor()


# --- billing increments ---------------------------------------------------------------------------

ROUND_UP = "up"
ROUND_NEAREST = "nearest"


@dataclass(frozen=True)
class BillingIncrement:
    """Bill each entry in steps of `minutes` (0: exactly as worked), rounding `up` or to the `nearest`."""

    minutes: int = 0
    rounding: str = ROUND_UP


EXACT = BillingIncrement()


def billable_minutes(minutes: int, increment: BillingIncrement, *, billable: bool = True) -> int:
    """The minutes a client is billed for one entry of `minutes` worked.

    Each entry is rounded on its own (as Harvest and Kantata do): with a 6-minute increment, 7 worked
    minutes bill 12 rounded up, 6 to the nearest (halves go up: 9 → 12). Rounding to the nearest never
    bills less than one increment, so billable work is never billed as nothing. Non-billable time: 0."""
    if not billable or minutes <= 0:
        return 0
    step = increment.minutes
    if step <= 0:
        return minutes
    if increment.rounding == ROUND_NEAREST:
        return max((2 * minutes + step) // (2 * step), 1) * step  # floor(m / step + 1/2): halves up
    return -(-minutes // step) * step
