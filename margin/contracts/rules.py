"""The arithmetic of a contract's billing models. Pure functions, no Django.

Only the standard library and `margin.core.money` / `margin.core.errors`: every rule here can be checked
by hand and by property tests, and the actions only feed it rows and store what it answers. Amounts are
integer minor units, time is integer minutes (ADRs 0001 and 0002), and every rounding is half up (core.money's
one rule) and happens once, at the end of a calculation.

- **Capped time and materials** (not to exceed): time is billed in the order it was worked until the cap
  is reached; the entry that crosses it is split, the rest is *held* — never lost — for someone to decide
  on (a change order, a write-off, a later invoice once the cap is raised).
- **Fixed fee in instalments**: an instalment falls due on its date or when its milestone task is
  finished; an instalment whose milestone was cancelled is never due by itself and is reported as blocked.
- **Progress billing**: bill what has been earned (price × % complete) less what was billed already;
  never a negative invoice line — over-billing is reported instead.
- **Retainers / prepaid**: an allowance per month or quarter, used oldest-first, unused units rolling
  over for N periods, for ever, or not at all; use beyond what is available is overage.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from margin.core.errors import Invalid
from margin.core.money import ROUNDING, Money, is_currency
from margin.rates.rules import value_of_minutes


def _check_currency(currency: str) -> None:
    if not is_currency(currency):
        raise Invalid(f"Unknown currency {currency!r}: use an ISO 4217 code such as EUR.", field="currency")


def _check_not_negative(value: int, field: str, what: str) -> None:
    if value < 0:
        raise Invalid(f"{what} cannot be negative ({value}).", field=field)


def _share(total: int, part: int, whole: int) -> int:
    """total × part / whole, rounded half up to a whole number (of minutes or minor units)."""
    return int((Decimal(total) * Decimal(part) / Decimal(whole)).quantize(Decimal(1), rounding=ROUNDING))


# --- capped time and materials --------------------------------------------------------------------

CAP_MINUTES = "minutes"
CAP_MONEY = "money"
CAP_KINDS = (CAP_MINUTES, CAP_MONEY)


@dataclass(frozen=True)
class Cap:
    """Not to exceed `limit` minutes (kind "minutes") or `limit` minor units (kind "money") in all."""

    kind: str
    limit: int

    def __post_init__(self) -> None:
        if self.kind not in CAP_KINDS:
            raise Invalid(f"Unknown cap kind {self.kind!r}: use minutes or money.", field="cap_kind")
        if self.limit <= 0:
            raise Invalid("A cap must be more than zero.", field="cap_limit")


@dataclass(frozen=True)
class CapEntry:
    """Approved time waiting to be billed: its minutes and what they are worth."""

    entry_id: int
    work_date: date
    minutes: int
    value_minor: int

    def __post_init__(self) -> None:
        _check_not_negative(self.minutes, "minutes", "An entry's minutes")
        _check_not_negative(self.value_minor, "value_minor", "An entry's value")


@dataclass(frozen=True)
class CapShare:
    """How much of one entry is billed now and how much is held; billed + held is the entry exactly."""

    entry_id: int
    billed_minutes: int
    billed_minor: int
    held_minutes: int
    held_minor: int


def apply_cap(entries: Sequence[CapEntry], *, cap: Cap, used_minutes: int, used_minor: int) -> list[CapShare]:
    """Bill entries oldest first (work date, then id) until the cap is reached; hold the rest.

    `used_minutes` / `used_minor` are what earlier invoices already billed against the cap (only the one
    of the cap's kind counts). An entry that fits in what is left is billed whole. The first one that
    does not is split: billed up to the cap exactly, the rest held — its other measure (the value for a
    minutes cap, the minutes for a money cap) split in the same proportion, rounded half up, so that
    billed + held is the entry exactly. Every later entry is held whole — even one worth nothing, which
    would "fit" in the nothing left: time is billed in the order it was worked, never skipping ahead.
    So Σ billed + Σ held == Σ entries, and nothing is ever billed beyond the cap."""
    _check_not_negative(used_minutes, "used_minutes", "Minutes already billed")
    _check_not_negative(used_minor, "used_minor", "The amount already billed")
    if len({entry.entry_id for entry in entries}) != len(entries):
        raise Invalid("Two entries share an id.", field="entries")
    used = used_minutes if cap.kind == CAP_MINUTES else used_minor
    room = max(cap.limit - used, 0)
    reached = False
    shares = []
    for entry in sorted(entries, key=lambda e: (e.work_date, e.entry_id)):
        size = entry.minutes if cap.kind == CAP_MINUTES else entry.value_minor
        if not reached and size <= room:
            room -= size
            shares.append(CapShare(entry.entry_id, entry.minutes, entry.value_minor, 0, 0))
            continue
        # This entry crosses the cap (room < size, so size > 0), or an earlier one did: held whole.
        billed = 0 if reached else room
        if billed == 0:
            billed_minutes, billed_minor = 0, 0
        elif cap.kind == CAP_MINUTES:
            billed_minutes, billed_minor = billed, _share(entry.value_minor, billed, size)
        else:
            billed_minutes, billed_minor = _share(entry.minutes, billed, size), billed
        shares.append(
            CapShare(
                entry.entry_id,
                billed_minutes,
                billed_minor,
                entry.minutes - billed_minutes,
                entry.value_minor - billed_minor,
            )
        )
        room, reached = 0, True
    return shares


# --- fixed fee in instalments ---------------------------------------------------------------------


@dataclass(frozen=True)
class Instalment:
    """Part of a fixed fee: due on `due_date`, or when task `milestone_task_id` is finished (at least one)."""

    instalment_id: int
    amount_minor: int
    due_date: date | None = None
    milestone_task_id: int | None = None

    def __post_init__(self) -> None:
        if self.amount_minor <= 0:
            raise Invalid("An instalment's amount must be more than zero.", field="amount_minor")
        if self.due_date is None and self.milestone_task_id is None:
            raise Invalid("An instalment needs a due date or a milestone task.", field="due_date")


@dataclass(frozen=True)
class Due:
    """An instalment to bill now (blocked False, `due_on` the day it fell due), or one that cannot be
    billed by itself (blocked True: its milestone was cancelled; `reason` says so)."""

    instalment_id: int
    amount_minor: int
    due_on: date | None
    blocked: bool
    reason: str


def instalments_due(
    instalments: Sequence[Instalment],
    *,
    up_to: date,
    finished: Mapping[int, date],
    cancelled: Set[int],
    already_billed: Set[int],
) -> list[Due]:
    """The instalments to bill on an invoice dated `up_to`, and those blocked by a cancelled milestone.

    An instalment is due when its date is on or before `up_to`, or when its milestone task was finished
    (`finished`: task id → day finished) on or before `up_to`; with both, whichever came first. One on a
    cancelled milestone is never due, whatever its date (the milestone was the point of it): it is
    reported as blocked so that someone decides. Instalments already billed are left out. Due ones come
    first, by the day they fell due, then the blocked ones; ties by id."""
    due: list[Due] = []
    blocked: list[Due] = []
    for item in instalments:
        if item.instalment_id in already_billed:
            continue
        task = item.milestone_task_id
        if task is not None and task in cancelled:
            reason = (
                f"Its milestone (task {task}) was cancelled: bill it by hand, move it to another milestone or drop it."
            )
            blocked.append(Due(item.instalment_id, item.amount_minor, None, True, reason))
            continue
        reasons: list[tuple[date, str]] = []
        if item.due_date is not None and item.due_date <= up_to:
            reasons.append((item.due_date, f"Due on {item.due_date.isoformat()}."))
        done = finished.get(task) if task is not None else None
        if done is not None and done <= up_to:
            reasons.append((done, f"Milestone task {task} was finished on {done.isoformat()}."))
        if reasons:
            day, reason = min(reasons)
            due.append(Due(item.instalment_id, item.amount_minor, day, False, reason))
    due.sort(key=lambda d: (d.due_on or up_to, d.instalment_id))
    blocked.sort(key=lambda d: d.instalment_id)
    return due + blocked


def split_fee(total_minor: int, currency: str, weights: Sequence[int | Decimal]) -> list[int]:
    """A fixed fee split into instalments by weight (30/40/30...), adding up to the fee exactly: largest
    remainder (Money.allocate), so each part is within one minor unit of its exact share."""
    _check_currency(currency)
    _check_not_negative(total_minor, "price_minor", "A fee")
    if not weights:
        raise Invalid("Give at least one instalment weight.", field="weights")
    if any(Decimal(w) < 0 for w in weights) or sum(Decimal(w) for w in weights) == 0:
        raise Invalid("Instalment weights must not be negative, nor all zero.", field="weights")
    return [part.to_minor() for part in Money.from_minor(total_minor, currency).allocate(weights)]


# --- progress billing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressBill:
    """What to bill now (never negative), what has been earned, and by how much earlier invoices exceed it."""

    to_bill_minor: int
    earned_minor: int
    over_billed_minor: int


def progress_to_bill(
    price_minor: int, percent_complete: Decimal, billed_to_date_minor: int, currency: str
) -> ProgressBill:
    """earned = price × % complete / 100, rounded once; bill earned − billed, or nothing when billed
    already exceeds earned (progress fell back): that excess is reported, for a credit note if anyone
    wants one, instead of becoming a negative invoice line."""
    _check_currency(currency)
    _check_not_negative(price_minor, "price_minor", "A price")
    _check_not_negative(billed_to_date_minor, "billed_to_date_minor", "The amount billed to date")
    if isinstance(percent_complete, float):
        raise Invalid("Give % complete as an exact decimal number.", field="percent_complete")
    percent = Decimal(percent_complete)
    if not percent.is_finite() or percent < 0 or percent > 100:
        raise Invalid(f"% complete is from 0 to 100; {percent_complete} is not.", field="percent_complete")
    earned = Money(Money.from_minor(price_minor, currency).amount * percent / Decimal(100), currency).to_minor()
    return ProgressBill(
        to_bill_minor=max(earned - billed_to_date_minor, 0),
        earned_minor=earned,
        over_billed_minor=max(billed_to_date_minor - earned, 0),
    )


# --- retainers ------------------------------------------------------------------------------------

MONTH = "month"
QUARTER = "quarter"
_MONTHS_IN = {MONTH: 1, QUARTER: 3}


def _months_in(frequency: str) -> int:
    try:
        return _MONTHS_IN[frequency]
    except KeyError:
        raise Invalid(f"Unknown period {frequency!r}: use month or quarter.", field="frequency") from None


def _start(first: date, index: int, step: int) -> date:
    """The start of period `index`: `first` plus index × step months, the day kept where the month has it
    (31 January → 28/29 February → 31 March): counted from `first` each time, so it never drifts."""
    year, month0 = divmod(first.month - 1 + index * step, 12)
    year += first.year
    day = min(first.day, calendar.monthrange(year, month0 + 1)[1])
    return date(year, month0 + 1, day)


def period_starts(first: date, frequency: str, up_to: date) -> list[date]:
    """The first days of the periods that have begun by `up_to` (the first on `first`)."""
    step = _months_in(frequency)
    starts = []
    index = 0
    while (start := _start(first, index, step)) <= up_to:
        starts.append(start)
        index += 1
    return starts


def period_of(day: date, first: date, frequency: str) -> tuple[date, date]:
    """The period `day` falls in: (its first day, its last day), both inclusive."""
    step = _months_in(frequency)
    if day < first:
        raise Invalid(f"{day.isoformat()} is before the first period starts ({first.isoformat()}).", field="day")
    index = ((day.year - first.year) * 12 + day.month - first.month) // step
    if _start(first, index, step) > day:  # earlier in the month than the anniversary day
        index -= 1
    return _start(first, index, step), _start(first, index + 1, step) - timedelta(days=1)


ROLLOVER_NONE = "none"
ROLLOVER_PERIODS = "periods"
ROLLOVER_UNLIMITED = "unlimited"
ROLLOVERS = (ROLLOVER_NONE, ROLLOVER_PERIODS, ROLLOVER_UNLIMITED)


@dataclass(frozen=True)
class RetainerTerms:
    """An allowance per period (minutes, or minor units for a prepaid amount) and what happens to what is
    left: "none" expires at the period's end, "periods" rolls over for `rollover_periods` more periods,
    "unlimited" never expires. `overage_rate` (hourly, for minutes) prices use beyond the allowance; None
    leaves overage to the contract's ordinary rates. The ledger does not need it."""

    allowance: int
    rollover: str = ROLLOVER_NONE
    rollover_periods: int = 0
    overage_rate: Decimal | None = None

    def __post_init__(self) -> None:
        if self.allowance <= 0:
            raise Invalid("A retainer's allowance per period must be more than zero.", field="allowance")
        if self.rollover not in ROLLOVERS:
            raise Invalid(f"Unknown rollover {self.rollover!r}: use none, periods or unlimited.", field="rollover")
        if self.rollover == ROLLOVER_PERIODS and self.rollover_periods < 1:
            raise Invalid("Say for how many periods unused units roll over (1 or more).", field="rollover_periods")
        if self.rollover != ROLLOVER_PERIODS and self.rollover_periods != 0:
            raise Invalid("Only a rollover for some periods has a number of periods.", field="rollover_periods")
        if self.overage_rate is not None and not (self.overage_rate.is_finite() and self.overage_rate >= 0):
            raise Invalid("An overage rate cannot be negative.", field="overage_rate")


@dataclass(frozen=True)
class PeriodBalance:
    """One period of a retainer, in its unit. available = carried_in + allowance =
    used_from_allowance + expired + left; used = used_from_allowance + overage."""

    allowance: int
    carried_in: int  # unused units of earlier periods, still valid at the start of this one
    used: int
    used_from_allowance: int  # drawn from the carried units (oldest first), then from this period's
    overage: int  # used beyond everything available: billed on top of the retainer
    expired: int  # units that reached the end of their validity with this period, unused
    left: int  # carried into the next period


def retainer_ledger(terms: RetainerTerms, usage_by_period: Sequence[int]) -> list[PeriodBalance]:
    """The balance of each period, the first period first, from the units used in each.

    Units are consumed oldest first (first in, first out): the oldest carried units expire first, so
    they go first, and a period's own allowance is used only once everything carried is gone. A unit
    of period p can be used in periods p to p + N (N = 0 for "none", `rollover_periods` for "periods",
    for ever for "unlimited") and expires, unused, at the end of period p + N. So with N = 1 January's
    unused hours serve in February only. Invariants (property-tested): Σ allowance = Σ used_from_allowance
    + Σ expired + the last period's left; overage only when nothing is left; nothing is negative."""
    last_extra = {ROLLOVER_NONE: 0, ROLLOVER_PERIODS: terms.rollover_periods, ROLLOVER_UNLIMITED: None}[terms.rollover]
    lots: list[list[int]] = []  # [period it came from, units left], oldest first
    ledger = []
    for index, used in enumerate(usage_by_period):
        _check_not_negative(used, "usage", "Use in a period")
        carried_in = sum(units for _, units in lots)
        lots.append([index, terms.allowance])
        wanted = used
        for lot in lots:
            take = min(lot[1], wanted)
            lot[1] -= take
            wanted -= take
        used_from_allowance = used - wanted
        expired, kept = 0, []
        for lot in lots:
            if last_extra is not None and lot[0] + last_extra <= index:
                expired += lot[1]  # its last usable period ends now
            elif lot[1] > 0:
                kept.append(lot)
        lots = kept
        ledger.append(
            PeriodBalance(
                allowance=terms.allowance,
                carried_in=carried_in,
                used=used,
                used_from_allowance=used_from_allowance,
                overage=wanted,
                expired=expired,
                left=sum(units for _, units in lots),
            )
        )
    return ledger


def overage_value_minor(overage_minutes: int, hourly_rate: Decimal, currency: str) -> int:
    """minutes × hourly rate / 60, rounded once by core.money's rule (`margin.rates.rules.value_of_minutes`,
    the one valuation of time), so overage is valued like any other hour."""
    _check_currency(currency)
    _check_not_negative(overage_minutes, "overage_minutes", "Overage")
    if isinstance(hourly_rate, float) or not Decimal(hourly_rate).is_finite() or hourly_rate < 0:
        raise Invalid("An hourly rate is an exact decimal number, not negative.", field="overage_rate")
    return value_of_minutes(overage_minutes, Decimal(hourly_rate), currency).to_minor()
