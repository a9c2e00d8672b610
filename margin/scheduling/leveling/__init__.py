"""Resource leveling: delay work so no resource is over-allocated, without breaking a link or constraint.

Two modes over the same :class:`LevelingProblem`: ``level_heuristic`` (fast, pure Python) and
``level_cpsat`` (optimising, OR-Tools CP-SAT under a time limit). Both return a :class:`LeveledSchedule`.
"""

from margin.scheduling.leveling.cpsat import level_cpsat
from margin.scheduling.leveling.heuristic import level_heuristic
from margin.scheduling.leveling.network import Network, check_schedule, compile_problem
from margin.scheduling.leveling.problem import (
    Activity,
    ActivityId,
    CycleError,
    Demand,
    LeveledSchedule,
    LevelingError,
    LevelingProblem,
    Precedence,
    Resource,
    ResourceId,
    Violation,
)

__all__ = [
    "Activity",
    "ActivityId",
    "CycleError",
    "Demand",
    "LeveledSchedule",
    "LevelingError",
    "LevelingProblem",
    "Network",
    "Precedence",
    "Resource",
    "ResourceId",
    "Violation",
    "check_schedule",
    "compile_problem",
    "level_cpsat",
    "level_heuristic",
]
