"""Writes of resourcing, one module per area; every public name is re-exported here.

- ``leveling``: resource pools, assignments, leveling proposals (moved from ``projects``)
- ``bookings``: bookings of people and placeholders on projects
- ``staffing``: staffing requests (ask, change, cancel, fill) and staffing plans (the optimiser's batches)
- ``targets``: utilisation targets (a person's, a role's, the organisation's default, from a day)
"""

from __future__ import annotations

from .bookings import (
    BOOKING_FIELDS,
    BookingInput,
    BookingSaved,
    booking_create,
    booking_delete,
    booking_move,
    booking_update,
    input_of,
)
from .leveling import (
    ASSIGNMENT_FIELDS,
    MAX_UNITS,
    METHODS,
    POOL_FIELDS,
    assignment_create,
    assignment_delete,
    heuristic_budget,
    leveling_accept,
    leveling_discard,
    leveling_fill,
    leveling_run,
    resource_pool_create,
)
from .staffing import (
    REQUEST_FIELDS,
    RequestInput,
    staffing_plan_accept,
    staffing_plan_create,
    staffing_plan_discard,
    staffing_plan_fill,
    staffing_request_cancel,
    staffing_request_create,
    staffing_request_fill,
    staffing_request_update,
)
from .targets import TARGET_FIELDS, utilisation_target_delete, utilisation_target_set, utilisation_target_update

__all__ = [
    "ASSIGNMENT_FIELDS",
    "BOOKING_FIELDS",
    "MAX_UNITS",
    "METHODS",
    "POOL_FIELDS",
    "REQUEST_FIELDS",
    "TARGET_FIELDS",
    "BookingInput",
    "BookingSaved",
    "RequestInput",
    "assignment_create",
    "assignment_delete",
    "booking_create",
    "booking_delete",
    "booking_move",
    "booking_update",
    "heuristic_budget",
    "input_of",
    "leveling_accept",
    "leveling_discard",
    "leveling_fill",
    "leveling_run",
    "resource_pool_create",
    "staffing_plan_accept",
    "staffing_plan_create",
    "staffing_plan_discard",
    "staffing_plan_fill",
    "staffing_request_cancel",
    "staffing_request_create",
    "staffing_request_fill",
    "staffing_request_update",
    "utilisation_target_delete",
    "utilisation_target_set",
    "utilisation_target_update",
]
