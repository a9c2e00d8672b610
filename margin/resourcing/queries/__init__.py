"""Reads of resourcing, one module per area; every public name is re-exported here.

- ``access``: who may see and change resourcing (staff a project, see the heatmap), people in scope
- ``bookings``: bookings visible to a viewer, and the minutes they book per person and day
- ``skills``: the skills taxonomy, a person's skills and certifications, the search for people by skills
- ``load``: bookings summed per person and week (the heatmap, the forecast)
- ``staffing``: staffing requests and plans a viewer sees, ranked candidates, the optimiser's problem
- ``time_off``: time off a viewer sees, may request or decide; the days off the week grid and the plan mark
- ``targets``: utilisation targets and the one that applies to a person on a day
- ``usage``: the plan's resource usage (people × weeks of a project's assignments)
"""

from __future__ import annotations

from .access import can_see_resources, can_staff, require_can_see_resources
from .bookings import BookingLoad, booked_by_day, booking_get, bookings_visible
from .load import WeekLoad, booked_by_week, monday_of, week_starts
from .skills import (
    LAPSING_DAYS,
    LEVEL_MESSAGE,
    LEVELS,
    CategoryRow,
    Lapsing,
    Requirement,
    SkillLevel,
    SkillMatch,
    certification_get,
    certification_state,
    certifications_lapsing,
    certifications_of,
    is_line_manager,
    may_change_skills,
    may_confirm_skills,
    parse_requirement,
    people_with_skills,
    person_skill_get,
    person_skills,
    requirements_clean,
    skill_categories_visible,
    skill_category_get,
    skill_get,
    skill_taxonomy,
    skills_person_get,
    skills_search,
    skills_visible,
)
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
from .time_off import (
    DayOff,
    can_decide,
    may_request_for,
    time_off_days,
    time_off_filtered,
    time_off_get,
    time_off_mine,
    time_off_of_team,
    time_off_to_approve,
    time_off_visible,
)
from .usage import ProjectUsage, UsageRow, project_usage

__all__ = [
    "LAPSING_DAYS",
    "LEVELS",
    "LEVEL_MESSAGE",
    "BatchProblem",
    "BookingLoad",
    "Candidate",
    "CandidateList",
    "CategoryRow",
    "DayOff",
    "Lapsing",
    "ProjectUsage",
    "Requirement",
    "SkillLevel",
    "SkillMatch",
    "Targets",
    "UsageRow",
    "WeekLoad",
    "booked_by_day",
    "booked_by_week",
    "booking_get",
    "bookings_visible",
    "can_decide",
    "can_see_resources",
    "can_staff",
    "candidates_for",
    "certification_get",
    "certification_state",
    "certifications_lapsing",
    "certifications_of",
    "is_line_manager",
    "may_change_skills",
    "may_confirm_skills",
    "may_request_for",
    "monday_of",
    "parse_requirement",
    "people_with_skills",
    "person_skill_get",
    "person_skills",
    "project_usage",
    "require_can_see_resources",
    "requirements_clean",
    "skill_categories_visible",
    "skill_category_get",
    "skill_get",
    "skill_taxonomy",
    "skills_person_get",
    "skills_search",
    "skills_visible",
    "staffing_plan_get",
    "staffing_plans_visible",
    "staffing_problem_of",
    "staffing_request_get",
    "staffing_requests_open",
    "staffing_requests_visible",
    "target_minutes",
    "targets_of",
    "time_off_days",
    "time_off_filtered",
    "time_off_get",
    "time_off_mine",
    "time_off_of_team",
    "time_off_to_approve",
    "time_off_visible",
    "utilisation_target_get",
    "utilisation_targets_visible",
    "week_starts",
]
