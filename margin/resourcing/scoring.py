"""How well a person fits a staffing request, with the reasons: pure arithmetic, no Django, no I/O.

The fit is 0–1000, a weighted sum of four parts, each 0–1:

- **skills** (40 %): each required skill at or above its minimum counts 1; below it, half its share of the
  minimum (level 2 of 4: 0.25). **A missing required skill disqualifies** the person (fit 0, not a candidate);
  no skills asked: 1.
- **availability** (30 %): free minutes in the window (capacity minus everything booked, soft too) over the
  minutes the request needs of them, at most 1.
- **cost** (15 %): the margin of their cost rate on the project's bill rate, (rate − cost) / rate, between 0 and
  1; 0.5 (neutral) when either rate is unknown or they are in different currencies.
- **utilisation** (15 %): 1 minus the distance, in percentage points / 100, between their forecast load in the
  window with this request and their utilisation target; 0.5 when no target applies.

Every part says why in a reason (``money`` marks the reasons that show rates, for viewers who may see them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WEIGHTS = {"skills": 400, "availability": 300, "cost": 150, "utilisation": 150}
NEUTRAL = 0.5


@dataclass(frozen=True, slots=True)
class SkillNeed:
    skill_id: int
    name: str
    min_level: int


@dataclass(frozen=True, slots=True)
class Reason:
    part: str  # skills, availability, cost, utilisation, company
    text: str
    good: bool
    money: bool = False


@dataclass(frozen=True, slots=True)
class Fit:
    score: int  # 0–1000
    eligible: bool
    parts: dict[str, float]
    reasons: tuple[Reason, ...]


def hours(minutes: int) -> str:
    value = minutes / 60
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def skills_part(needs: Sequence[SkillNeed], levels: dict[int, int]) -> tuple[float, bool, list[Reason]]:
    """The skills part, whether the person qualifies (no required skill missing), and one reason per skill."""
    if not needs:
        return 1.0, True, [Reason("skills", "No skills asked for", True)]
    total = 0.0
    eligible = True
    reasons: list[Reason] = []
    for need in needs:
        level = levels.get(need.skill_id)
        if level is None:
            eligible = False
            reasons.append(Reason("skills", f"{need.name} missing (needs {need.min_level})", False))
        elif level >= need.min_level:
            total += 1.0
            reasons.append(Reason("skills", f"{need.name} {level} ≥ {need.min_level}", True))
        else:
            total += 0.5 * level / need.min_level
            reasons.append(Reason("skills", f"{need.name} {level} < {need.min_level}", False))
    return total / len(needs), eligible, reasons


def availability_part(free: int, needed: int) -> tuple[float, Reason]:
    if needed <= 0:
        return 0.0, Reason("availability", "No working time in the window", False)
    share = min(1.0, max(0, free) / needed)
    text = f"free {hours(max(0, free))} of {hours(needed)} h"
    return share, Reason("availability", text, share >= 1.0)


def cost_part(cost: Decimal | None, rate: Decimal | None, *, same_currency: bool = True) -> tuple[float, Reason]:
    if rate is None or rate <= 0:
        return NEUTRAL, Reason("cost", "no bill rate for them on this project", False, money=True)
    if cost is None:
        return NEUTRAL, Reason("cost", "no cost rate", False, money=True)
    if not same_currency:
        return NEUTRAL, Reason("cost", "cost and bill rate in different currencies", False, money=True)
    margin = (rate - cost) / rate
    text = f"margin {round(margin * 100)} % at cost {cost.normalize():f} / rate {rate.normalize():f}"
    return float(min(Decimal(1), max(Decimal(0), margin))), Reason("cost", text, margin > 0, money=True)


def utilisation_part(booked: int, needed: int, capacity: int, target: int | None) -> tuple[float, Reason]:
    if capacity <= 0:
        return 0.0, Reason("utilisation", "no capacity in the window", False)
    now = round(100 * booked / capacity)
    after = round(100 * (booked + needed) / capacity)
    if target is None:
        return NEUTRAL, Reason("utilisation", f"at {now} % (→ {after} %), no target", True)
    distance = abs(target - after)
    return (
        max(0.0, 1 - distance / 100),
        Reason("utilisation", f"at {now} % vs target {target} % (→ {after} %)", distance <= 10),
    )


def fit_of(
    *,
    needs: Sequence[SkillNeed],
    levels: dict[int, int],
    free: int,
    needed: int,
    booked: int,
    capacity: int,
    cost: Decimal | None,
    rate: Decimal | None,
    same_currency: bool,
    target: int | None,
) -> Fit:
    skills, eligible, reasons = skills_part(needs, levels)
    available, why_free = availability_part(free, needed)
    money, why_money = cost_part(cost, rate, same_currency=same_currency)
    load, why_load = utilisation_part(booked, needed, capacity, target)
    parts = {"skills": skills, "availability": available, "cost": money, "utilisation": load}
    score = round(sum(WEIGHTS[k] * v for k, v in parts.items())) if eligible and needed > 0 else 0
    return Fit(score, eligible and needed > 0, parts, (*reasons, why_free, why_money, why_load))
