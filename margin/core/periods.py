"""Durations in integer minutes, and the weeks people log time in. No Django here.

Hours are only a display format: people type `1:30`, `1.5`, `1h30` or `90m`; we store 90.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

MINUTES_PER_DAY = 24 * 60

_HM = re.compile(r"^(\d{1,3}):([0-5]\d)$")
# Minutes after hours may omit their unit (`1h30`); minutes alone need it (`90m`).
_H_M = re.compile(r"^(?:(\d{1,3})\s*h)?\s*(?:(\d{1,4})\s*(?:m(?:in)?)?)?$")


class DurationError(ValueError):
    """Text that is not a duration."""


def parse_duration(text: str) -> int:
    """`1:30`, `1.5`, `1,5`, `1h30`, `1h 30m`, `90m` → 90. Empty text is 0.

    Decimal hours are rounded to the nearest minute. Negative values are refused here; the upper
    bound is a business rule checked where the entry is saved.
    """
    raw = (text or "").strip().lower()
    if not raw:
        return 0
    match = _HM.match(raw)
    if match:
        return int(match.group(1)) * 60 + int(match.group(2))
    compact = raw.replace(" ", "")
    if compact.endswith(("h", "m", "min")) or "h" in compact:
        match = _H_M.match(compact.replace("h", "h ").strip())
        if match and (match.group(1) or match.group(2)):
            hours = int(match.group(1) or 0)
            return hours * 60 + int(match.group(2) or 0)
        raise DurationError(f"{text!r} is not a duration; write 1:30 or 1.5.")
    try:
        hours_dec = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise DurationError(f"{text!r} is not a duration; write 1:30 or 1.5.") from None
    if not hours_dec.is_finite() or hours_dec < 0 or hours_dec > 10_000:
        raise DurationError(f"{text!r} is not a duration; write 1:30 or 1.5.")
    return int((hours_dec * 60).to_integral_value())


def format_minutes(minutes: int | None) -> str:
    """90 → `1:30`; 0 or None → empty string (an empty cell, not `0:00`)."""
    if not minutes:
        return ""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}"


def hours(minutes: int) -> Decimal:
    """Exact decimal hours for display and arithmetic (90 → 1.5)."""
    return Decimal(minutes) / Decimal(60)


def week_start(day: date) -> date:
    """The Monday of the ISO week that holds `day`."""
    return day - timedelta(days=day.weekday())


def week_days(monday: date) -> list[date]:
    return [monday + timedelta(days=i) for i in range(7)]


def month_end(day: date) -> date:
    """The last day of the month that holds `day`."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def month_ends(first: date, last: date) -> list[date]:
    """The last day of every month from `first`'s to the last one that ends on or before `last`."""
    ends, end = [], month_end(first)
    while end <= last:
        ends.append(end)
        end = month_end(end + timedelta(days=1))
    return ends
