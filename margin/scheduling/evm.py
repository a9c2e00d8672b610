"""Earned value management from a baseline, progress and actual cost, as of a status date.

- **BAC** (budget at completion): the task's baseline cost.
- **PV** (planned value): the baseline cost spread linearly over the task's baseline working time on its
  calendar, summed up to the status date (a milestone's cost is planned at its date).
- **EV** (earned value) = BAC × % complete; **AC** (actual cost) as given.
- SV = EV − PV, CV = EV − AC, SPI = EV / PV, CPI = EV / AC, EAC = BAC / CPI, ETC = EAC − AC,
  VAC = BAC − EAC, TCPI = (BAC − EV) / (BAC − AC).

Money is integer minor units (amounts rounded half up to a unit); ratios are :class:`~decimal.Decimal`
rounded half up to 4 places; a division by zero gives None. Summary tasks and the project add up their
leaves' BAC, PV, EV and AC and derive the rest from those sums. A task with actual cost or progress but no
baseline counts with a BAC of 0 (its cost is real even if it was not planned). A status date given as a
plain date means the end of that day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from margin.core.errors import Invalid
from margin.scheduling.baselines import Baseline, BaselineTask
from margin.scheduling.calendars import Calendar
from margin.scheduling.network import TaskId

_RATIO = Decimal("0.0001")


class EarnedValueError(Invalid):
    code = "earned_value_invalid"


@dataclass(frozen=True, slots=True)
class EarnedValue:
    task: TaskId | None  # None for the project
    bac: int
    pv: int
    ev: int
    ac: int
    sv: int
    cv: int
    spi: Decimal | None
    cpi: Decimal | None
    eac: int | None
    etc: int | None
    vac: int | None
    tcpi: Decimal | None


@dataclass(frozen=True)
class EarnedValueReport:
    status_date: datetime
    tasks: Mapping[TaskId, EarnedValue]  # leaves and summaries
    project: EarnedValue


def _ratio(num: int, den: int) -> Decimal | None:
    if den == 0:
        return None
    return (Decimal(num) / Decimal(den)).quantize(_RATIO, rounding=ROUND_HALF_UP)


def _money(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def figures(bac: int, pv: int, ev: int, ac: int, task: TaskId | None = None) -> EarnedValue:
    """Every indicator from the four base amounts (minor units)."""
    eac: int | None = None
    if ac != 0 and ev != 0:  # EAC = BAC / CPI = BAC × AC / EV
        eac = _money(Decimal(bac) * Decimal(ac) / Decimal(ev))
    return EarnedValue(
        task=task,
        bac=bac,
        pv=pv,
        ev=ev,
        ac=ac,
        sv=ev - pv,
        cv=ev - ac,
        spi=_ratio(ev, pv),
        cpi=_ratio(ev, ac),
        eac=eac,
        etc=None if eac is None else eac - ac,
        vac=None if eac is None else bac - eac,
        tcpi=_ratio(bac - ev, bac - ac),
    )


def _status_clock(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day) + timedelta(days=1)  # the end of that day


def planned_value(task: BaselineTask, status_date: date | datetime, calendar: Calendar) -> int:
    """The part of ``task``'s baseline cost planned by ``status_date``, spread over its working time."""
    status = _status_clock(status_date)
    total = calendar.working_between(task.start, task.finish)
    if total <= 0:
        return task.cost if status >= task.finish else 0
    done = calendar.working_between(task.start, status)
    if done <= 0:
        return 0
    if done >= total:
        return task.cost
    return _money(Decimal(task.cost) * done / total)


def _percent(task: TaskId, value: int | Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or not 0 <= value <= 100:
        raise EarnedValueError(f"Task {task}: % complete must be between 0 and 100, not {value!r}.")
    return Decimal(value)


def earned_value(
    baseline: Baseline,
    *,
    status_date: date | datetime,
    percent_complete: Mapping[TaskId, int | Decimal],
    actual_cost: Mapping[TaskId, int],
    calendar: Calendar,
    calendars: Mapping[str, Calendar] | None = None,
) -> EarnedValueReport:
    """Earned value per task (leaves and summaries of the baseline) and for the project.

    ``percent_complete`` and ``actual_cost`` are per leaf task (missing: 0). ``calendar`` is the project's;
    ``calendars`` maps the other calendar ids the baseline's tasks were scheduled on.
    """
    cals = dict(calendars or {})
    leaves: dict[TaskId, tuple[int, int, int, int]] = {}
    for task_id, b in baseline.tasks.items():
        if b.summary:
            continue
        cal = calendar if b.calendar == calendar.id else cals.get(b.calendar)
        if cal is None:
            raise EarnedValueError(f"Task {task_id} was baselined on calendar {b.calendar!r}, which is not given.")
        pct = _percent(task_id, percent_complete.get(task_id, 0))
        ev = _money(Decimal(b.cost) * pct / 100)
        ac = actual_cost.get(task_id, 0)
        leaves[task_id] = (b.cost, planned_value(b, status_date, cal), ev, ac)
    for task_id in _extra(baseline, actual_cost, percent_complete):
        leaves[task_id] = (0, 0, 0, actual_cost.get(task_id, 0))
    tasks: dict[TaskId, EarnedValue] = {k: figures(*v, task=k) for k, v in leaves.items()}
    # Summaries: the sums of the leaves below them.
    sums: dict[TaskId, list[int]] = {}
    for task_id, amounts in leaves.items():
        planned = baseline.tasks.get(task_id)
        parent = planned.parent if planned is not None else None
        seen: set[TaskId] = set()
        while parent is not None and parent not in seen and parent in baseline.tasks:
            seen.add(parent)
            acc = sums.setdefault(parent, [0, 0, 0, 0])
            for i in range(4):
                acc[i] += amounts[i]
            parent = baseline.tasks[parent].parent
    for task_id, b in baseline.tasks.items():
        if b.summary:
            bac, pv, ev, ac = sums.get(task_id, [0, 0, 0, 0])
            tasks[task_id] = figures(bac, pv, ev, ac, task=task_id)
    total = [sum(v[i] for v in leaves.values()) for i in range(4)]
    return EarnedValueReport(_status_clock(status_date), tasks, figures(*total))


def _extra(
    baseline: Baseline, actual_cost: Mapping[TaskId, int], percent_complete: Mapping[TaskId, int | Decimal]
) -> Iterable[TaskId]:
    seen: dict[TaskId, None] = {}
    for task_id in (*actual_cost, *percent_complete):
        if task_id not in baseline.tasks:
            seen.setdefault(task_id)
    return seen


def planned_value_curve(
    baseline: Baseline, dates: Iterable[date | datetime], *, calendar: Calendar,
    calendars: Mapping[str, Calendar] | None = None,
) -> list[tuple[date | datetime, int]]:  # fmt: skip
    """The project's cumulative planned value at each date (the S-curve of a chart)."""
    cals = dict(calendars or {})
    leaves = [b for b in baseline.tasks.values() if not b.summary]
    out: list[tuple[date | datetime, int]] = []
    for when in dates:
        total = 0
        for b in leaves:
            cal = calendar if b.calendar == calendar.id else cals.get(b.calendar)
            if cal is None:
                raise EarnedValueError(f"Task {b.task} was baselined on calendar {b.calendar!r}, which is not given.")
            total += planned_value(b, when, cal)
        out.append((when, total))
    return out
