"""Reads of resourcing, one module per area; every public name is re-exported here.

- ``access``: who may see and change resourcing (staff a project, see the heatmap), people in scope
- ``bookings``: bookings visible to a viewer, and the minutes they book per person and day
"""

from __future__ import annotations

from .access import can_see_resources, can_staff, require_can_see_resources
from .bookings import BookingLoad, booked_by_day, booking_get, bookings_visible

__all__ = [
    "BookingLoad",
    "booked_by_day",
    "booking_get",
    "bookings_visible",
    "can_see_resources",
    "can_staff",
    "require_can_see_resources",
]
