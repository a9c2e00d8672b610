"""The project network the scheduler works on: tasks, links and calendars, as plain frozen dataclasses.

Units: durations, remaining durations, lags and work are integer **working minutes** (a task's duration and
remaining duration on its own calendar, a link's lag on the successor's calendar, as MS Project counts
them by default); cost is integer minor units of the project's currency. Datetimes are naive local times.

Rules the scheduler applies (see :mod:`margin.scheduling.cpm` for the passes):

- A task with at least one child (``parent`` pointing at it) is a **summary** task: its dates, work, cost
  and % complete are rolled up from its children and it is never scheduled itself. Its own duration, work,
  cost and progress are ignored; a constraint or manual scheduling on a summary task is refused.
- A leaf task with duration 0 is a **milestone**.
- **Links to or from a summary task** apply to its subtasks as in MS Project: a finish-to-start or
  start-to-start link *into* a summary holds for every leaf below it; a finish-to-start or finish-to-finish
  link *out of* a summary holds from every leaf below it (the summary finishes when its last leaf does).
  The forms MS Project itself refuses or that cannot be expressed that way are refused with a
  :class:`NetworkError`: FF/SF links into a summary, SS/SF links out of one, a % lag out of one, and a link
  between a summary and one of its own subtasks.
- A % lag (``lag_percent``, -100 … 1000) is that share of the predecessor's duration, rounded half up to a
  minute; it replaces ``lag``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from margin.core.errors import Invalid
from margin.scheduling.calendars import Calendar

TaskId = int | str


class LinkKind(StrEnum):
    FS = "FS"  # finish-to-start: the successor starts after the predecessor finishes
    SS = "SS"  # start-to-start
    FF = "FF"  # finish-to-finish
    SF = "SF"  # start-to-finish: the successor finishes after the predecessor starts


class ConstraintType(StrEnum):
    ASAP = "ASAP"  # as soon as possible (the default)
    ALAP = "ALAP"  # as late as possible without delaying its successors or the project
    SNET = "SNET"  # start no earlier than
    SNLT = "SNLT"  # start no later than
    FNET = "FNET"  # finish no earlier than
    FNLT = "FNLT"  # finish no later than
    MSO = "MSO"  # must start on
    MFO = "MFO"  # must finish on


DATED_CONSTRAINTS = frozenset(
    {
        ConstraintType.SNET,
        ConstraintType.SNLT,
        ConstraintType.FNET,
        ConstraintType.FNLT,
        ConstraintType.MSO,
        ConstraintType.MFO,
    }
)
HARD_CONSTRAINTS = frozenset({ConstraintType.SNLT, ConstraintType.FNLT, ConstraintType.MSO, ConstraintType.MFO})
LAG_PERCENT_MIN = -100
LAG_PERCENT_MAX = 1000


class NetworkError(Invalid):
    """The network cannot be scheduled as given; the message names the task or link at fault."""

    code = "network_invalid"

    def __init__(
        self, message: str, *, task: TaskId | None = None, link: Link | None = None, field: str | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.task = task
        self.link = link


class CycleError(NetworkError):
    """The links form a cycle; ``cycle`` holds the task ids in link order (the first is not repeated)."""

    code = "dependency_cycle"

    def __init__(self, cycle: tuple[TaskId, ...], names: Sequence[str]) -> None:
        chain = " → ".join([*names, names[0]])
        super().__init__(f"The links form a cycle: {chain}. Remove one of these links.", task=cycle[0], field="links")
        self.cycle = cycle


@dataclass(frozen=True, slots=True)
class Task:
    """One task. Only ``id`` is required; see the module docstring for units.

    Scheduling: ``manual`` tasks keep ``manual_start`` (the project start when missing) and ``manual_finish``
    (start + duration when missing); automatic tasks follow their links and ``constraint``. A constraint
    date given as a plain date means the start of that day for start constraints and the end of that day
    for finish constraints.

    Progress: ``actual_start`` fixes the start; ``actual_finish`` (or 100 %) completes the task;
    ``percent_complete`` (0–100) of the duration is done and the rest (``remaining``, when given, replaces
    ``duration - done``) is scheduled from the status date when the task is behind.
    """

    id: TaskId
    name: str = ""
    duration: int = 0
    calendar: str | None = None
    parent: TaskId | None = None
    manual: bool = False
    manual_start: datetime | None = None
    manual_finish: datetime | None = None
    constraint: ConstraintType = ConstraintType.ASAP
    constraint_date: date | datetime | None = None
    actual_start: datetime | None = None
    actual_finish: datetime | None = None
    percent_complete: int | Decimal = 0
    remaining: int | None = None
    work: int = 0
    cost: int = 0

    @property
    def label(self) -> str:
        return f"'{self.name}' ({self.id})" if self.name and self.name != str(self.id) else str(self.id)


@dataclass(frozen=True, slots=True)
class Link:
    """``pred`` → ``succ``. ``lag`` in working minutes of the successor's calendar (negative: a lead), or
    ``lag_percent`` of the predecessor's duration (then ``lag`` must be 0)."""

    pred: TaskId
    succ: TaskId
    kind: LinkKind = LinkKind.FS
    lag: int = 0
    lag_percent: int | Decimal | None = None

    @property
    def label(self) -> str:
        if self.lag_percent is not None:
            lag = f" {'+' if self.lag_percent >= 0 else ''}{self.lag_percent}%"
        else:
            lag = f" {'+' if self.lag >= 0 else ''}{self.lag}min" if self.lag else ""
        return f"{self.pred} → {self.succ} ({self.kind}{lag})"


@dataclass(frozen=True, kw_only=True)
class Network:
    """A project to schedule. ``calendar`` is the project's calendar (tasks without their own use it);
    ``calendars`` maps the ids tasks name in ``Task.calendar``; ``deadline`` (optional) is the date the
    backward pass starts from instead of the computed project finish."""

    tasks: Sequence[Task]
    links: Sequence[Link] = ()
    calendar: Calendar
    calendars: Mapping[str, Calendar] = field(default_factory=dict)
    deadline: date | datetime | None = None

    def calendar_of(self, task: Task) -> Calendar:
        if task.calendar is None:
            return self.calendar
        if task.calendar == self.calendar.id:
            return self.calendars.get(task.calendar, self.calendar)
        found = self.calendars.get(task.calendar)
        if found is None:
            raise NetworkError(f"Task {task.label} uses the unknown calendar {task.calendar!r}.", task=task.id)
        return found
