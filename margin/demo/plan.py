"""The demo firm's story, decided without the database: every date from the anchor, every choice from a seeded
random generator, so two plans of one anchor are equal and a plan of any anchor is coherent.

- **Calendars** (`dates`). Each company works the organisation's standard week with its region's public holidays
  and its office's own days off, as the company calendars the build creates do; nobody logs time on them.
- **Schedules** (`schedules`). Each project's work breakdown is fitted to its weeks and scheduled by the real
  engine: the signed-off plan, saved as the baseline. How the work really went gives a second schedule: the
  current plan, which the time follows.
- **Time.** People log working days from the start of the history to the day before the anchor, on the tasks of
  their projects that the current plan has running that day (their role decides which). Every task the current
  plan has started by the project's last day of work has time on it.
- **Progress.** As of that day a task is done (100 %, actual start and finish as scheduled), in progress (its
  share of the scheduled duration elapsed, 1–99 %, actual start) or to do (0 %, no time), so the stored schedule
  is the current plan and every link holds in it. Estimates are what the work took or is heading for, against
  the signed-off durations, with noise; assignments and their units come from who logged the time (from who
  fits the work, for tasks to come), kept within a person's capacity except for one deliberate over-allocation.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from margin.projects.models import TaskStatus
from margin.scheduling.calendars import Calendar

from .dates import DemoCalendar, company_calendars, day_end
from .schedules import DAY, PlanTask, ProjectPlan, project_plan
from .specs import (
    CLAIMS,
    DEMO_MANAGER,
    DEMO_MEMBER,
    EXCHANGE_RATES,
    NON_BILLABLE_NOTES,
    OVERLOAD,
    PEOPLE,
    PROJECTS,
    REJECTION_REASONS,
    ROLE_TAGS,
    SEED,
    WEEKS,
    ClaimSpec,
    PersonSpec,
)

# --------------------------------------------------------------------------------------------------
# Time
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedEntry:
    username: str
    code: str
    task: str
    work_date: date
    minutes: int
    billable: bool
    note: str
    week: int
    reject_reason: str = ""


def _pick_tasks(tasks: list[PlanTask], role: str, day: date) -> list[tuple[PlanTask, int]]:
    """The tasks someone of this role may log on that day, with how likely each is: mostly work their role
    fits, some of the rest (never another's project management)."""
    tags = ROLE_TAGS.get(role, frozenset())
    choices: list[tuple[PlanTask, int]] = []
    for t in tasks:
        if not t.runs_on(day):
            continue
        if t.spec.tags & tags:
            choices.append((t, 4 * t.spec.weight))
        elif t.spec.days is not None:
            choices.append((t, t.spec.weight))
    return choices


def _split(total: int, shares: list[float]) -> list[int]:
    """Split `total` quarter hours by shares (the last one takes the rest)."""
    weight = sum(shares)
    parts, left = [], total
    for share in shares[:-1]:
        part = min(left, round(total * share / weight))
        parts.append(part)
        left -= part
    parts.append(left)
    return parts


def _working_days(cal: DemoCalendar, calendars: dict[str, Calendar], person: PersonSpec) -> Iterator[date]:
    day = max(cal.first_monday, cal.joined(person))
    while day <= cal.yesterday:
        if calendars[person.company].is_working_day(day):
            yield day
        day += timedelta(days=1)


def _log_time(
    cal: DemoCalendar, calendars: dict[str, Calendar], projects: dict[str, ProjectPlan], rng: random.Random
) -> list[PlannedEntry]:
    entries: list[PlannedEntry] = []
    for person in PEOPLE:
        mine = [(code, share) for code, share in person.assignments if code in projects]
        if not mine:
            continue
        for day in _working_days(cal, calendars, person):
            if rng.random() < 0.04:  # a day off
                continue
            running = [(code, share) for code, share in mine if projects[code].start <= day <= projects[code].last_day]
            if not running:
                continue
            total = rng.randint(*person.day_quarters)
            for (code, _), quarters in zip(running, _split(total, [s for _, s in running]), strict=True):
                picks = _pick_tasks(projects[code].tasks, person.role, day)
                if quarters <= 0 or not picks:
                    continue
                choices, weights = [t for t, _ in picks], [w for _, w in picks]
                if quarters >= 12 and len(choices) > 1 and rng.random() < 0.45:
                    first = rng.randint(4, quarters - 4)
                    one = rng.choices(choices, weights)[0]
                    other = rng.choices([t for t in choices if t is not one], [w for t, w in picks if t is not one])[0]
                    parts = [(one, first), (other, quarters - first)]
                else:
                    parts = [(rng.choices(choices, weights)[0], quarters)]
                for task, q in parts:
                    billable = task.spec.billable
                    note = rng.choice(task.spec.notes)
                    if billable and rng.random() < 0.03:
                        billable, note = False, rng.choice(NON_BILLABLE_NOTES)
                    entries.append(
                        PlannedEntry(person.username, code, task.name, day, q * 15, billable, note, cal.week_of(day))
                    )
    return entries


def _cover(cal: DemoCalendar, projects: dict[str, ProjectPlan], entries: list[PlannedEntry]) -> list[PlannedEntry]:
    """Every started task has time: one entry of the project within the task's days moves to it (from a task
    that keeps others), else its manager logs an hour on its first day."""
    entries = list(entries)
    for plan in projects.values():
        counts: dict[str, int] = defaultdict(int)
        for e in entries:
            if e.code == plan.code:
                counts[e.task] += 1
        for t in plan.tasks:
            if t.status == TaskStatus.TODO or t.minutes == 0 or counts[t.name]:
                continue
            first, last = t.start.date(), min(t.finish.date(), plan.last_day)
            index = next(
                (
                    i
                    for i, e in enumerate(entries)
                    if e.code == plan.code and first <= e.work_date <= last and counts[e.task] > 1
                ),
                None,
            )
            if index is not None:
                moved = entries[index]
                counts[moved.task] -= 1
                entries[index] = replace(moved, task=t.name, billable=t.spec.billable, note=t.spec.notes[0])
            else:
                entries.append(
                    PlannedEntry(
                        plan.spec.manager,
                        plan.code,
                        t.name,
                        first,
                        60,
                        t.spec.billable,
                        t.spec.notes[0],
                        cal.week_of(first),
                    )
                )
            counts[t.name] += 1
    entries.sort(key=lambda e: (e.work_date, e.username, e.code, e.task))
    return entries


# --------------------------------------------------------------------------------------------------
# Progress, estimates, assignments
# --------------------------------------------------------------------------------------------------


def _round5(value: float) -> int:
    return max(5, min(100, int(value // 5) * 5))


def _elapsed(plan: ProjectPlan, t: PlanTask) -> int:
    """Working minutes of the task up to the end of the project's last day of work."""
    cal = plan.calendar
    return max(0, min(cal.to_working(t.finish), cal.to_working(day_end(plan.last_day))) - cal.to_working(t.start))


def _estimate(plan: ProjectPlan, logged: dict[str, dict[str, int]], rng: random.Random) -> None:
    """Each task's (signed-off) estimate: the work it took or is heading for (done work over the elapsed share),
    scaled back to the signed-off duration, give or take 15 %; a task to come, the project's pace of work."""
    minutes_by_task = {name: sum(by.values()) for name, by in logged.items()}
    pace = [
        (minutes_by_task.get(t.name, 0), _elapsed(plan, t) * max(1, t.spec.weight))
        for t in plan.tasks
        if t.status != TaskStatus.TODO and t.spec.days
    ]
    per_weight_minute = sum(m for m, _ in pace) / max(1, sum(w for _, w in pace))
    for t in plan.tasks:
        if t.minutes == 0:
            continue
        done = minutes_by_task.get(t.name, 0)
        if t.status != TaskStatus.TODO and done:
            heading = done * 100 / t.percent
            estimate = heading * t.planned_minutes / t.minutes * rng.uniform(0.85, 1.15)
        elif plan.spec.budget_hours:
            estimate = 0  # shared out of the fixed budget below
        else:
            estimate = per_weight_minute * max(1, t.spec.weight) * t.planned_minutes
        t.estimate_minutes = max(60, round(estimate / 60) * 60)
    if plan.spec.budget_hours:
        weights = {t.name: max(1, t.spec.weight) * t.planned_minutes for t in plan.tasks if t.minutes}
        for t in plan.tasks:
            if t.minutes:
                share = plan.spec.budget_hours * 60 * weights[t.name] / sum(weights.values())
                t.estimate_minutes = max(60, round(share / 60 / 1.1) * 60)
        plan.budget_minutes = plan.spec.budget_hours * 60
    else:
        total = sum(t.estimate_minutes for t in plan.tasks) * plan.spec.budget_factor
        plan.budget_minutes = max(100, round(total / 600)) * 600


def _assign(plan: ProjectPlan, logged: dict[str, dict[str, int]], members: list[PersonSpec]) -> None:
    """Who works on each task and at how many units: those who logged its time (at their share of its elapsed
    working time), else the members whose role fits it (their share of the project over its concurrent tasks)."""
    shares = {p.username: dict(p.assignments).get(plan.code, 0.0) for p in members}
    day_share = {p.username: sum(p.day_quarters) / 2 / 32 for p in members}
    fitting = {
        t.name: [p.username for p in members if ROLE_TAGS.get(p.role, frozenset()) & t.spec.tags] for t in plan.tasks
    }
    for t in plan.tasks:
        if t.minutes == 0:
            continue
        by_person = logged.get(t.name, {})
        total = sum(by_person.values())
        if by_person and t.status != TaskStatus.TODO:
            elapsed = max(DAY, _elapsed(plan, t))
            top = max(by_person, key=lambda u: (by_person[u], u))
            t.assignments = {
                username: _round5(100 * minutes / elapsed)
                for username, minutes in sorted(by_person.items())
                if username == top or minutes >= 0.15 * total
            }
            t.assignee = top
            continue
        people = fitting[t.name] or [plan.spec.manager]
        for username in people:
            overlapping = sum(
                1
                for other in plan.tasks
                if other.minutes
                and username in fitting[other.name]
                and other.start < t.finish
                and t.start < other.finish
            )
            units = 100 * shares.get(username, 0.2) * day_share.get(username, 0.8) / max(1, overlapping)
            t.assignments[username] = _round5(units)
        t.assignee = max(t.assignments, key=lambda u: (t.assignments[u], u))


def _within_capacity(projects: dict[str, ProjectPlan]) -> None:
    """Scale down anyone's units where, on some day, their tasks (done ones too: a plan's over-allocation is
    read from all of its tasks) add up to more than 100 %."""
    tasks = [t for plan in projects.values() for t in plan.tasks if t.assignments]
    people = sorted({u for t in tasks for u in t.assignments})
    for username in people:
        mine = [t for t in tasks if username in t.assignments]
        for _ in range(100):
            load: dict[date, int] = defaultdict(int)
            for t in mine:
                for n in range((t.finish.date() - t.start.date()).days + 1):
                    load[t.start.date() + timedelta(days=n)] += t.assignments[username]
            peak_day = max(load, key=lambda d: (load[d], d))
            if load[peak_day] <= 100:
                break
            for t in mine:
                if t.start.date() <= peak_day <= t.finish.date():
                    t.assignments[username] = _round5(t.assignments[username] * 100 / load[peak_day])


def _overload(projects: dict[str, ProjectPlan]) -> None:
    code, username, tasks = OVERLOAD
    if code not in projects:
        return
    for name, units in tasks:
        task = projects[code].task(name)
        task.assignments[username] = units
        task.assignee = username


# --------------------------------------------------------------------------------------------------
# The whole plan
# --------------------------------------------------------------------------------------------------


@dataclass
class Plan:
    calendar: DemoCalendar
    projects: dict[str, ProjectPlan]  # by code, in `PROJECTS` order
    entries: list[PlannedEntry]
    submit_last_week: list[str]  # usernames who submitted last week (the others left it in draft)
    claims: tuple[ClaimSpec, ...]
    exchange_rates: list[tuple[str, str, date, Decimal]]  # (from, to, day, rate)

    def members(self, code: str) -> list[PersonSpec]:
        return [p for p in PEOPLE if any(c == code for c, _ in p.assignments)]

    def logged(self, code: str) -> dict[str, dict[str, int]]:
        """Minutes logged (rejected time left out) by task name and username."""
        out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for e in self.entries:
            if e.code == code and not e.reject_reason:
                out[e.task][e.username] += e.minutes
        return out


def _rejections(entries: list[PlannedEntry], rng: random.Random) -> list[PlannedEntry]:
    """A few entries of the week before last rejected by the project's manager (a manager's own by the
    administrator): one of the demo member's and one of the demo manager's among them."""
    managers = {p.code: p.manager for p in PROJECTS}
    per_task: dict[tuple[str, str], int] = defaultdict(int)
    for e in entries:
        per_task[(e.code, e.task)] += 1
    # Only entries of tasks with plenty of other time: a started task never loses all of its time.
    candidates = [
        i for i, e in enumerate(entries) if e.week == WEEKS - 2 and e.minutes >= 120 and per_task[(e.code, e.task)] >= 5
    ]
    reasons = list(REJECTION_REASONS)
    chosen: dict[int, str] = {}
    # The demo member logged a long day; the demo manager (on two projects) put it all on one.
    for username, reason in ((DEMO_MEMBER, reasons[1]), (DEMO_MANAGER, reasons[3])):
        own = [i for i in candidates if entries[i].username == username]
        if own:
            chosen[max(own, key=lambda i: (entries[i].minutes, -i))] = reason
    others = [
        i
        for i in candidates
        if entries[i].username not in (DEMO_MEMBER, DEMO_MANAGER) and entries[i].username != managers[entries[i].code]
    ]
    for index, reason in zip(sorted(rng.sample(others, 2)), (reasons[0], reasons[2]), strict=True):
        chosen[index] = reason
    entries = list(entries)
    for index, reason in chosen.items():
        entries[index] = replace(entries[index], reject_reason=reason)
    return entries


def _exchange_rates(cal: DemoCalendar) -> list[tuple[str, str, date, Decimal]]:
    """Daily reference rates from the euro on weekdays, from two weeks before the history to the anchor."""
    rng = random.Random(SEED + 1)  # noqa: S311 - demo data must be reproducible, not secret
    out: list[tuple[str, str, date, Decimal]] = []
    for currency, start in EXCHANGE_RATES.items():
        rate = start
        day = cal.first_monday - timedelta(weeks=2)
        while day <= cal.anchor:
            if day.weekday() < 5:
                rate = (rate * Decimal(1 + rng.gauss(0, 0.0035))).quantize(Decimal("0.0001"), ROUND_HALF_UP)
                out.append(("EUR", currency, day, rate))
            day += timedelta(days=1)
    return out


def make_plan(anchor: date, only: Collection[str] | None = None) -> Plan:
    """The demo firm as of `anchor`: every project's plans, every time entry, who submitted what.

    `only` (project codes) builds a smaller firm of only those projects, with the people who work on them and the
    claims on them (tests use it to build quickly)."""
    rng = random.Random(SEED)  # noqa: S311 - demo data must be reproducible, not secret
    cal = DemoCalendar.of(anchor)
    calendars = company_calendars(cal)
    specs = [p for p in PROJECTS if only is None or p.code in only]
    plans = {spec.code: project_plan(spec, cal, calendars, rng) for spec in specs}
    entries = _cover(cal, plans, _log_time(cal, calendars, plans, rng))
    entries = _rejections(entries, rng)
    plan = Plan(
        calendar=cal,
        projects=plans,
        entries=entries,
        submit_last_week=[],
        claims=tuple(c for c in CLAIMS if all(line.project is None or line.project in plans for line in c.lines)),
        exchange_rates=_exchange_rates(cal),
    )
    for code, project in plans.items():
        logged = plan.logged(code)
        _estimate(project, logged, rng)
        _assign(project, logged, plan.members(code))
    _within_capacity(plans)
    _overload(plans)
    loggers = list(dict.fromkeys(e.username for e in entries if e.week == WEEKS - 1))
    plan.submit_last_week = [u for u in loggers if u != DEMO_MEMBER and rng.random() < 0.6]
    return plan
