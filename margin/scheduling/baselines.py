"""Baselines: frozen copies of a plan, and the variance of the current plan against one.

Like MS Project, a project has up to 11 baselines: slot 0 is "Baseline", slots 1–10 "Baseline1" …
"Baseline10". :func:`baseline_slot` decides which slot a save goes to and refuses an 12th or an overwrite
that was not asked for; the caller stores the :class:`Baseline` (its tasks are plain values, so a baseline
read back from the database is built with the same dataclasses).

Variances are current minus baseline: positive means later, longer, more work or more cost. Start and
finish variances are working minutes on the task's current calendar (MS Project counts them the same way),
also given in days of that calendar's length.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from margin.core.errors import Conflict as ConflictError
from margin.core.errors import Invalid
from margin.scheduling.calendars import Calendar
from margin.scheduling.cpm import Schedule
from margin.scheduling.network import TaskId

MAX_BASELINES = 11


class BaselineError(Invalid):
    code = "baseline_invalid"


class BaselineSlotTaken(ConflictError):
    code = "baseline_taken"


def baseline_name(index: int) -> str:
    """0 → "Baseline", 1 → "Baseline1" … 10 → "Baseline10"."""
    _check_index(index)
    return "Baseline" if index == 0 else f"Baseline{index}"


def _check_index(index: int) -> None:
    if type(index) is not int or not 0 <= index < MAX_BASELINES:
        raise BaselineError(
            f"A project has {MAX_BASELINES} baselines, numbered 0 to {MAX_BASELINES - 1}; {index!r} is not one.",
            field="index",
        )


def baseline_slot(used: Iterable[int], index: int | None = None, *, overwrite: bool = False) -> int:
    """The slot a new baseline goes to. ``used``: the slots the project already has.

    Without ``index``, the first free slot; when all 11 are taken, :class:`BaselineError`. With ``index``,
    that slot; if it is taken, :class:`BaselineSlotTaken` unless ``overwrite``.
    """
    taken = set(used)
    for slot in taken:
        _check_index(slot)
    if index is None:
        for slot in range(MAX_BASELINES):
            if slot not in taken:
                return slot
        raise BaselineError(
            f"All {MAX_BASELINES} baselines of this project are in use; overwrite or clear one first.", field="index"
        )
    _check_index(index)
    if index in taken and not overwrite:
        raise BaselineSlotTaken(
            f"{baseline_name(index)} is already saved; overwrite it or pick another.", field="index"
        )
    return index


@dataclass(frozen=True, slots=True)
class BaselineTask:
    """One task as it was planned. ``duration`` and ``work`` in working minutes, ``cost`` in minor units;
    ``calendar`` is the id of the calendar it was scheduled on (earned value spreads its cost over it)."""

    task: TaskId
    start: datetime
    finish: datetime
    duration: int
    work: int
    cost: int
    calendar: str
    parent: TaskId | None = None
    summary: bool = False


@dataclass(frozen=True)
class Baseline:
    index: int
    name: str
    tasks: Mapping[TaskId, BaselineTask]
    start: datetime
    finish: datetime
    duration: int  # working minutes on the project calendar
    work: int
    cost: int
    saved_at: datetime | None = None


def baseline_capture(
    schedule: Schedule, *, index: int = 0, name: str | None = None, saved_at: datetime | None = None
) -> Baseline:
    """A frozen copy of every task's scheduled start, finish, duration, work and cost."""
    _check_index(index)
    tasks: dict[TaskId, BaselineTask] = {}
    for t in schedule:
        parent = schedule.source(t.id).parent
        tasks[t.id] = BaselineTask(t.id, t.start, t.finish, t.duration, t.work, t.cost, t.calendar, parent, t.summary)
    project = schedule.project
    return Baseline(
        index=index,
        name=name or baseline_name(index),
        tasks=MappingProxyType(tasks),
        start=project.start,
        finish=project.finish,
        duration=project.duration,
        work=project.work,
        cost=project.cost,
        saved_at=saved_at,
    )


@dataclass(frozen=True, slots=True)
class TaskVariance:
    """Current minus baseline (``task`` None for the project)."""

    task: TaskId | None
    start: int  # working minutes
    finish: int
    duration: int
    work: int
    cost: int
    start_days: Decimal
    finish_days: Decimal
    duration_days: Decimal


@dataclass(frozen=True)
class Variance:
    baseline: str
    tasks: Mapping[TaskId, TaskVariance]
    project: TaskVariance
    added: tuple[TaskId, ...]  # in the plan, not in the baseline
    removed: tuple[TaskId, ...]  # in the baseline, no longer in the plan


def _variance(
    task: TaskId | None, cal: Calendar, start: datetime, finish: datetime, duration: int, work: int, cost: int,
    base_start: datetime, base_finish: datetime, base_duration: int, base_work: int, base_cost: int,
) -> TaskVariance:  # fmt: skip
    sv = cal.working_between(base_start, start)
    fv = cal.working_between(base_finish, finish)
    dv = duration - base_duration
    days = cal.minutes_to_days
    return TaskVariance(task, sv, fv, dv, work - base_work, cost - base_cost, days(sv), days(fv), days(dv))


def variance(current: Schedule, baseline: Baseline) -> Variance:
    """Per task and for the project: start, finish and duration variance, work and cost variance."""
    out: dict[TaskId, TaskVariance] = {}
    added: list[TaskId] = []
    for t in current:
        b = baseline.tasks.get(t.id)
        if b is None:
            added.append(t.id)
            continue
        cal = current.calendar_of(t.id)
        out[t.id] = _variance(
            t.id, cal, t.start, t.finish, t.duration, t.work, t.cost, b.start, b.finish, b.duration, b.work, b.cost
        )
    removed = tuple(task_id for task_id in baseline.tasks if task_id not in current)
    project = current.project
    whole = _variance(
        None, current.calendar, project.start, project.finish, project.duration, project.work, project.cost,
        baseline.start, baseline.finish, baseline.duration, baseline.work, baseline.cost,
    )  # fmt: skip
    return Variance(baseline.name, out, whole, tuple(added), removed)
