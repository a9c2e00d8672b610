"""The health of the projects a person manages: schedule slip, budget burn, margin and overdue tasks.

- **Schedule slip**: the project's scheduled finish (its latest task finish, local day) against the finish
  of its first saved baseline (the lowest slot), in calendar days; positive is late. None without a baseline
  or without a schedule.
- **Budget burn and margin**: `reporting.queries.profitability` (hours and money burn, revenue − cost).
- **Overdue tasks**: leaf tasks not done whose scheduled finish or deadline is before today.

Money is read through the money rule (`projects.queries.projects_money_visible`): the projects here are
those the viewer manages, whose money the rule gives them. A fixed number of queries for any number of
projects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, Exists, Max, OuterRef, Q

from margin.accounts.queries import Viewer
from margin.projects.models import Baseline, ProjectStatus, Task, TaskStatus
from margin.projects.planning import finish_day, to_aware
from margin.projects.queries import projects_money_visible
from margin.reporting.queries import ProjectFigures, profitability


@dataclass(frozen=True)
class ProjectHealth:
    figures: ProjectFigures
    finish: date | None
    baseline_name: str
    baseline_finish: date | None
    overdue_tasks: int

    @property
    def slip_days(self) -> int | None:
        if self.finish is None or self.baseline_finish is None:
            return None
        return (self.finish - self.baseline_finish).days

    @property
    def early_days(self) -> int:
        """Days ahead of the baseline (0 when not ahead)."""
        return max(0, -(self.slip_days or 0))

    @property
    def over_budget(self) -> bool:
        f = self.figures
        return (f.hours_burn_pct or 0) > 100 or (f.money_burn_pct or 0) > 100

    @property
    def attention(self) -> bool:
        """Late against its baseline, over a budget, losing money, or with overdue tasks."""
        return bool(
            (self.slip_days or 0) > 0 or self.over_budget or self.figures.margin_minor < 0 or self.overdue_tasks
        )


def projects_managed_health(viewer: Viewer, today: date) -> list[ProjectHealth]:
    """The open projects the viewer manages (by code), each with its health; templates are not run, so they
    have none."""
    if viewer.person_id is None:
        return []
    managed = (
        projects_money_visible(viewer)
        .filter(manager_id=viewer.person_id, is_template=False)
        .exclude(status=ProjectStatus.CLOSED)
    )
    figures = profitability(managed)
    ids = [f.project_id for f in figures]
    finishes = dict(
        Task.objects.filter(project_id__in=ids).values_list("project_id").annotate(last=Max("finish")).order_by()
    )
    baselines: dict[int, tuple[str, datetime]] = {}
    for project_id, name, finish in (
        Baseline.objects.filter(project_id__in=ids)
        .order_by("project_id", "-index")
        .values_list("project_id", "name", "finish")
    ):
        baselines[project_id] = (name, finish)  # the lowest slot comes last and wins
    today_start = to_aware(datetime.combine(today, time()))
    has_children = Task.objects.filter(parent_id=OuterRef("pk"))
    overdue = dict(
        Task.objects.filter(project_id__in=ids, closed=False, percent_complete__lt=100)
        .exclude(status=TaskStatus.DONE)
        .filter(~Exists(has_children))
        .filter(Q(finish__lt=today_start) | Q(deadline__lt=today))
        .values_list("project_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        ProjectHealth(
            figures=f,
            finish=finish_day(finishes.get(f.project_id)),
            baseline_name=baselines[f.project_id][0] if f.project_id in baselines else "",
            baseline_finish=finish_day(baselines[f.project_id][1]) if f.project_id in baselines else None,
            overdue_tasks=int(overdue.get(f.project_id) or 0),
        )
        for f in figures
    ]
