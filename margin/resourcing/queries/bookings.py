"""Reads of bookings: which a viewer sees, and the minutes bookings take per person and day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from margin.accounts.queries import Viewer
from margin.core.errors import NotFound
from margin.resourcing.capacity import capacity_by_day
from margin.resourcing.models import Booking, BookingKind
from margin.resourcing.rules import booked_minutes

from .access import can_see_resources


def bookings_visible(viewer: Viewer) -> QuerySet[Booking]:
    """Bookings on projects of the viewer's companies: all of them for those who staff and watch load, a team
    member's own otherwise."""
    scope = Booking.objects.filter(
        organisation_id=viewer.organisation_id, project__company_id__in=viewer.company_ids
    ).select_related("project", "person", "role")
    if can_see_resources(viewer):
        return scope
    if viewer.person_id is None:
        return scope.none()
    return scope.filter(person_id=viewer.person_id)


def booking_get(viewer: Viewer, booking_id: int) -> Booking:
    found = bookings_visible(viewer).filter(pk=booking_id).first()
    if found is None:
        raise NotFound("No such booking.")
    return found


@dataclass
class BookingLoad:
    """One person's booked minutes per day (hard and soft apart) and capacity, over the days asked for."""

    capacity: list[int]
    hard: list[int] = field(default_factory=list)
    soft: list[int] = field(default_factory=list)

    @property
    def total(self) -> list[int]:
        return [h + s for h, s in zip(self.hard, self.soft, strict=True)]


def booked_by_day(
    person_ids: Iterable[int],
    days: Sequence[date],
    *,
    exclude: Iterable[int] = (),
    capacity: dict[int, list[int]] | None = None,
) -> dict[int, BookingLoad]:
    """Each person's bookings over ``days`` (consecutive dates), in minutes a day, against their capacity.
    ``exclude`` leaves bookings out (the one being changed); ``capacity`` passes one already read."""
    days = list(days)
    ids = set(person_ids)
    caps = capacity if capacity is not None else capacity_by_day(ids, days)
    out = {pk: BookingLoad(caps[pk], [0] * len(days), [0] * len(days)) for pk in ids if pk in caps}
    if not days or not out:
        return out
    first, last = days[0], days[-1]
    index = {d: i for i, d in enumerate(days)}
    rows = (
        Booking.objects.filter(person_id__in=out.keys(), first_day__lte=last, last_day__gte=first)
        .exclude(pk__in=list(exclude))
        .values_list("person_id", "first_day", "last_day", "minutes_per_day", "percent", "kind")
    )
    spans: dict[int, list[tuple[int, int, int | None, int | None, bool]]] = defaultdict(list)
    for person_id, first_day, last_day, minutes, percent, kind in rows:
        lo = index[max(first_day, first)]
        hi = index[min(last_day, last)]
        spans[person_id].append((lo, hi, minutes, percent, kind == BookingKind.HARD))
    for person_id, booked in spans.items():
        load = out[person_id]
        for lo, hi, minutes, percent, hard in booked:
            target = load.hard if hard else load.soft
            for i in range(lo, hi + 1):
                target[i] += booked_minutes(minutes_per_day=minutes, percent=percent, capacity=load.capacity[i])
    return out
