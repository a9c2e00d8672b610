"""The plan's resource usage: people × weeks of one project's assignments (MS Project's Resource Usage view).

Each leaf task with a schedule (``start``/``finish``) asks each assigned person for its work: the task's duration
(working minutes) × the assignment's units, spread evenly over the person's working days (capacity > 0) between
the task's start and finish dates; on a task whose dates hold no working day of theirs, over its calendar days.
A week is over-allocated when the person's demand from this project exceeds their capacity that week
(:func:`margin.resourcing.capacity.capacity_by_day`); their bookings and other projects are not counted here
(the heatmap shows the whole load). Pools are left out: they have no single capacity.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from margin.accounts.models import Person
from margin.projects.models import Project
from margin.resourcing.capacity import capacity_by_day, days_between
from margin.resourcing.models import Assignment

from .load import DAYS_A_WEEK, monday_of, week_starts

MAX_WEEKS = 52


@dataclass(frozen=True)
class UsageRow:
    person_id: int
    name: str
    demand: list[int]  # minutes per week
    capacity: list[int]

    @property
    def over(self) -> list[bool]:
        return [d > c for d, c in zip(self.demand, self.capacity, strict=True)]

    @property
    def total(self) -> int:
        return sum(self.demand)

    @property
    def cells(self) -> list[tuple[int, int, bool]]:
        """(demand, capacity, over) per week."""
        return [(d, c, d > c) for d, c in zip(self.demand, self.capacity, strict=True)]


@dataclass(frozen=True)
class ProjectUsage:
    weeks: list[date]
    rows: list[UsageRow]

    @property
    def over_weeks(self) -> int:
        return sum(sum(r.over) for r in self.rows)


def _local_day(value: object) -> date | None:
    if value is None:
        return None
    return timezone.localtime(value).date()  # type: ignore[arg-type]


def project_usage(project: Project, *, first_monday: date | None = None, weeks: int | None = None) -> ProjectUsage:
    """People × weeks of ``project``'s person assignments. Without a window: from the week of the earliest
    scheduled task to the week of the latest finish (at most a year)."""
    rows = list(
        Assignment.objects.filter(task__project=project, person__isnull=False, task__children__isnull=True)
        .exclude(task__start__isnull=True)
        .exclude(task__finish__isnull=True)
        .values_list("task_id", "person_id", "units", "task__start", "task__finish", "task__duration_minutes")
    )
    spans: list[tuple[int, int, date, date]] = []
    for _task_id, person_id, units, start, finish, duration in rows:
        a, b = _local_day(start), _local_day(finish)
        if a is None or b is None:
            continue
        if b < a:
            a, b = b, a
        spans.append((person_id, int(duration or 0) * int(units) // 100, a, b))
    if first_monday is None:
        first_monday = monday_of(min((s[2] for s in spans), default=timezone.localdate()))
    if weeks is None:
        last = max((s[3] for s in spans), default=first_monday)
        weeks = (monday_of(last) - first_monday).days // DAYS_A_WEEK + 1
    weeks = max(1, min(MAX_WEEKS, weeks))
    starts = week_starts(first_monday, weeks)
    window_end = first_monday + timedelta(days=DAYS_A_WEEK * weeks - 1)
    people = {p.pk: p.name for p in Person.objects.filter(pk__in={s[0] for s in spans}).only("id", "name")}
    if not people:
        return ProjectUsage(starts, [])
    lo = min(first_monday, min(s[2] for s in spans))
    hi = max(window_end, max(s[3] for s in spans))
    days = days_between(lo, hi)
    caps = capacity_by_day(people, days)
    demand: dict[int, list[int]] = defaultdict(lambda: [0] * weeks)
    for person_id, work, a, b in spans:
        cap = caps.get(person_id, [])
        i0, i1 = (a - lo).days, (b - lo).days
        working = [i for i in range(i0, i1 + 1) if cap and cap[i] > 0] or list(range(i0, i1 + 1))
        share, rest = divmod(work, len(working))
        for n, i in enumerate(working):
            day = lo + timedelta(days=i)
            if first_monday <= day <= window_end:
                demand[person_id][(day - first_monday).days // DAYS_A_WEEK] += share + (1 if n < rest else 0)
    offset = (first_monday - lo).days
    out = []
    for person_id, name in sorted(people.items(), key=lambda item: (item[1], item[0])):
        cap = caps.get(person_id, [0] * len(days))
        week_caps = [sum(cap[offset + w * DAYS_A_WEEK : offset + (w + 1) * DAYS_A_WEEK]) for w in range(weeks)]
        out.append(UsageRow(person_id, name, list(demand[person_id]), week_caps))
    return ProjectUsage(starts, out)
