"""The critical path method on a :class:`~margin.scheduling.network.Network`.

``schedule(network, project_start, status_date=None)`` returns a :class:`Schedule`:

1. **Checks** the input; bad input raises :class:`NetworkError` naming the task or link, a dependency cycle
   raises :class:`CycleError` naming the tasks in it, in link order.
2. **Forward pass** in topological order (Kahn) on integer working minutes, each task on its own calendar:
   early start = the latest of the project start, the status date (for work not yet started) and every
   incoming link's bound (FS: pred finish + lag ≤ start; SS: pred start + lag ≤ start; FF: pred finish + lag
   ≤ finish; SF: pred start + lag ≤ finish); then the constraint (SNET/FNET push it later; MSO/MFO set it
   and win over links, as MS Project does; SNLT/FNLT let the links win). A link that breaks a hard
   constraint yields a :class:`Conflict`. Manual tasks keep their dates (a link they break is a conflict);
   a started task starts at its actual start and its remaining duration runs from the status date when it
   is behind. A link between tasks on different calendars maps the predecessor's date onto the successor's
   calendar (through the clock) and counts the lag there.
3. **Backward pass** from the project finish (or the network's deadline): late finish = the earliest of the
   project finish and every outgoing link's bound, then SNLT/FNLT/MSO/MFO. Total float = late finish - early
   finish; free float = how far the task can slip without moving any successor's early date (never below
   0 nor above the total float).
4. **Scheduled dates**: early dates, except ALAP tasks, pushed as late as their successors' scheduled dates
   allow (MS Project's ALAP), and manual tasks (their own dates).
5. **Critical path**: tasks with total float ≤ 0 that are not complete; a driving link is one whose bound
   equals its successor's early start; critical links are driving links between critical tasks.

Datetimes are built lazily, when a task's :class:`ScheduledTask` is first asked for; the passes only touch
integers. Summary tasks are rolled up from their children (start = min, finish = max, work and cost summed,
% complete weighted by work, else by duration).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from margin.scheduling.calendars import Calendar, clock_of, datetime_of
from margin.scheduling.network import (
    LAG_PERCENT_MAX,
    LAG_PERCENT_MIN,
    ConstraintType,
    CycleError,
    Link,
    LinkKind,
    Network,
    NetworkError,
    Task,
    TaskId,
)

__all__ = ["Conflict", "CycleError", "Moved", "NetworkError", "Schedule", "ScheduledTask", "WorkingDates", "diff",
           "schedule"]  # fmt: skip

ConflictKind = Literal["constraint", "manual", "deadline"]

_KIND_CODE = {"FS": 0, "SS": 1, "FF": 2, "SF": 3}
_PRED_FINISH = (True, False, True, False)  # which end of the predecessor a link kind starts from
_SUCC_FINISH = (False, False, True, True)  # which end of the successor it constrains
_KIND_NAME = ("FS", "SS", "FF", "SF")
_ASAP, _ALAP, _SNET, _SNLT, _FNET, _FNLT, _MSO, _MFO = range(8)
_CONSTRAINT_CODE = {
    ConstraintType.ASAP: _ASAP,
    ConstraintType.ALAP: _ALAP,
    ConstraintType.SNET: _SNET,
    ConstraintType.SNLT: _SNLT,
    ConstraintType.FNET: _FNET,
    ConstraintType.FNLT: _FNLT,
    ConstraintType.MSO: _MSO,
    ConstraintType.MFO: _MFO,
}
_FINISH_CONSTRAINTS = frozenset({_FNET, _FNLT, _MFO})
_AUTO, _MANUAL, _ACTUAL = 0, 1, 2
_INF = 1 << 62
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Conflict:
    """A constraint, a manual task or the deadline that the links do not let be met."""

    task: TaskId | None
    kind: ConflictKind
    message: str
    link: Link | None = None


@dataclass(frozen=True, slots=True)
class WorkingDates:
    """A task's dates in working minutes on its calendar (cheap: no datetimes)."""

    start: int
    finish: int
    early_start: int
    early_finish: int
    late_start: int
    late_finish: int
    total_float: int
    free_float: int


@dataclass(frozen=True, slots=True)
class ScheduledTask:
    """One task of a :class:`Schedule`. ``start``/``finish`` are the scheduled dates (what a Gantt draws);
    floats and ``duration`` are working minutes on ``calendar``."""

    id: TaskId
    name: str
    summary: bool
    milestone: bool
    manual: bool
    critical: bool
    calendar: str
    start: datetime
    finish: datetime
    early_start: datetime
    early_finish: datetime
    late_start: datetime
    late_finish: datetime
    duration: int
    total_float: int
    free_float: int
    work: int
    cost: int
    percent_complete: Decimal
    working: WorkingDates


@dataclass(frozen=True, slots=True)
class ProjectTotals:
    start: datetime
    finish: datetime
    duration: int  # working minutes on the project calendar
    work: int
    cost: int
    percent_complete: Decimal


@dataclass(frozen=True, slots=True)
class Moved:
    """A task whose scheduled dates differ between two schedules (None: the task is new, or gone)."""

    task: TaskId
    old_start: datetime | None
    old_finish: datetime | None
    new_start: datetime | None
    new_finish: datetime | None


