"""The arithmetic of revenue recognition, pure: what one contract billing line has earned by a date.

Recognition is **cumulative**: each run computes what is earned to date and posts the difference from what
was posted before, so a change of estimate is a catch-up in the period it happens (IFRS 15 §107, ASC 606-10-
25-35). The methods (IFRS 15 §B14-B19):

- ``delivered`` (time and materials, re-billed expenses): the bill value of what was delivered, capped;
- ``cost_to_cost``, ``hours``, ``milestones``: a share of the price by progress — cost incurred ÷ estimated
  total cost, hours worked ÷ estimated total hours, or the value of the milestones reached ÷ all of them;
- ``straight_line``: the price spread evenly over the service dates, by day;
- ``on_completion``: nothing until the work is complete, then the whole price.

A **loss contract** (estimated total cost above the price) has its whole expected loss recognised at once:
the part not yet carried by revenue below cost is a provision, released as the work proceeds (ASC 605-35-25-
46, IAS 37 §66). **Modifications** of the price follow ASC 606-10-25-13: ``prospective`` spreads the new price
less what was recognised at the modification over the remaining progress; ``catch_up`` applies the new price
to the whole progress at once.

Amounts are integer minor units; progress is an exact fraction, and each amount is rounded once, half up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

DELIVERED = "delivered"
COST_TO_COST = "cost_to_cost"
HOURS = "hours"
MILESTONES = "milestones"
STRAIGHT_LINE = "straight_line"
ON_COMPLETION = "on_completion"

METHODS = (
    (DELIVERED, "As delivered (bill value of approved time and expenses)"),
    (COST_TO_COST, "% complete: cost to cost"),
    (HOURS, "% complete: hours to hours"),
    (MILESTONES, "% complete: milestones reached"),
    (STRAIGHT_LINE, "Straight line over the service dates"),
    (ON_COMPLETION, "On completion"),
)
PROGRESS_METHODS = (COST_TO_COST, HOURS, MILESTONES)
NEEDS_PLAN = (COST_TO_COST, HOURS)

# The method a billing line uses until someone chooses another (contracts.BillingModel values).
DEFAULT_METHOD = {
    "time": DELIVERED,
    "expenses": DELIVERED,
    "fixed": COST_TO_COST,
    "progress": COST_TO_COST,
    "retainer": STRAIGHT_LINE,
}
PROSPECTIVE = "prospective"
CATCH_UP = "catch_up"


def round_half_up(value: Fraction) -> int:
    """The nearest integer, halves away from zero (the project's one rounding rule, ADR 0001)."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    whole = magnitude.numerator // magnitude.denominator
    if magnitude - whole >= Fraction(1, 2):
        whole += 1
    return sign * whole


@dataclass(frozen=True)
class Modification:
    """A change of the price from `effective` on: the price before and after, how it is treated, and where the
    line stood when it was made (its progress and what had been recognised)."""

    effective: date
    previous_price_minor: int
    price_minor: int
    treatment: str
    progress: Fraction = Fraction(0)
    recognised_minor: int = 0


@dataclass(frozen=True)
class LineInputs:
    """What a billing line's recognition reads, as of `as_of`. Amounts in the contract's currency."""

    method: str
    as_of: date
    price_minor: int | None = None
    billed_minor: int = 0
    cost_to_date_minor: int = 0
    estimated_cost_minor: int | None = None
    minutes_to_date: int = 0
    estimated_minutes: int | None = None
    milestones_done_minor: int = 0
    milestones_total_minor: int = 0
    service_start: date | None = None
    service_end: date | None = None
    completed: bool = False
    delivered_minor: int = 0
    cap_minor: int | None = None
    modifications: tuple[Modification, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Recognition:
    """Where a billing line stands as of a date: its progress, revenue recognised and billed to date, the
    contract asset (earned, not billed) or liability (billed, not earned), the backlog (price not yet earned)
    and the provision for an expected loss not yet carried by revenue."""

    progress: Fraction
    price_minor: int | None
    recognised_minor: int
    billed_minor: int
    expected_loss_minor: int
    loss_provision_minor: int

    @property
    def contract_asset_minor(self) -> int:
        return max(self.recognised_minor - self.billed_minor, 0)

    @property
    def contract_liability_minor(self) -> int:
        return max(self.billed_minor - self.recognised_minor, 0)

    @property
    def backlog_minor(self) -> int:
        if self.price_minor is None:
            return 0
        return max(self.price_minor - self.recognised_minor, 0)


def _share(part: int, whole: int | None) -> Fraction:
    if not whole or whole <= 0:
        return Fraction(0)
    return min(Fraction(max(part, 0), whole), Fraction(1))


def progress_of(inputs: LineInputs) -> Fraction:
    """How far the work is, 0 to 1, by the line's method (1 for a delivered line: it earns as it goes)."""
    method = inputs.method
    if method == COST_TO_COST:
        return _share(inputs.cost_to_date_minor, inputs.estimated_cost_minor)
    if method == HOURS:
        return _share(inputs.minutes_to_date, inputs.estimated_minutes)
    if method == MILESTONES:
        return _share(inputs.milestones_done_minor, inputs.milestones_total_minor)
    if method == STRAIGHT_LINE:
        if inputs.service_start is None or inputs.service_end is None or inputs.as_of < inputs.service_start:
            return Fraction(0)
        days = (inputs.service_end - inputs.service_start).days + 1
        return _share((min(inputs.as_of, inputs.service_end) - inputs.service_start).days + 1, days)
    if method == ON_COMPLETION:
        return Fraction(1) if inputs.completed else Fraction(0)
    return Fraction(1)


def price_on(inputs: LineInputs) -> tuple[int | None, Modification | None]:
    """The price that applies as of the date, and the modification that set it (None: the original price)."""
    applied = [m for m in inputs.modifications if m.effective <= inputs.as_of]
    if applied:
        latest = max(applied, key=lambda m: m.effective)
        return latest.price_minor, latest
    if inputs.modifications:
        return min(inputs.modifications, key=lambda m: m.effective).previous_price_minor, None
    return inputs.price_minor, None


def _priced(price: int, progress: Fraction, modification: Modification | None) -> int:
    if modification is None or modification.treatment == CATCH_UP or modification.progress >= 1:
        return round_half_up(progress * price)
    # Prospective: what was recognised at the modification stays; the rest of the new price follows the rest
    # of the progress.
    done, before = modification.progress, modification.recognised_minor
    if progress <= done:
        return before
    return before + round_half_up((price - before) * (progress - done) / (1 - done))


def recognise(inputs: LineInputs) -> Recognition:
    """What the billing line has earned to date, with its contract balances and loss provision."""
    progress = progress_of(inputs)
    if inputs.method == DELIVERED:
        delivered = max(inputs.delivered_minor, 0)
        recognised = min(delivered, inputs.cap_minor) if inputs.cap_minor is not None else delivered
        return Recognition(progress, inputs.cap_minor, recognised, inputs.billed_minor, 0, 0)
    price, modification = price_on(inputs)
    price = price or 0
    recognised = _priced(price, progress, modification)
    estimated = inputs.estimated_cost_minor
    expected_loss = max(estimated - price, 0) if estimated is not None else 0
    if inputs.method == ON_COMPLETION:
        provision = 0 if inputs.completed else expected_loss
    else:
        provision = round_half_up(expected_loss * (1 - progress))
    return Recognition(progress, price, recognised, inputs.billed_minor, expected_loss, provision)
