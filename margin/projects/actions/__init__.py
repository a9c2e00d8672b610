"""Writes of the projects app, one module per area; every public name is re-exported here.

- ``projects``: projects, members, tasks
- ``planning``: links, schedule fields, the WBS, baselines, rescheduling
- ``board``: Kanban columns and card moves
- ``calendars``: working calendars and their exceptions
- ``copies``: a project made from a template, as a copy of another, or saved as a template
- ``lifecycle``: archiving a closed project and bringing it back
"""

from __future__ import annotations

from .board import (
    BOARD_COLUMN_FIELDS,
    BOARD_DEFAULTS,
    BOARD_MOVE_FIELDS,
    MAX_WIP_LIMIT,
    BoardMove,
    board_column_update,
    board_columns_ensure,
    task_board_move,
)
from .calendars import (
    CALENDAR_FIELDS,
    EXCEPTION_FIELDS,
    MAX_EXCEPTION_DAYS,
    CalendarSaved,
    IntervalsInput,
    WeekInput,
    calendar_create,
    calendar_delete,
    calendar_exception_add,
    calendar_exception_remove,
    calendar_update,
    parse_intervals,
)
from .copies import Copied, project_copy, working_start
from .lifecycle import project_archive, project_unarchive
from .planning import (
    LINK_FIELDS,
    MAX_LAG_MINUTES,
    SCHEDULE_COLUMNS,
    SCHEDULE_FIELDS,
    Rescheduled,
    baseline_save,
    default_calendar_ensure,
    dependency_create,
    dependency_delete,
    project_reschedule,
    task_delete,
    task_indent,
    task_outdent,
    task_predecessors_set,
    task_schedule_update,
)
from .projects import (
    EARLIEST_DEADLINE,
    LATEST_DEADLINE,
    MAX_BUDGET_MINUTES,
    PROJECT_FIELDS,
    TASK_FIELDS,
    check_deadline,
    check_writable,
    project_create,
    project_member_add,
    project_member_remove,
    project_update,
    task_create,
    task_update,
)

__all__ = [
    "BOARD_COLUMN_FIELDS",
    "BOARD_DEFAULTS",
    "BOARD_MOVE_FIELDS",
    "CALENDAR_FIELDS",
    "EARLIEST_DEADLINE",
    "EXCEPTION_FIELDS",
    "LATEST_DEADLINE",
    "LINK_FIELDS",
    "MAX_BUDGET_MINUTES",
    "MAX_EXCEPTION_DAYS",
    "MAX_LAG_MINUTES",
    "MAX_WIP_LIMIT",
    "PROJECT_FIELDS",
    "SCHEDULE_COLUMNS",
    "SCHEDULE_FIELDS",
    "TASK_FIELDS",
    "BoardMove",
    "CalendarSaved",
    "Copied",
    "IntervalsInput",
    "Rescheduled",
    "WeekInput",
    "baseline_save",
    "board_column_update",
    "board_columns_ensure",
    "calendar_create",
    "calendar_delete",
    "calendar_exception_add",
    "calendar_exception_remove",
    "calendar_update",
    "check_deadline",
    "check_writable",
    "default_calendar_ensure",
    "dependency_create",
    "dependency_delete",
    "parse_intervals",
    "project_archive",
    "project_copy",
    "project_create",
    "project_member_add",
    "project_member_remove",
    "project_reschedule",
    "project_unarchive",
    "project_update",
    "task_board_move",
    "task_create",
    "task_delete",
    "task_indent",
    "task_outdent",
    "task_predecessors_set",
    "task_schedule_update",
    "task_update",
    "working_start",
]