def _fmt(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def _end_clock(value: date | datetime) -> int:
    """A datetime's clock; a plain date's end (for finish constraints, status dates and deadlines)."""
    if isinstance(value, datetime):
        return clock_of(value)
    return clock_of(value + timedelta(days=1))


def _round_percent(value: int, percent: int | Decimal) -> int:
    if isinstance(percent, int) and value >= 0 and percent >= 0:
        return (value * percent * 2 + 100) // 200
    return int((Decimal(value) * Decimal(percent) / _HUNDRED).to_integral_value(rounding=ROUND_HALF_UP))


def _whole(task: Task, value: object, what: str) -> int:
    if type(value) is not int:
        raise NetworkError(f"Task {task.label}: {what} must be whole minutes, not {value!r}.", task=task.id)
    return value


class Schedule:
    """The result of :func:`schedule`. Index it by task id for a :class:`ScheduledTask`; iterate it for all
    tasks in input order. ``conflicts`` lists what could not be met; ``critical`` the critical leaf tasks."""

    def __init__(self, run: _Run) -> None:
        self._r = run
        self.network = run.network
        self.conflicts: tuple[Conflict, ...] = tuple(run.conflicts)
        self.project_start: datetime = datetime_of(run.ps_clock)
        self.status_date: datetime | None = None if run.st_clock is None else datetime_of(run.st_clock)
        self._cache: list[ScheduledTask | None] = [None] * len(run.tasks)
        self._rolled = False

    # --- lookups -----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._r.tasks)

    def __contains__(self, task_id: object) -> bool:
        return task_id in self._r.index

    def __getitem__(self, task_id: TaskId) -> ScheduledTask:
        i = self._r.index.get(task_id)
        if i is None:
            raise KeyError(task_id)
        return self._task(i)

    def __iter__(self) -> Iterator[ScheduledTask]:
        for i in range(len(self._r.tasks)):
            yield self._task(i)

    @property
    def tasks(self) -> list[ScheduledTask]:
        return list(self)

    @property
    def order(self) -> tuple[TaskId, ...]:
        """The leaf tasks in the topological order the passes used."""
        tasks = self._r.tasks
        return tuple(tasks[i].id for i in self._r.order)

    def source(self, task_id: TaskId) -> Task:
        """The input :class:`Task` a scheduled task came from."""
        return self._r.tasks[self._r.index[task_id]]

    def calendar_of(self, task_id: TaskId) -> Calendar:
        """The calendar a task was scheduled on (a summary task's own calendar, else the project's)."""
        r = self._r
        return r.cals[r.cal_of[r.index[task_id]]]

    @property
    def calendar(self) -> Calendar:
        """The project's calendar."""
        return self._r.cals[0]

    def working(self, task_id: TaskId) -> WorkingDates:
        """Working-minute dates of a task without building datetimes (a summary's on its calendar)."""
        i = self._r.index[task_id]
        if self._r.is_summary[i]:
            return self._task(i).working
        return self._working(i)

    def _working(self, i: int) -> WorkingDates:
        r = self._r
        return WorkingDates(r.SS[i], r.SF[i], r.ES[i], r.EF[i], r.LS[i], r.LF[i], r.LF[i] - r.EF[i], r.FF[i])

    # --- the critical path -------------------------------------------------------------------------
    @property
    def critical(self) -> frozenset[TaskId]:
        r = self._r
        return frozenset(r.tasks[i].id for i in r.order if r.crit[i])

    def _driving(self) -> list[int]:
        r = self._r
        es, mode, lb, lsu = r.ES, r.mode, r.lb, r.lsu
        return [k for k in range(len(lsu)) if mode[lsu[k]] == _AUTO and lb[k] == es[lsu[k]]]

    def _originals(self, expanded: list[int]) -> tuple[Link, ...]:
        links = self._r.links
        seen: dict[int, None] = {}
        for k in expanded:
            seen.setdefault(self._r.lorig[k])
        return tuple(links[j] for j in seen)

    @property
    def driving_links(self) -> tuple[Link, ...]:
        """Links that set their successor's early start (zero link slack)."""
        return self._originals(self._driving())

    @property
    def critical_links(self) -> tuple[Link, ...]:
        """Driving links between two critical tasks: the arrows of the critical path."""
        r = self._r
        return self._originals([k for k in self._driving() if r.crit[r.lp[k]] and r.crit[r.lsu[k]]])

    def critical_paths(self, limit: int = 100) -> list[tuple[TaskId, ...]]:
        """Chains of critical tasks joined by critical links, from a task with no critical predecessor to one
        with no critical successor (at most ``limit`` chains, in topological order)."""
        r = self._r
        nxt: dict[int, list[int]] = {}
        has_pred: set[int] = set()
        for k in self._driving():
            p, s = r.lp[k], r.lsu[k]
            if r.crit[p] and r.crit[s]:
                targets = nxt.setdefault(p, [])
                if s not in targets:
                    targets.append(s)
                has_pred.add(s)
        pos = r.pos
        for targets in nxt.values():
            targets.sort(key=pos.__getitem__)
        paths: list[tuple[TaskId, ...]] = []
        for start in r.order:
            if not r.crit[start] or start in has_pred:
                continue
            stack: list[tuple[int, tuple[int, ...]]] = [(start, (start,))]
            while stack and len(paths) < limit:
                node, path = stack.pop()
                following = nxt.get(node)
                if not following:
                    paths.append(tuple(r.tasks[i].id for i in path))
                    continue
                for s in reversed(following):
                    stack.append((s, (*path, s)))
            if len(paths) >= limit:
                break
        return paths

    # --- project -----------------------------------------------------------------------------------
    @property
    def project_finish(self) -> datetime:
        return datetime_of(self._r.pf_clock())

    @property
    def project(self) -> ProjectTotals:
        r = self._r
        self._rollup()
        roots = [i for i in range(len(r.tasks)) if r.parent[i] == -1]
        cal = r.cals[0]
        start_clock = min((self._clocks[i][0] for i in roots), default=r.ps_clock)
        finish_clock = max((self._clocks[i][1] for i in roots), default=r.ps_clock)
        work = sum(self._work[i] for i in roots)
        cost = sum(self._cost[i] for i in roots)
        pct = _weighted([(self._work[i], self._dur[i], self._pct[i]) for i in roots])
        duration = cal.working_at_clock(finish_clock) - cal.working_at_clock(start_clock)
        return ProjectTotals(datetime_of(start_clock), datetime_of(finish_clock), duration, work, cost, pct)

    # --- building ScheduledTask lazily ------------------------------------------------------------
    def _leaf_clocks(self, i: int) -> tuple[int, int, int, int, int, int]:
        r = self._r
        cal = r.cals[r.cal_of[i]]
        at = cal.clock_at_working
        ps = r.ps_w[r.cal_of[i]]
        if r.EF[i] == r.ES[i]:  # a milestone sits at the finish of what precedes it, or at the project start
            s = at(r.SS[i], as_finish=r.SS[i] > ps)
            e = at(r.ES[i], as_finish=r.ES[i] > ps)
            late = at(r.LS[i], as_finish=r.LS[i] > ps)
            return s, s, e, e, late, late
        return (
            at(r.SS[i], as_finish=False),
            at(r.SF[i], as_finish=True),
            at(r.ES[i], as_finish=False),
            at(r.EF[i], as_finish=True),
            at(r.LS[i], as_finish=False),
            at(r.LF[i], as_finish=True),
        )

    def _rollup(self) -> None:
        if self._rolled:
            return
        r = self._r
        n = len(r.tasks)
        clocks: list[tuple[int, int, int, int, int, int]] = [(0, 0, 0, 0, 0, 0)] * n
        work = [0] * n
        cost = [0] * n
        dur = [0] * n
        pct: list[Decimal] = [Decimal(0)] * n
        tf = [0] * n
        ff = [0] * n
        crit = [False] * n
        for i in r.tree_order:  # children before parents
            if not r.is_summary[i]:
                task = r.tasks[i]
                clocks[i] = self._leaf_clocks(i)
                work[i], cost[i], dur[i] = task.work, task.cost, r.eff[i]
                pct[i] = r.pct[i]
                tf[i], ff[i], crit[i] = r.LF[i] - r.EF[i], r.FF[i], r.crit[i]
                continue
            kids = r.children[i]
            ks = [clocks[k] for k in kids]
            clocks[i] = (
                min(c[0] for c in ks),
                max(c[1] for c in ks),
                min(c[2] for c in ks),
                max(c[3] for c in ks),
                min(c[4] for c in ks),
                max(c[5] for c in ks),
            )
            cal = r.cals[r.cal_of[i]]
            dur[i] = cal.working_at_clock(clocks[i][1]) - cal.working_at_clock(clocks[i][0])
            work[i] = sum(work[k] for k in kids)
            cost[i] = sum(cost[k] for k in kids)
            pct[i] = _weighted([(work[k], dur[k], pct[k]) for k in kids])
            tf[i] = min(tf[k] for k in kids)
            ff[i] = min(ff[k] for k in kids)
            crit[i] = any(crit[k] for k in kids)
        self._clocks, self._work, self._cost, self._dur, self._pct = clocks, work, cost, dur, pct
        self._tf, self._ff, self._crit = tf, ff, crit
        self._rolled = True

    def _task(self, i: int) -> ScheduledTask:
        found = self._cache[i]
        if found is not None:
            return found
        r = self._r
        task = r.tasks[i]
        cal = r.cals[r.cal_of[i]]
        if r.is_summary[i]:
            self._rollup()
            c = self._clocks[i]
            w = cal.working_at_clock
            working = WorkingDates(w(c[0]), w(c[1]), w(c[2]), w(c[3]), w(c[4]), w(c[5]), self._tf[i], self._ff[i])
            d = [datetime_of(x) for x in c]
            built = ScheduledTask(
                task.id, task.name, True, False, False, self._crit[i], cal.id, d[0], d[1], d[2], d[3], d[4], d[5],
                self._dur[i], self._tf[i], self._ff[i], self._work[i], self._cost[i], self._pct[i], working,
            )  # fmt: skip
        else:
            c = self._leaf_clocks(i)
            d = [datetime_of(x) for x in c]
            built = ScheduledTask(
                task.id, task.name, False, r.eff[i] == 0, r.mode[i] == _MANUAL, r.crit[i], cal.id,
                d[0], d[1], d[2], d[3], d[4], d[5],
                r.eff[i], r.LF[i] - r.EF[i], r.FF[i], task.work, task.cost, r.pct[i], self._working(i),
            )  # fmt: skip
        self._cache[i] = built
        return built

    def _scheduled_key(self, i: int) -> tuple[object, ...]:
        """What decides a task's drawn bar, cheaply: working minutes and calendar for a leaf."""
        r = self._r
        if r.is_summary[i]:
            self._rollup()
            return ("clock", self._clocks[i][0], self._clocks[i][1])
        cal = r.cals[r.cal_of[i]]
        ps = r.ps_w[r.cal_of[i]]
        return (id(cal), r.SS[i], r.SF[i], r.SS[i] > ps, r.EF[i] == r.ES[i])


def _weighted(items: Sequence[tuple[int, int, Decimal]]) -> Decimal:
    """% complete of a group: weighted by work, else by duration, else a plain mean."""
    if not items:
        return Decimal(0).quantize(_CENT)
    total_work = sum(w for w, _, _ in items)
    if total_work > 0:
        value = sum((Decimal(w) * p for w, _, p in items), Decimal(0)) / total_work
    else:
        total_dur = sum(d for _, d, _ in items)
        if total_dur > 0:
            value = sum((Decimal(d) * p for _, d, p in items), Decimal(0)) / total_dur
        else:
            value = sum((p for _, _, p in items), Decimal(0)) / len(items)
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


class _Run:
    """The compiled network and the passes. Everything is indexed by the task's position in the input."""

    def __init__(self, network: Network, project_start: date | datetime, status_date: date | datetime | None) -> None:
        self.network = network
        self.tasks: tuple[Task, ...] = tuple(network.tasks)
        self.links: tuple[Link, ...] = tuple(network.links)
        self.conflicts: list[Conflict] = []
        self.ps_clock = clock_of(project_start)
        self.st_clock = None if status_date is None else _end_clock(status_date)
        self._index_tasks()
        self._calendars()
        self._leaves()
        self._expand_links()
        self._topological_order()
        self._forward()
        self._project_finish()
        self._backward()
        self._alap()

    # --- structure ---------------------------------------------------------------------------------
    def _index_tasks(self) -> None:
        tasks = self.tasks
        n = len(tasks)
        index: dict[TaskId, int] = {}
        for i, t in enumerate(tasks):
            if t.id in index:
                raise NetworkError(f"Two tasks have the id {t.id!r}.", task=t.id)
            index[t.id] = i
        parent = [-1] * n
        children: dict[int, list[int]] = {}
        for i, t in enumerate(tasks):
            if t.parent is not None:
                p = index.get(t.parent)
                if p is None:
                    raise NetworkError(f"Task {t.label} has an unknown parent {t.parent!r}.", task=t.id, field="parent")
                if p == i:
                    raise NetworkError(f"Task {t.label} cannot be its own parent.", task=t.id, field="parent")
                parent[i] = p
                kids = children.get(p)
                if kids is None:
                    children[p] = [i]
                else:
                    kids.append(i)
        # A loop of parents; and the tree order (children before parents).
        state = [0] * n
        for i in range(n):
            path = []
            j = i
            while j != -1 and state[j] == 0:
                state[j] = 1
                path.append(j)
                j = parent[j]
            if j != -1 and state[j] == 1:
                loop = path[path.index(j) :]
                names = " → ".join(tasks[x].label for x in (*loop, j))
                raise NetworkError(f"The task outline loops: {names}.", task=tasks[j].id, field="parent")
            for x in path:
                state[x] = 2
        roots = [i for i in range(n) if parent[i] == -1]
        top_down = roots
        head = 0
        while head < len(top_down):
            kids = children.get(top_down[head])
            if kids:
                top_down.extend(kids)
            head += 1
        self.index = index
        self.parent = parent
        self.children = children
        is_summary = [False] * n
        for p in children:
            is_summary[p] = True
        self.is_summary = is_summary
        self.tree_order = top_down[::-1]

    def _calendars(self) -> None:
        network = self.network
        cals: list[Calendar] = [network.calendar]
        slots: dict[int, int] = {id(network.calendar): 0}
        cal_of = [0] * len(self.tasks)
        for i, t in enumerate(self.tasks):
            if t.calendar is not None:
                cal = network.calendar_of(t)
                slot = slots.get(id(cal))
                if slot is None:
                    slot = slots[id(cal)] = len(cals)
                    cals.append(cal)
                cal_of[i] = slot
        self.cals = cals
        self.cal_of = cal_of
        self.multi = len(cals) > 1
        self.ps_w = [c.working_at_clock(self.ps_clock) for c in cals]
        self.st_w = None if self.st_clock is None else [c.working_at_clock(self.st_clock) for c in cals]

    def _leaves(self) -> None:
        tasks, n = self.tasks, len(self.tasks)
        cals, cal_of, ps_w, st_w = self.cals, self.cal_of, self.ps_w, self.st_w
        mode = [_AUTO] * n
        eff = [0] * n
        done = [0] * n
        rem = [0] * n
        ctype = [_ASAP] * n
        cw = [0] * n
        complete = [False] * n
        started = [False] * n
        pct: list[Decimal] = [Decimal(0)] * n
        ES = [0] * n
        EF = [0] * n
        floor = [max(p, s) for p, s in zip(ps_w, st_w, strict=True)] if st_w else ps_w
        self.floor = floor
        zero = Decimal(0)  # pct[0] would fail on a project with no tasks
        asap = ConstraintType.ASAP
        for i, t in enumerate(tasks):
            if self.is_summary[i]:
                if t.constraint != ConstraintType.ASAP:
                    raise NetworkError(
                        f"Summary task {t.label} cannot carry a {t.constraint} constraint: its dates come from its "
                        "subtasks. Put the constraint on a subtask.", task=t.id, field="constraint",
                    )  # fmt: skip
                if t.manual:
                    raise NetworkError(
                        f"Summary task {t.label} cannot be scheduled manually: its dates come from its subtasks.",
                        task=t.id, field="manual",
                    )  # fmt: skip
                continue
            d = t.duration
            if type(d) is not int or d < 0:
                raise NetworkError(
                    f"Task {t.label} has an invalid duration {d!r}: it must be whole working minutes, 0 or more.",
                    task=t.id, field="duration",
                )  # fmt: skip
            code = _ASAP if t.constraint is asap else _CONSTRAINT_CODE.get(t.constraint)  # enum hashing is slow
            if code is None:
                raise NetworkError(f"Task {t.label} has an unknown constraint {t.constraint!r}.", task=t.id)
            p = t.percent_complete
            simple = (
                not p and t.remaining is None and t.actual_start is None and t.actual_finish is None and not t.manual
            )
            eff[i] = d
            pct[i] = zero
            if code != _ASAP:
                ctype[i] = code
                if code != _ALAP:
                    cd = t.constraint_date
                    if cd is None:
                        raise NetworkError(
                            f"Task {t.label} has a {t.constraint} constraint without a date.",
                            task=t.id, field="constraint_date",
                        )  # fmt: skip
                    clock = _end_clock(cd) if code in _FINISH_CONSTRAINTS else clock_of(cd)
                    cw[i] = cals[cal_of[i]].working_at_clock(clock)
            if simple:
                continue
            # --- progress and manual scheduling
            if not isinstance(p, int | Decimal) or isinstance(p, bool) or not 0 <= p <= 100:
                raise NetworkError(
                    f"Task {t.label}: % complete must be a number from 0 to 100, not {p!r}.",
                    task=t.id, field="percent_complete",
                )  # fmt: skip
            cal = cals[cal_of[i]]
            is_complete = t.actual_finish is not None or p >= 100
            if t.actual_finish is not None and t.actual_start is None:
                raise NetworkError(
                    f"Task {t.label} has an actual finish but no actual start.", task=t.id, field="actual_start"
                )
            dn = d if is_complete else _round_percent(d, p)
            if t.remaining is not None and not is_complete:
                rm = _whole(t, t.remaining, "the remaining duration")
                if rm < 0:
                    raise NetworkError(f"Task {t.label} has a negative remaining duration.", task=t.id)
            else:
                rm = 0 if is_complete else d - dn
            done[i], rem[i], eff[i] = dn, rm, dn + rm
            complete[i] = is_complete
            started[i] = is_complete or p > 0 or t.actual_start is not None
            pct[i] = _HUNDRED.quantize(_CENT) if is_complete else Decimal(p).quantize(_CENT, rounding=ROUND_HALF_UP)
            if eff[i] > 0 and t.remaining is not None and not is_complete:
                pct[i] = (Decimal(dn) * _HUNDRED / eff[i]).quantize(_CENT, rounding=ROUND_HALF_UP)
            if t.actual_start is not None:
                mode[i] = _ACTUAL
                es = cal.to_working(t.actual_start)
                if t.actual_finish is not None:
                    ef = cal.to_working(t.actual_finish)
                    if ef < es:
                        raise NetworkError(
                            f"Task {t.label} finishes ({t.actual_finish}) before it starts ({t.actual_start}).",
                            task=t.id, field="actual_finish",
                        )  # fmt: skip
                    eff[i] = ef - es
                elif st_w is not None and rm > 0:
                    ef = max(es + dn, st_w[cal_of[i]]) + rm
                else:
                    ef = es + dn + rm
                ES[i], EF[i] = es, ef
            elif t.manual:
                mode[i] = _MANUAL
                es = ps_w[cal_of[i]] if t.manual_start is None else cal.to_working(t.manual_start)
                if t.manual_finish is not None:
                    ef = cal.working_at_clock(_end_clock(t.manual_finish))
                    if ef < es:
                        raise NetworkError(
                            f"Manual task {t.label} finishes ({t.manual_finish}) before it starts ({t.manual_start}).",
                            task=t.id, field="manual_finish",
                        )  # fmt: skip
                    eff[i] = ef - es
                else:
                    ef = es + eff[i]
                ES[i], EF[i] = es, ef
        self.mode, self.eff, self.done, self.rem, self.ctype, self.cw = mode, eff, done, rem, ctype, cw
        self.complete, self.started, self.pct, self.ES, self.EF = complete, started, pct, ES, EF
        self.crit: list[bool] = [False] * n

    def _leaves_under(self, i: int) -> list[int]:
        out: list[int] = []
        stack = [i]
        while stack:
            j = stack.pop()
            if self.is_summary[j]:
                stack.extend(reversed(self.children[j]))
            else:
                out.append(j)
        return out

    def _is_ancestor(self, a: int, b: int) -> bool:
        j = self.parent[b]
        while j != -1:
            if j == a:
                return True
            j = self.parent[j]
        return False

    def _expand_links(self) -> None:
        tasks, index, is_summary, eff, cal_of = self.tasks, self.index, self.is_summary, self.eff, self.cal_of
        n = len(tasks)
        lp: list[int] = []
        lsu: list[int] = []
        lorig: list[int] = []
        lk: list[int] = []  # link kind 0..3 (FS, SS, FF, SF); + 4 when the two tasks are on different calendars
        lg: list[int] = []
        fs_code, ss_code, ff_code, sf_code = LinkKind.FS, LinkKind.SS, LinkKind.FF, LinkKind.SF
        multi = self.multi
        for j, link in enumerate(self.links):
            p = index.get(link.pred)
            s = index.get(link.succ)
            if p is None or s is None:
                which = "predecessor" if p is None else "successor"
                missing = link.pred if p is None else link.succ
                raise NetworkError(f"Link {link.label} names an unknown {which} task {missing!r}.", link=link)
            if p == s:
                raise NetworkError(f"Link {link.label}: task {tasks[p].label} cannot depend on itself.", link=link)
            k_in = link.kind  # compared by identity first: hashing an enum member is slow
            kind = (
                0 if k_in is fs_code else 1 if k_in is ss_code else 2 if k_in is ff_code else 3 if k_in is sf_code
                else _KIND_CODE.get(str(k_in), -1)
            )  # fmt: skip
            if kind < 0:
                raise NetworkError(
                    f"Link {link.label} has an unknown kind {link.kind!r}; use FS, SS, FF or SF.", link=link
                )
            lag = link.lag
            if type(lag) is not int:
                raise NetworkError(f"Link {link.label}: the lag must be whole working minutes, not {lag!r}.", link=link)
            percent = link.lag_percent
            if percent is not None:
                if lag:
                    raise NetworkError(f"Link {link.label} has both a lag and a % lag; give one.", link=link)
                if isinstance(percent, bool) or not isinstance(percent, int | Decimal):
                    raise NetworkError(f"Link {link.label}: the % lag must be a number, not {percent!r}.", link=link)
                if not LAG_PERCENT_MIN <= percent <= LAG_PERCENT_MAX:
                    raise NetworkError(
                        f"Link {link.label}: a % lag must lie between {LAG_PERCENT_MIN} % and {LAG_PERCENT_MAX} %.",
                        link=link,
                    )
            if is_summary[p] or is_summary[s]:
                if is_summary[s] and kind >= 2:
                    raise NetworkError(
                        f"Link {link.label}: a {_KIND_NAME[kind]} link cannot end on summary task {tasks[s].label} "
                        "(as in MS Project); link to one of its subtasks.", link=link,
                    )  # fmt: skip
                if is_summary[p] and kind in (1, 3):
                    raise NetworkError(
                        f"Link {link.label}: a {_KIND_NAME[kind]} link cannot start from summary task "
                        f"{tasks[p].label}; link from one of its subtasks.", link=link,
                    )  # fmt: skip
                if is_summary[p] and percent is not None:
                    raise NetworkError(
                        f"Link {link.label}: a % lag needs a predecessor with its own duration, and "
                        f"{tasks[p].label} is a summary task.", link=link,
                    )  # fmt: skip
                if self._is_ancestor(p, s) or self._is_ancestor(s, p):
                    raise NetworkError(
                        f"Link {link.label}: a summary task cannot be linked to its own subtask.", link=link
                    )
                preds = self._leaves_under(p) if is_summary[p] else [p]
                succs = self._leaves_under(s) if is_summary[s] else [s]
                for a in preds:
                    this_lag = lag if percent is None else _round_percent(eff[a], percent)
                    for b in succs:
                        lp.append(a)
                        lsu.append(b)
                        lorig.append(j)
                        lk.append(kind + 4 if multi and cal_of[a] != cal_of[b] else kind)
                        lg.append(this_lag)
                continue
            lp.append(p)
            lsu.append(s)
            lorig.append(j)
            lk.append(kind + 4 if multi and cal_of[p] != cal_of[s] else kind)
            lg.append(lag if percent is None else _round_percent(eff[p], percent))
        self.lp, self.lsu, self.lorig, self.lk, self.lg = lp, lsu, lorig, lk, lg
        # Compressed adjacency: the links into task i are in_links[in_start[i]:in_start[i + 1]], and so on.
        self.in_start, self.in_links = _csr(n, lsu)
        self.out_start, self.out_links = _csr(n, lp)

    def _topological_order(self) -> None:
        n = len(self.tasks)
        in_start, out_start, out_links, lsu = self.in_start, self.out_start, self.out_links, self.lsu
        indeg = [in_start[i + 1] - in_start[i] for i in range(n)]
        is_summary = self.is_summary
        queue = [i for i in range(n) if indeg[i] == 0 and not is_summary[i]]
        head = 0
        while head < len(queue):
            i = queue[head]
            for k in out_links[out_start[i] : out_start[i + 1]]:
                s = lsu[k]
                indeg[s] -= 1
                if indeg[s] == 0:
                    queue.append(s)
            head += 1
        leaves = n - sum(is_summary)
        if len(queue) < leaves:
            self._raise_cycle(indeg)
        pos = [0] * n
        for p, i in enumerate(queue):
            pos[i] = p
        self.order = queue
        self.pos = pos

    def _raise_cycle(self, indeg: list[int]) -> None:
        # Every task left with indeg > 0 has a predecessor also left: walk back until a task repeats.
        start = min(i for i in range(len(indeg)) if indeg[i] > 0)
        seen: dict[int, int] = {}
        walk: list[int] = []
        j = start
        while j not in seen:
            seen[j] = len(walk)
            walk.append(j)
            j = next(
                self.lp[k] for k in self.in_links[self.in_start[j] : self.in_start[j + 1]] if indeg[self.lp[k]] > 0
            )
        cycle = walk[seen[j] :][::-1]  # walked backwards: reverse for link order
        first = cycle.index(min(cycle))
        cycle = cycle[first:] + cycle[:first]
        tasks = self.tasks
        raise CycleError(tuple(tasks[i].id for i in cycle), [tasks[i].label for i in cycle])

    # --- cross-calendar conversions ---------------------------------------------------------------
    def _fwd_cross(self, p: int, s: int, value: int, pred_finish: bool) -> int:
        """A predecessor's date (working minute ``value`` on its calendar) on the successor's calendar."""
        clock = self.cals[self.cal_of[p]].clock_at_working(value, as_finish=pred_finish)
        return self.cals[self.cal_of[s]].working_at_clock(clock)

    def _bwd_cross(self, p: int, s: int, value: int, pred_finish: bool) -> int:
        """The latest predecessor date (on its calendar) that maps to at most ``value`` on the successor's."""
        limit = self.cals[self.cal_of[s]].clock_at_working(value, as_finish=False)
        cal = self.cals[self.cal_of[p]]
        v = cal.working_at_clock(limit)
        if not pred_finish and cal.clock_at_working(v, as_finish=False) > limit:
            v -= 1
        return v

    # --- passes ------------------------------------------------------------------------------------
    def _forward(self) -> None:
        ES, EF, mode, eff, ctype, cw = self.ES, self.EF, self.mode, self.eff, self.ctype, self.cw
        cal_of, floor, started = self.cal_of, self.floor, self.started
        ps_w, st_w, done, rem = self.ps_w, self.st_w, self.done, self.rem
        lp, lk, lg, in_start, in_links = self.lp, self.lk, self.lg, self.in_start, self.in_links
        lb = [0] * len(lp)
        for s in self.order:
            md = mode[s]
            if md == _AUTO:
                e = eff[s]
                b = ps_w[cal_of[s]] if started[s] else floor[cal_of[s]]
                best = -1
                for k in in_links[in_start[s] : in_start[s + 1]]:
                    p = lp[k]
                    kd = lk[k]
                    if kd == 0:
                        x = EF[p] + lg[k]
                    elif kd == 1:
                        x = ES[p] + lg[k]
                    elif kd == 2:
                        x = EF[p] + lg[k] - e
                    elif kd == 3:
                        x = ES[p] + lg[k] - e
                    else:
                        x = self._fwd_link(k, s, e)
                    lb[k] = x
                    if x > b:
                        b = x
                        best = k
                ct = ctype[s]
                if ct > _ALAP:
                    b = self._constrain(s, ct, cw[s], b, e, best)
                ES[s] = b
                if started[s] and rem[s] and st_w is not None:
                    EF[s] = max(b + done[s], st_w[cal_of[s]]) + rem[s]
                else:
                    EF[s] = b + e
            elif md == _MANUAL:
                span = EF[s] - ES[s]
                for k in in_links[in_start[s] : in_start[s + 1]]:
                    x = self._fwd_link(k, s, span)  # as an early start
                    lb[k] = x
                    if x > ES[s]:
                        self._manual_conflict(s, k, x + span if _SUCC_FINISH[lk[k] & 3] else x)
        self.lb = lb

    def _fwd_link(self, k: int, s: int, duration: int) -> int:
        """Link ``k``'s bound on the early start of ``s`` (whose duration is ``duration``), any calendars."""
        p = self.lp[k]
        kind = self.lk[k] & 3
        fp = _PRED_FINISH[kind]
        value = self.EF[p] if fp else self.ES[p]
        if self.lk[k] >= 4:
            value = self._fwd_cross(p, s, value, fp)
        value += self.lg[k]
        return value - duration if _SUCC_FINISH[kind] else value

    def _constrain(self, s: int, ct: int, c: int, b: int, e: int, best: int) -> int:
        """Apply task ``s``'s dated constraint ``ct`` (date ``c``) to its link-driven early start ``b``."""
        if ct == _SNET:
            return max(b, c)
        if ct == _FNET:
            return max(b, c - e)
        if ct == _MSO:
            if b > c:
                self._constraint_conflict(s, "must start on", c, b, False, best)
            return c
        if ct == _MFO:
            if b + e > c:
                self._constraint_conflict(s, "must finish on", c, b + e, True, best)
            return c - e
        if ct == _SNLT and b > c:
            self._constraint_conflict(s, "should start no later than", c, b, False, best)
        elif ct == _FNLT and b + e > c:
            self._constraint_conflict(s, "should finish no later than", c, b + e, True, best)
        return b

    def _date(self, i: int, value: int, finish: bool) -> str:
        return _fmt(self.cals[self.cal_of[i]].from_working(value, as_finish=finish))

    def _because(self, best: int) -> tuple[str, Link | None]:
        if best < 0:
            return ("the project start" if self.st_w is None else "the project start or status date"), None
        link = self.links[self.lorig[best]]
        return f"its {_KIND_NAME[self.lk[best] & 3]} link from {self.tasks[self.lp[best]].label}", link

    def _constraint_conflict(self, s: int, what: str, c: int, got: int, finish: bool, best: int) -> None:
        task = self.tasks[s]
        because, link = self._because(best)
        verb = "finish" if finish else "start"
        outcome = (
            "The constraint is kept, so the link is not met (negative float)."
            if what.startswith("must")
            else "The links win: the task is scheduled later than its constraint (negative float)."
        )
        self.conflicts.append(
            Conflict(
                task.id,
                "constraint",
                f"Task {task.label} {what} {self._date(s, c, finish)} but {because} needs it to {verb} "
                f"{self._date(s, got, finish)}. {outcome}",
                link,
            )
        )

    def _manual_conflict(self, s: int, k: int, x: int) -> None:
        fs = _SUCC_FINISH[self.lk[k] & 3]
        task = self.tasks[s]
        link = self.links[self.lorig[k]]
        pred = self.tasks[self.lp[k]]
        end = "finish" if fs else "start"
        have = self.EF[s] if fs else self.ES[s]
        self.conflicts.append(
            Conflict(
                task.id,
                "manual",
                f"Manual task {task.label} {end}s {self._date(s, have, fs)} but its {_KIND_NAME[self.lk[k] & 3]} link "
                f"from {pred.label} needs it to {end} no earlier than {self._date(s, x, fs)}.",
                link,
            )
        )

    def _project_finish(self) -> None:
        order, EF, cals, cal_of = self.order, self.EF, self.cals, self.cal_of
        if not self.multi:
            pf = max((EF[i] for i in order), default=self.ps_w[0])
            pf = max(pf, self.ps_w[0])
            self.pf_w = [pf]
            self._pf_clock: int | None = None
        else:
            clock = max((cals[cal_of[i]].clock_at_working(EF[i], as_finish=True) for i in order), default=self.ps_clock)
            clock = max(clock, self.ps_clock)
            self._pf_clock = clock
            self.pf_w = [c.working_at_clock(clock) for c in cals]
        self.bound_w = self.pf_w
        deadline = self.network.deadline
        if deadline is not None:
            dl_clock = _end_clock(deadline)
            self.bound_w = [c.working_at_clock(dl_clock) for c in cals]
            if self.pf_w[0] > self.bound_w[0]:
                self.conflicts.append(
                    Conflict(
                        None,
                        "deadline",
                        f"The project finishes {_fmt(datetime_of(self.pf_clock()))}, after its deadline "
                        f"{_fmt(datetime_of(dl_clock))}.",
                    )
                )

    def pf_clock(self) -> int:
        if self._pf_clock is None:
            self._pf_clock = self.cals[0].clock_at_working(self.pf_w[0], as_finish=self.pf_w[0] > self.ps_w[0])
        return self._pf_clock

    def _backward(self) -> None:
        n = len(self.tasks)
        ES, EF, mode, ctype, cw = self.ES, self.EF, self.mode, self.ctype, self.cw
        cal_of, bound_w, pf_w, complete = self.cal_of, self.bound_w, self.pf_w, self.complete
        lsu, lk, lg, out_start, out_links = self.lsu, self.lk, self.lg, self.out_start, self.out_links
        LS = [0] * n
        LF = [0] * n
        FF = [0] * n
        crit = self.crit
        for i in reversed(self.order):
            es, ef = ES[i], EF[i]
            sp = ef - es
            c = cal_of[i]
            lf = bound_w[c]
            a, z = out_start[i], out_start[i + 1]
            if a < z:
                ff = _INF
                for k in out_links[a:z]:
                    s = lsu[k]
                    kd = lk[k]
                    if kd == 0:  # FS
                        late = LS[s] - lg[k]
                        free = ES[s] - lg[k] - ef
                    elif kd == 1:  # SS
                        late = LS[s] - lg[k] + sp
                        free = ES[s] - lg[k] - es
                    elif kd == 2:  # FF
                        late = LF[s] - lg[k]
                        free = EF[s] - lg[k] - ef
                    elif kd == 3:  # SF
                        late = LF[s] - lg[k] + sp
                        free = EF[s] - lg[k] - es
                    else:
                        late = self._bwd_link(k, i, LS[s], LF[s])
                        free = self._bwd_link(k, i, ES[s], EF[s]) - ef
                    if late < lf:
                        lf = late
                    if free < ff:
                        ff = free
            else:
                ff = pf_w[c] - ef
            if mode[i] == _AUTO:
                ct = ctype[i]
                if ct in (_SNLT, _MSO):
                    lf = min(lf, cw[i] + sp)
                elif ct in (_FNLT, _MFO):
                    lf = min(lf, cw[i])
            LF[i] = lf
            LS[i] = lf - sp
            tf = lf - ef
            FF[i] = max(0, min(ff, tf))
            crit[i] = tf <= 0 and not complete[i]
        self.LS, self.LF, self.FF = LS, LF, FF

    def _bwd_link(self, k: int, p: int, succ_start: int, succ_finish: int) -> int:
        """Link ``k``'s bound on the finish of its predecessor ``p`` given the successor's dates, any calendars."""
        s = self.lsu[k]
        kind = self.lk[k] & 3
        fp = _PRED_FINISH[kind]
        value = (succ_finish if _SUCC_FINISH[kind] else succ_start) - self.lg[k]
        if self.lk[k] >= 4:
            value = self._bwd_cross(p, s, value, fp)
        return value if fp else value + self.EF[p] - self.ES[p]

    def _alap(self) -> None:
        ES, EF, LF = self.ES, self.EF, self.LF
        SS = ES[:]
        SF = EF[:]
        alap = [i for i in self.order if self.ctype[i] == _ALAP and self.mode[i] == _AUTO and not self.started[i]]
        out_start, out_links, lsu = self.out_start, self.out_links, self.lsu
        for i in reversed(alap):
            lf = min(LF[i], self.pf_w[self.cal_of[i]])
            for k in out_links[out_start[i] : out_start[i + 1]]:
                s = lsu[k]
                late = self._bwd_link(k, i, SS[s], SF[s])
                if late < lf:
                    lf = late
            if lf > EF[i]:
                SF[i] = lf
                SS[i] = lf - (EF[i] - ES[i])
        self.SS, self.SF = SS, SF


def _csr(n: int, ends: list[int]) -> tuple[list[int], list[int]]:
    """Group link indices by one end: returns (start, links) with the links of task i in
    links[start[i]:start[i + 1]], in input order."""
    start = [0] * (n + 1)
    for x in ends:
        start[x + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    fill = start[:-1]
    links = [0] * len(ends)
    for k, x in enumerate(ends):
        links[fill[x]] = k
        fill[x] += 1
    return start, links


def schedule(network: Network, project_start: date | datetime, status_date: date | datetime | None = None) -> Schedule:
    """Schedule ``network`` from ``project_start`` (a date means its midnight: the first working minute of that
    day). ``status_date`` (a date means the end of that day) moves remaining and unstarted work after it.

    Raises :class:`NetworkError` (invalid input, naming the task or link) or :class:`CycleError`.
    """
    return Schedule(_Run(network, project_start, status_date))


def diff(before: Schedule, after: Schedule) -> list[Moved]:
    """Tasks whose scheduled start or finish differ between two schedules (new and removed tasks too), in
    ``after``'s order, then the removed ones: what a Gantt must redraw."""
    moved: list[Moved] = []
    b_index = before._r.index
    for i, task in enumerate(after._r.tasks):
        j = b_index.get(task.id)
        if j is None:
            new = after._task(i)
            moved.append(Moved(task.id, None, None, new.start, new.finish))
            continue
        if before._scheduled_key(j) == after._scheduled_key(i):
            continue
        old, new = before._task(j), after._task(i)
        if (old.start, old.finish) != (new.start, new.finish):
            moved.append(Moved(task.id, old.start, old.finish, new.start, new.finish))
    a_index = after._r.index
    for j, task in enumerate(before._r.tasks):
        if task.id not in a_index:
            old = before._task(j)
            moved.append(Moved(task.id, old.start, old.finish, None, None))
    return moved
