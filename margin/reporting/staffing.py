"""A project's staffing side by side, per person and week: the plan's **demand** (its assignments, from
:func:`margin.resourcing.queries.usage.project_usage`), the **supply** (its bookings, hard and soft) and the
**actuals** (time logged on it). Reporting reads timesheets, which sit above resourcing.

Reads are set-based: the plan's usage, the project's bookings with their people's capacity, and one grouped
query of time entries, whatever the number of people and weeks.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Sum

from margin.accounts.models import Person
from margin.projects.models import Project
from margin.resourcing.capacity import capacity_by_day, days_between
from margin.resourcing.models import Booking, BookingKind
from margin.resourcing.queries.load import monday_of, week_starts
from margin.resourcing.queries.usage import project_usage
from margin.resourcing.rules import STANDARD_DAY_MINUTES, booked_minutes
from margin.timesheets.models import TimeEntry

DEFAULT_WEEKS = 8
MAX_WEEKS = 26


@dataclass(frozen=True)
class StaffingCell:
    demand: int
    hard: int
    soft: int
    actual: int
    past: bool = False  # a week already over: its time is logged, bookings no longer matter

    @property
    def short(self) -> bool:
        """The plan asks for more than is booked (hard and soft) in a week still to come (or this one)."""
        return not self.past and self.demand > self.hard + self.soft


@dataclass(frozen=True)
class StaffingRow:
    key: str  # person:<id> or role:<id> (placeholders)
    name: str
    placeholder: bool
    cells: list[StaffingCell]

    @property
    def totals(self) -> StaffingCell:
        return StaffingCell(
            sum(c.demand for c in self.cells),
            sum(c.hard for c in self.cells),
            sum(c.soft for c in self.cells),
            sum(c.actual for c in self.cells),
        )


@dataclass(frozen=True)
class ProjectStaffing:
    weeks: list[date]
    rows: list[StaffingRow]


def project_staffing(
    project: Project, *, first_monday: date | None = None, weeks: int = DEFAULT_WEEKS
) -> ProjectStaffing:
    """Demand, supply and actuals per person (and per role for placeholders) per week of ``project``, from the
    week of ``first_monday`` (default: this week's Monday, four weeks back) for ``weeks`` weeks."""
    weeks = max(1, min(MAX_WEEKS, weeks))
    start = monday_of(first_monday or date.today() - timedelta(weeks=4))
    mondays = week_starts(start, weeks)
    first, last = mondays[0], mondays[-1] + timedelta(days=6)
    days = days_between(first, last)
    usage = project_usage(project, first_monday=start, weeks=weeks)
    demand: dict[str, list[int]] = {f"person:{r.person_id}": list(r.demand) for r in usage.rows}
    names: dict[str, str] = {f"person:{r.person_id}": r.name for r in usage.rows}
    bookings = list(
        Booking.objects.filter(project=project, first_day__lte=last, last_day__gte=first)
        .select_related("role")
        .values_list(
            "person_id", "role_id", "role__name", "first_day", "last_day", "minutes_per_day", "percent", "kind"
        )
    )
    people = {b[0] for b in bookings if b[0] is not None}
    actual_rows = (
        TimeEntry.objects.filter(project=project, work_date__gte=first, work_date__lte=last)
        .values("person_id", "work_date")
        .annotate(minutes=Sum("minutes"))
        .values_list("person_id", "work_date", "minutes")
    )
    actual: dict[str, list[int]] = defaultdict(lambda: [0] * weeks)
    for person_id, work_date, minutes in actual_rows:
        actual[f"person:{person_id}"][(work_date - first).days // 7] += int(minutes or 0)
        people.add(person_id)
    people |= {r.person_id for r in usage.rows}
    caps = capacity_by_day(people, days)
    hard: dict[str, list[int]] = defaultdict(lambda: [0] * weeks)
    soft: dict[str, list[int]] = defaultdict(lambda: [0] * weeks)
    for person_id, role_id, role_name, first_day, last_day, minutes, percent, kind in bookings:
        key = f"person:{person_id}" if person_id is not None else f"role:{role_id}"
        if person_id is None:
            names[key] = f"{role_name} (placeholder)"
        target = hard if kind == BookingKind.HARD else soft
        cap = caps.get(person_id, []) if person_id is not None else []
        for i in range((max(first_day, first) - first).days, (min(last_day, last) - first).days + 1):
            capacity = cap[i] if cap else (STANDARD_DAY_MINUTES if days[i].weekday() < 5 else 0)
            target[key][i // 7] += booked_minutes(minutes_per_day=minutes, percent=percent, capacity=capacity)
    names.update({f"person:{pk}": name for pk, name in Person.objects.filter(pk__in=people).values_list("id", "name")})
    keys = set(demand) | set(hard) | set(soft) | set(actual)
    zero = [0] * weeks
    this_monday = monday_of(date.today())
    past = [monday < this_monday for monday in mondays]
    rows = [
        StaffingRow(
            key,
            names.get(key, key),
            key.startswith("role:"),
            [
                StaffingCell(d, h, s, a, gone)
                for d, h, s, a, gone in zip(
                    demand.get(key, zero),
                    hard.get(key, zero),
                    soft.get(key, zero),
                    actual.get(key, zero),
                    past,
                    strict=True,
                )
            ],
        )
        for key in keys
    ]
    rows.sort(key=lambda r: (r.placeholder, r.name.lower(), r.key))
    return ProjectStaffing(mondays, rows)
