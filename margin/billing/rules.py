"""How invoice lines and numbers are made. Pure functions, no Django."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from margin.rates.rules import value_of_minutes


@dataclass(frozen=True)
class LineGroup:
    """Approved time of one task, one role and one rate, summed (a GROUP BY row)."""

    task_id: int | None
    task_name: str
    role_id: int | None
    role_name: str
    hourly_rate: Decimal
    minutes: int
    time_value_minor: int = 0  # the entries' own valuations, summed
    entries: int = 0


@dataclass(frozen=True)
class LineDraft:
    position: int
    task_id: int | None
    role_id: int | None
    description: str
    minutes: int
    hourly_rate: Decimal
    amount_minor: int
    time_value_minor: int


def build_lines(groups: list[LineGroup], currency: str) -> list[LineDraft]:
    """One line per (task, role, rate): hours × rate, rounded once per line by the money rule.

    The invoice total is the sum of these rounded line amounts (ARCHITECTURE §4).
    """
    ordered = sorted(groups, key=lambda g: (g.task_name, g.role_name, g.hourly_rate))
    return [
        LineDraft(
            position=i,
            task_id=g.task_id,
            role_id=g.role_id,
            description=f"{g.task_name} — {g.role_name}" if g.role_name else g.task_name,
            minutes=g.minutes,
            hourly_rate=g.hourly_rate,
            amount_minor=value_of_minutes(g.minutes, g.hourly_rate, currency).to_minor(),
            time_value_minor=g.time_value_minor,
        )
        for i, g in enumerate(ordered)
    ]


def format_number(year: int, sequence: int, digits: int) -> str:
    """2026, 7, 4 → `2026-0007`. Gapless per company and year: the caller allocates `sequence`."""
    return f"{year}-{sequence:0{digits}d}"
