"""Pure arithmetic of resourcing: a booking's minutes on a day and the load it makes (no Django, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

STANDARD_DAY_MINUTES = 480  # a placeholder's day (no person, so no calendar): 8 hours, Monday to Friday
WORKDAYS = 5


def booked_minutes(*, minutes_per_day: int | None, percent: int | None, capacity: int) -> int:
    """What a booking takes of a day whose capacity is ``capacity`` minutes: its hours, or its share of the
    capacity. Nothing on a day without capacity (a weekend, a holiday, time off): a booking never books
    someone on a day they do not work."""
    if capacity <= 0:
        return 0
    if percent is not None:
        return capacity * percent // 100
    return minutes_per_day or 0


def load_percent(booked: int, capacity: int) -> int | None:
    """Booked minutes as a whole percentage of capacity (None when there is no capacity to measure against)."""
    if capacity <= 0:
        return None
    return round(100 * booked / capacity)


@dataclass(frozen=True, slots=True)
class Overbooking:
    """The days a person's bookings exceed their capacity, and the worst of them."""

    days: int
    peak_percent: int
    peak_day_index: int

    @property
    def any(self) -> bool:
        return self.days > 0


def overbooking(booked: list[int], capacity: list[int]) -> Overbooking:
    """Days where ``booked`` minutes exceed ``capacity`` (same length lists), counting a booked day without
    capacity as over (someone booked on a day they are away)."""
    days = 0
    peak, peak_at = 0, -1
    for i, (b, c) in enumerate(zip(booked, capacity, strict=True)):
        if b > c:
            days += 1
            pct = 10_000 if c <= 0 else round(100 * b / c)
            if pct > peak:
                peak, peak_at = pct, i
    return Overbooking(days, peak, peak_at)
