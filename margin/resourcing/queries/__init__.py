"""Reads of resourcing, one module per area; every public name is re-exported here.

- ``access``: who may see and change resourcing (staff a project, see the heatmap), people in scope
- ``bookings``: bookings visible to a viewer, and the minutes they book per person and day
- ``load``: bookings summed per person and week (the heatmap, the forecast)
- ``staffing``: staffing requests and plans a viewer sees, ranked candidates, the optimiser's problem
- ``targets``: utilisation targets and the one that applies to a person on a day
- ``usage``: the plan's resource usage (people × weeks of a project's assignments)
"""

from __future__ import annotations

from .access import can_see_resources, can_staff, require_can_see_resources
from .bookings import BookingLoad, booked_by_day, booking_get, bookings_visible
from .load import WeekLoad, booked_by_week, monday_of, week_starts
from .staffing import (
    BatchProblem,
    Candidate,
    CandidateList,
    candidates_for,
    staffing_plan_get,
    staffing_plans_visible,
    staffing_problem_of,
    staffing_request_get,
    staffing_requests_open,
    staffing_requests_visible,
)
from .targets import Targets, target_minutes, targets_of, utilisation_target_get, utilisation_targets_visible
from .usage import ProjectUsage, UsageRow, project_usage

__all__ = [
    "BatchProblem",
    "BookingLoad",
    "Candidate",
    "CandidateList",
    "ProjectUsage",
    "Targets",
    "UsageRow",
    "WeekLoad",
    "booked_by_day",
    "booked_by_week",
    "booking_get",
    "bookings_visible",
    "can_see_resources",
    "can_staff",
    "candidates_for",
    "monday_of",
    "project_usage",
    "require_can_see_resources",
    "staffing_plan_get",
    "staffing_plans_visible",
    "staffing_problem_of",
    "staffing_request_get",
    "staffing_requests_open",
    "staffing_requests_visible",
    "target_minutes",
    "targets_of",
    "utilisation_target_get",
    "utilisation_targets_visible",
    "week_starts",
]
