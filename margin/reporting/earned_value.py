"""Earned value of a project against one of its baselines, as of a status date.

- BAC, PV: from the baseline's cost per task (``margin.scheduling.evm``: PV spreads a task's baseline cost over its
  baseline working time).
- EV: BAC × the task's current % complete.
- AC: the cost of **approved** time entries up to and including the status date (``cost_amount_minor``, one
  grouped query). Approved time logged on the project without a task counts in the project's AC (shown as the
  ``unassigned`` row), not in any task's.

Money is in the project's currency (time cost is valued in it: members costed in another currency are refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Sum

from margin.core.errors import NotFound
from margin.projects.models import Project, Task
from margin.projects.planning import baseline_of, calendar_of, engine_baseline
from margin.scheduling.evm import EarnedValue, earned_value
from margin.timesheets.models import EntryStatus, TimeEntry

UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class ProjectEarnedValue:
    currency: str
    baseline_index: int
    status_date: date
    project: EarnedValue
    tasks: list[tuple[Task, EarnedValue]]  # in the project's task order
    unassigned_ac_minor: int


def actual_cost_of(project: Project, status_date: date) -> dict[int | str, int]:
    """Cost of approved time per task up to ``status_date`` (time without a task under ``UNASSIGNED``)."""
    rows = (
        TimeEntry.objects.filter(project=project, status=EntryStatus.APPROVED, work_date__lte=status_date)
        .values("task_id")
        .annotate(cost=Sum("cost_amount_minor"))
        .order_by()
    )
    return {(r["task_id"] if r["task_id"] is not None else UNASSIGNED): int(r["cost"] or 0) for r in rows}


def project_earned_value(project: Project, *, baseline_index: int, status_date: date) -> ProjectEarnedValue:
    """Earned value per task and for the project; NotFound when the baseline slot is empty."""
    baseline = baseline_of(project, baseline_index)
    if baseline is None:
        raise NotFound(f"Baseline {baseline_index} of this project is not saved.", field="baseline")
    calendar = calendar_of(project)
    tasks = list(Task.objects.filter(project=project).order_by("position", "id"))
    parents = {t.parent_id for t in tasks if t.parent_id is not None}
    percent: dict[int | str, int] = {t.pk: t.percent_complete for t in tasks if t.pk not in parents}
    actual = actual_cost_of(project, status_date)
    report = earned_value(
        engine_baseline(baseline, calendar.id),
        status_date=status_date,
        percent_complete=percent,
        actual_cost=actual,
        calendar=calendar,
    )
    rows = [(t, report.tasks[t.pk]) for t in tasks if t.pk in report.tasks]
    return ProjectEarnedValue(
        currency=project.currency,
        baseline_index=baseline_index,
        status_date=status_date,
        project=report.project,
        tasks=rows,
        unassigned_ac_minor=actual.get(UNASSIGNED, 0),
    )
