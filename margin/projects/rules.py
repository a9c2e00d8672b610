"""The plan's text grammar, as MS Project writes it in its task table: durations (`5d`, `4h`), lags (`-1d`, `50%`),
days (`2026-03-02`) and predecessor lists (`3FS+2d, 5SS, 7`).

Pure functions, no Django: the Tasks table (``margin.web``), the task page and the actions read a typed cell
through them and get working minutes, or an ``Invalid`` naming the field and saying how to write it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from margin.core.errors import Invalid
from margin.scheduling.calendars import DEFAULT_MINUTES_PER_DAY

DAY = DEFAULT_MINUTES_PER_DAY  # a working day of the default calendar (MS Project's "minutes per day")
LINK_KINDS = ("FS", "SS", "FF", "SF")
_UNITS = {"w": 5 * DAY, "d": DAY, "h": 60, "m": 1}
_LONG_UNITS = (("days", "d"), ("day", "d"), ("hrs", "h"), ("hours", "h"), ("hour", "h"), ("min", "m"))
_DATE_FORMATS = ("%Y-%m-%d", "%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%d.%m.%Y")
_LINK = re.compile(r"^(\d+)\s*(FS|SS|FF|SF)?\s*([+-].*)?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LinkSpec:
    """A typed predecessor: the link's type and its lag (minutes, or a % of the predecessor's duration)."""

    kind: str
    lag_minutes: int = 0
    lag_percent: int | None = None


def days_text(minutes: int) -> str:
    """Working minutes as MS Project shows a duration: 2400 → `5d`, 720 → `1.5d`, 240 → `4h`, 0 → `0d`."""
    if 0 < minutes < 60:
        return f"{minutes}m"
    if 0 < minutes < DAY:
        return f"{(Decimal(minutes) / 60).quantize(Decimal('0.01')).normalize():f}h"
    return f"{(Decimal(minutes) / DAY).quantize(Decimal('0.01')).normalize():f}d"


def parse_days(text: str, *, field: str, allow_negative: bool = False) -> int:
    """`5`, `5d`, `2.5 d`, `4h`, `30m`, `1w` → working minutes (a bare number is days, as in MS Project)."""
    raw = text.strip().lower().replace(",", ".").replace(" ", "")
    for long, short in _LONG_UNITS:
        raw = raw.removesuffix(long) + (short if raw.endswith(long) else "")
    unit = raw[-1:] if raw[-1:] in _UNITS else "d"
    number = raw[:-1] if raw[-1:] in _UNITS else raw
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise Invalid(f"{text!r} is not a duration; write 5d, 2.5d, 4h or 30m.", field=field) from None
    if not value.is_finite() or (value < 0 and not allow_negative) or abs(value) > 100_000:
        raise Invalid(f"{text!r} is not a duration; write 5d, 2.5d, 4h or 30m.", field=field)
    return int((value * _UNITS[unit]).to_integral_value())


def parse_lag(text: str) -> tuple[int, int | None]:
    """A link's lag: `2d`, `-1d` (a lead), `4h`, `50%` → (minutes, percent)."""
    raw = text.strip().replace(" ", "")
    if not raw:
        return 0, None
    if raw.endswith("%"):
        number = raw[:-1].lstrip("+")
        if not number.lstrip("-").isdigit():
            raise Invalid(f"{text!r} is not a lag; write 2d, -1d, 4h or 50%.", field="lag")
        return 0, int(number)
    return parse_days(raw.lstrip("+"), field="lag", allow_negative=True), None


def parse_day(text: str, *, field: str) -> date:
    """`2026-03-02`, `2 Mar 2026`, `March 2 2026`, `02.03.2026` → a date."""
    raw = " ".join(text.replace(",", " ").split())
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise Invalid(f"{text!r} is not a date; write it as 2026-03-02.", field=field)


def lag_text(kind: str, lag_minutes: int, lag_percent: int | None) -> str:
    """A link as MS Project's Predecessors column writes it after the row number: `FS+2d`, `SS-50%`, `FS`."""
    if lag_percent is not None:
        return f"{kind}{lag_percent:+d}%" if lag_percent else kind
    if not lag_minutes:
        return kind
    return f"{kind}{'+' if lag_minutes > 0 else '-'}{days_text(abs(lag_minutes))}"


def parse_predecessors(text: str, numbers: dict[int, int]) -> dict[int, LinkSpec]:
    """`3FS+2d, 5SS, 7` (row numbers as in the ID column; ``numbers`` maps them to task ids) → {predecessor task
    id: its link}. A row that does not exist, a row given twice or anything unreadable is refused."""
    links: dict[int, LinkSpec] = {}
    for part in text.replace(";", ",").split(","):
        item = part.strip()
        if not item:
            continue
        match = _LINK.match(item)
        if match is None:
            raise Invalid(
                f"{item!r} is not a predecessor; write the row ID with a type and lag, e.g. 3FS+2d.",
                field="predecessors",
            )
        number = int(match.group(1))
        if number not in numbers:
            raise Invalid(f"There is no row {number}.", field="predecessors")
        task_id = numbers[number]
        if task_id in links:
            raise Invalid(f"Row {number} is given twice.", field="predecessors")
        lag_minutes, lag_percent = parse_lag(match.group(3) or "")
        links[task_id] = LinkSpec((match.group(2) or "FS").upper(), lag_minutes, lag_percent)
    return links
