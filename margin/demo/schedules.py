"""Each project's two schedules, by the real engine (`margin.scheduling`): the signed-off plan, its template
(`specs.TEMPLATES`: durations, FS/SS/FF links with lags, milestones) fitted to the project's weeks, and the current
plan, how the work really went (`ProjectSpec.pace`, `late`, some noise on each started task). As of the project's
last day of work each task is then done, in progress (its share of the scheduled duration elapsed) or to do."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from margin.projects.models import ProjectStatus, TaskStatus
from margin.scheduling.calendars import Calendar
from margin.scheduling.cpm import Schedule, schedule
from margin.scheduling.network import ConstraintType, Link, LinkKind, Network, Task

from .dates import DemoCalendar, day_end
from .specs import ON_HOLD_FROM_WEEK, TEMPLATES, ProjectSpec, TaskSpec

DAY = 480  # working minutes of a standard day


@dataclass
class PlanTask:
    """One leaf task of a project's plan (its summary is its phase)."""

    phase: str
    spec: TaskSpec
    links: list[tuple[str, str, int]]  # (predecessor name, kind, lag in working minutes)
    planned_minutes: int = 0  # duration in the signed-off plan
    minutes: int = 0  # duration in the current plan
    baseline_start: datetime = datetime.min
    baseline_finish: datetime = datetime.min
    start: datetime = datetime.min  # the current plan (what the stored schedule is)
    finish: datetime = datetime.min
    late_start: datetime | None = None  # a "start no earlier than" the current plan had to take
    status: str = TaskStatus.TODO
    percent: int = 0
    estimate_minutes: int = 0
    assignments: dict[str, int] = field(default_factory=dict)  # username → units (100 = full time)
    assignee: str | None = None
    deadline: date | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def actual_start(self) -> datetime | None:
        return self.start if self.status != TaskStatus.TODO else None

    @property
    def actual_finish(self) -> datetime | None:
        return self.finish if self.status == TaskStatus.DONE else None

    def runs_on(self, day: date) -> bool:
        return self.minutes > 0 and self.start.date() <= day <= self.finish.date()


@dataclass
class ProjectPlan:
    spec: ProjectSpec
    calendar: Calendar
    start: date
    end: date  # the signed-off plan's finish
    last_day: date  # the last day time may be logged (the day before the anchor, the hold, the close)
    tasks: list[PlanTask]
    budget_minutes: int = 0

    @property
    def code(self) -> str:
        return self.spec.code

    def task(self, name: str) -> PlanTask:
        return next(t for t in self.tasks if t.name == name)

    def phases(self) -> list[str]:
        return list(dict.fromkeys(t.phase for t in self.tasks))


def _leaves(spec: ProjectSpec) -> list[tuple[str, TaskSpec]]:
    return [(phase.name, task) for phase in TEMPLATES[spec.template] for task in phase.tasks]


def _relative_length(tasks: list[tuple[str, TaskSpec]]) -> float:
    """The template's critical path in its relative days (a forward pass: links point to earlier tasks)."""
    start: dict[str, float] = {}
    finish: dict[str, float] = {}
    for _, task in tasks:
        if task.days is None:
            continue
        days = task.days
        begin = 0.0
        for link in task.after:
            if link.kind == LinkKind.FS:
                begin = max(begin, finish[link.predecessor] + link.lag)
            elif link.kind == LinkKind.SS:
                begin = max(begin, start[link.predecessor] + link.lag)
            else:
                begin = max(begin, finish[link.predecessor] + link.lag - days)
        start[task.name], finish[task.name] = begin, begin + days
    return max(finish.values())


def _network(cal: Calendar, tasks: list[PlanTask], planned: bool, whole: int | None) -> Network:
    rows: list[Task] = []
    links: list[Link] = []
    for t in tasks:
        minutes = t.planned_minutes if planned else t.minutes
        if t.spec.days is None:
            if whole is None:
                continue
            minutes = whole
        late = None if planned else t.late_start
        rows.append(
            Task(
                id=t.name,
                name=t.name,
                duration=minutes,
                constraint=ConstraintType.SNET if late else ConstraintType.ASAP,
                constraint_date=late,
            )
        )
        links.extend(Link(pred, t.name, LinkKind(kind), lag) for pred, kind, lag in t.links)
    return Network(tasks=rows, links=links, calendar=cal)


