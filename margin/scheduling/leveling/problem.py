"""A resource-leveling problem and its answer, in integer time units.

The product uses working minutes; the PSPLIB benchmark uses its periods. Times are measured from 0 (the
project's start). Nothing here knows about calendars: the caller maps working time to and from these
integers.

- An :class:`Activity` has a duration, an earliest start (``release``, from constraints or the CPM pass),
  an optional latest finish (``deadline``, soft: a miss is reported, never hidden), an optional
  ``fixed_start`` (a manually scheduled task: it stays where it is) and a ``priority`` (higher is placed
  first by the priority rules and delayed less when two plans are otherwise equal).
- A :class:`Precedence` is a link of kind FS, SS, FF or SF with a lag (negative = lead). Each becomes one
  start-to-start distance: ``S_succ >= S_pred + distance``.
- A :class:`Resource` has a constant capacity in units (100 = one person at 100 %, 1200 = a pool of 12);
  a :class:`Demand` asks for some units of it while its activity runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from margin.core.errors import Invalid

ActivityId = int | str
ResourceId = int | str
LinkKind = Literal["FS", "SS", "FF", "SF"]
LINK_KINDS: tuple[LinkKind, ...] = ("FS", "SS", "FF", "SF")
ViolationKind = Literal["deadline", "link", "capacity", "release"]


class LevelingError(Invalid):
    """The problem cannot be leveled as given (unknown ids, a cycle, a demand above capacity...)."""

    code = "leveling_invalid"


class CycleError(LevelingError):
    """The links form a cycle; ``cycle`` lists the activities in it, in link order."""

    code = "dependency_cycle"

    def __init__(self, cycle: tuple[ActivityId, ...]) -> None:
        names = " → ".join(str(a) for a in (*cycle, cycle[0]))
        super().__init__(f"The links form a cycle: {names}.", field="precedences")
        self.cycle = cycle


@dataclass(frozen=True)
class Activity:
    id: ActivityId
    duration: int
    release: int = 0
    deadline: int | None = None
    fixed_start: int | None = None
    priority: int = 0


@dataclass(frozen=True)
class Precedence:
    pred: ActivityId
    succ: ActivityId
    kind: LinkKind = "FS"
    lag: int = 0

    def distance(self, pred_duration: int, succ_duration: int) -> int:
        """The least ``S_succ - S_pred`` this link allows."""
        if self.kind == "FS":
            return pred_duration + self.lag
        if self.kind == "SS":
            return self.lag
        if self.kind == "FF":
            return pred_duration + self.lag - succ_duration
        return self.lag - succ_duration  # SF: S_succ + d_succ >= S_pred + lag


@dataclass(frozen=True)
class Resource:
    id: ResourceId
    capacity: int


@dataclass(frozen=True)
class Demand:
    activity: ActivityId
    resource: ResourceId
    units: int


@dataclass(frozen=True)
class LevelingProblem:
    activities: tuple[Activity, ...]
    precedences: tuple[Precedence, ...] = ()
    resources: tuple[Resource, ...] = ()
    demands: tuple[Demand, ...] = ()

    @classmethod
    def build(
        cls,
        activities: Iterable[Activity],
        precedences: Iterable[Precedence] = (),
        resources: Iterable[Resource] = (),
        demands: Iterable[Demand] = (),
    ) -> LevelingProblem:
        return cls(tuple(activities), tuple(precedences), tuple(resources), tuple(demands))


@dataclass(frozen=True)
class Violation:
    """A constraint the leveled plan could not keep: shown to the user, never silently dropped.

    ``amount`` is how far it is missed, in time units (capacity: units above the capacity). ``other`` is the
    other end of a broken link (its predecessor; ``activity`` is the successor), or the over-allocated resource.
    """

    kind: ViolationKind
    activity: ActivityId
    amount: int
    message: str
    other: ActivityId | ResourceId | None = None


@dataclass(frozen=True)
class LeveledSchedule:
    """A leveled plan: ``starts`` per activity, ``delays`` = start minus the unleveled early start."""

    starts: dict[ActivityId, int]
    makespan: int
    delays: dict[ActivityId, int]
    method: str
    proven_optimal: bool
    lower_bound: int
    violations: tuple[Violation, ...] = ()
    schedules: int = 0
    elapsed_s: float = 0.0
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        return not self.violations
