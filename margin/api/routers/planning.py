"""The plan of a project: the Gantt data, links, schedule changes, WBS moves and baselines.

Every write reschedules the project and answers what moved, so a chart redraws only those bars."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from margin.api.schemas.common import Id, responses
from margin.api.schemas.planning import (
    BaselineIn,
    BaselineOut,
    ChangeOut,
    GanttOut,
    LinkChangeOut,
    LinkIn,
    ScheduleIn,
    VarianceOut,
)
from margin.api.security import viewer_of
from margin.core.errors import NotFound
from margin.projects.actions import (
    Rescheduled,
    dependency_create,
    dependency_delete,
    project_reschedule,
    task_indent,
    task_outdent,
    task_schedule_update,
)
from margin.projects.models import Baseline, Dependency
from margin.projects.planning import baseline_of, baseline_variance, gantt_of, project_zone, to_aware
from margin.projects.queries import money_visible, project_get, task_get
from margin.rates.actions import baseline_save_valued
from margin.rates.costing import planned_costs
from margin.scheduling.baselines import TaskVariance

router = Router(tags=["planning"])


def _local(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(project_zone())


def _aware(value: datetime | None) -> datetime | None:
    """A datetime sent without an offset is the project's local time."""
    if value is None or value.tzinfo is not None:
        return value
    return to_aware(value)


def _change(moved: Rescheduled) -> dict[str, Any]:
    return {
        "moved": [{"id": m.task, "start": _local(m.new_start), "finish": _local(m.new_finish)} for m in moved],
        "conflicts": [{"task_id": c.task, "kind": c.kind, "message": c.message} for c in moved.conflicts],
    }


def _link(dep: Dependency) -> dict[str, Any]:
    return {
        "id": dep.pk,
        "predecessor_id": dep.predecessor_id,
        "successor_id": dep.successor_id,
        "kind": dep.kind,
        "lag_minutes": dep.lag_minutes,
        "lag_percent": dep.lag_percent,
    }


class GanttQuery(Schema):
    baseline: int | None = Field(None, ge=0, le=10, description="Give each task's dates in this baseline (0–10)")


@router.get("/projects/{project_id}/gantt", response=responses(GanttOut), summary="Everything a Gantt chart draws")
def gantt(request: HttpRequest, project_id: Id, query: Query[GanttQuery]) -> dict[str, Any]:
    project = project_get(viewer_of(request), project_id)
    data = gantt_of(project, query.baseline)
    zone = project_zone()
    tasks = []
    for t in data.tasks:
        row = {name: getattr(t, name) for name in t.__slots__}
        for name in ("start", "finish", "baseline_start", "baseline_finish"):
            if row[name] is not None:
                row[name] = row[name].astimezone(zone)
        tasks.append(row)
    return {
        "project_id": data.project_id,
        "start": data.start,
        "finish": _local(data.finish),
        "baseline": data.baseline,
        "tasks": tasks,
        "links": [{name: getattr(link, name) for name in link.__slots__} for link in data.links],
    }


@router.post(
    "/projects/{project_id}/reschedule",
    response=responses(ChangeOut),
    summary="Schedule the project from its tasks, links and calendar (writes every task's dates)",
)
def reschedule(request: HttpRequest, project_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    return _change(project_reschedule(viewer=viewer, project=project_get(viewer, project_id)))


@router.post(
    "/projects/{project_id}/dependencies",
    response=responses(LinkChangeOut, 201),
    summary="Link two tasks (FS, SS, FF or SF, with lag or lead) and reschedule",
)
def link_add(request: HttpRequest, project_id: Id, payload: LinkIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    predecessor, successor = task_get(viewer, payload.predecessor_id), task_get(viewer, payload.successor_id)
    if predecessor.project_id != project.pk or successor.project_id != project.pk:
        raise NotFound("No such task in this project.")
    dependency, moved = dependency_create(
        viewer=viewer,
        predecessor=predecessor,
        successor=successor,
        kind=payload.kind,
        lag_minutes=payload.lag_minutes,
        lag_percent=payload.lag_percent,
    )
    return Status(201, {**_change(moved), "link": _link(dependency)})


@router.delete(
    "/projects/{project_id}/dependencies/{dependency_id}",
    response=responses(ChangeOut),
    summary="Remove a link and reschedule",
)
def link_remove(request: HttpRequest, project_id: Id, dependency_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    dependency = Dependency.objects.filter(project=project, pk=dependency_id).select_related("project").first()
    if dependency is None:
        raise NotFound("No such link in this project.")
    return _change(dependency_delete(viewer=viewer, dependency=dependency))


@router.patch(
    "/tasks/{task_id}/schedule",
    response=responses(ChangeOut),
    summary="Move or resize a task, change its scheduling, constraint or progress, and reschedule",
)
def task_schedule(request: HttpRequest, task_id: Id, payload: ScheduleIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    task = task_get(viewer, task_id)
    moved = task_schedule_update(
        viewer=viewer,
        task=task,
        start=_aware(payload.start),
        duration_minutes=payload.duration_minutes,
        scheduling=payload.scheduling,
        constraint=payload.constraint,
        constraint_date=_aware(payload.constraint_date),
        percent_complete=payload.percent_complete,
        finish=payload.finish,
    )
    return _change(moved)


@router.post("/tasks/{task_id}/indent", response=responses(ChangeOut), summary="Make a task a subtask of the one above")
def indent(request: HttpRequest, task_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    return _change(task_indent(viewer=viewer, task=task_get(viewer, task_id)))


@router.post("/tasks/{task_id}/outdent", response=responses(ChangeOut), summary="Move a task up one outline level")
def outdent(request: HttpRequest, task_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    return _change(task_outdent(viewer=viewer, task=task_get(viewer, task_id)))


@router.post(
    "/projects/{project_id}/baselines",
    response=responses(BaselineOut, 201),
    summary="Save the current plan as a baseline (11 slots, 0–10)",
)
def baseline_add(request: HttpRequest, project_id: Id, payload: BaselineIn) -> Status[Baseline]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    baseline = baseline_save_valued(
        viewer=viewer, project=project, index=payload.index, name=payload.name, overwrite=payload.overwrite
    )
    return Status(201, baseline)


def _variance_row(v: TaskVariance, cost_shown: bool) -> dict[str, Any]:
    return {
        "task_id": v.task,
        "start_minutes": v.start,
        "finish_minutes": v.finish,
        "duration_minutes": v.duration,
        "work_minutes": v.work,
        "cost_minor": v.cost if cost_shown else None,
        "start_days": str(v.start_days),
        "finish_days": str(v.finish_days),
        "duration_days": str(v.duration_days),
    }


@router.get(
    "/projects/{project_id}/baselines/{index}/variance",
    response=responses(VarianceOut),
    summary="The current plan against a baseline: start, finish, duration, work and cost variance",
)
def baseline_variance_get(request: HttpRequest, project_id: Id, index: int) -> dict[str, Any]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    cost_shown = money_visible(viewer, project)
    baseline = baseline_of(project, index)
    if baseline is None:
        raise NotFound(f"This project has no baseline {index}.")
    costs = planned_costs(project)
    result = baseline_variance(project, baseline, costs.costs)
    return {
        "baseline": result.baseline,
        "project": _variance_row(result.project, cost_shown),
        "tasks": [_variance_row(v, cost_shown) for v in result.tasks.values()],
        "added": list(result.added),
        "removed": list(result.removed),
        "unvalued": [{"task_id": t, "reason": r} for t, r in sorted(costs.unvalued.items())],
    }