def _schedule(cal: Calendar, start: date, tasks: list[PlanTask], planned: bool) -> Schedule:
    """The plan with its level-of-effort tasks (project management) running from the start to the working day
    before the rest finishes (so they never make the critical path)."""
    first = schedule(_network(cal, tasks, planned, None), start)
    begin = cal.to_working(datetime.combine(start, time()))
    span = max(cal.to_working(s.finish) for s in first) - begin
    return schedule(_network(cal, tasks, planned, max(DAY, span - DAY)), start)


def _fit(spec: ProjectSpec, cal: Calendar, start: date, end: date) -> list[PlanTask]:
    """The template's tasks with whole-day durations and lags scaled so the plan ends by `end`."""
    leaves = _leaves(spec)
    working_days = max(10, cal.working_between(start, day_end(end)) // DAY)
    scale = working_days / _relative_length(leaves)
    while True:
        tasks = [
            PlanTask(
                phase,
                task,
                [(link.predecessor, str(link.kind), round(link.lag * scale) * DAY) for link in task.after],
                planned_minutes=0 if task.days is None or task.milestone else max(1, round(task.days * scale)) * DAY,
            )
            for phase, task in leaves
        ]
        result = _schedule(cal, start, tasks, planned=True)
        if max(s.finish for s in result).date() <= end or scale < 0.2:
            break
        scale *= 0.97
    for t in tasks:
        t.baseline_start, t.baseline_finish = result[t.name].start, result[t.name].finish
        t.planned_minutes = result[t.name].duration
    return tasks


def project_plan(
    spec: ProjectSpec, cal: DemoCalendar, calendars: dict[str, Calendar], rng: random.Random
) -> ProjectPlan:
    work_calendar = calendars[spec.company]
    start = cal.week(spec.start_week)
    end = cal.closed_through if spec.status == ProjectStatus.CLOSED else cal.week(spec.end_week) + timedelta(days=4)
    tasks = _fit(spec, work_calendar, start, end)
    last_day = cal.yesterday
    if spec.status == ProjectStatus.CLOSED:
        last_day = min(last_day, end)
    elif spec.status == ProjectStatus.ON_HOLD:
        last_day = min(last_day, cal.week(ON_HOLD_FROM_WEEK) - timedelta(days=1))
    elif spec.status == ProjectStatus.PLANNED:
        last_day = start - timedelta(days=1)
    # How it went: started work took `pace` times as long, give or take; some work could not start on time.
    late = dict(spec.late)
    for t in tasks:
        t.minutes = t.planned_minutes
        if t.spec.days and t.baseline_start.date() <= last_day and spec.status != ProjectStatus.CLOSED:
            noise = rng.choice((0.9, 1.0, 1.0, 1.1, 1.2))
            t.minutes = max(1, round(t.planned_minutes / DAY * spec.pace * noise)) * DAY
        if t.name in late:
            t.late_start = work_calendar.add_working(t.baseline_start, late[t.name] * DAY, as_finish=False)
    current = _schedule(work_calendar, start, tasks, planned=False)
    for t in tasks:
        t.start, t.finish, t.minutes = current[t.name].start, current[t.name].finish, current[t.name].duration
        if t.spec.deadline:
            t.deadline = t.baseline_finish.date()
    plan = ProjectPlan(spec, work_calendar, start, max(t.baseline_finish for t in tasks).date(), last_day, tasks)
    now = work_calendar.to_working(day_end(last_day))
    for t in tasks:
        if work_calendar.to_working(t.finish) <= now:
            t.status, t.percent = TaskStatus.DONE, 100
        elif work_calendar.to_working(t.start) < now:
            elapsed = (now - work_calendar.to_working(t.start)) / t.minutes
            t.percent = min(99, max(1, round(100 * elapsed)))
            t.status = TaskStatus.REVIEW if t.percent >= 90 else TaskStatus.IN_PROGRESS
    return plan
