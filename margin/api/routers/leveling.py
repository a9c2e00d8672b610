"""Resource leveling (proposals to accept or discard), assignments, resource pools, over-allocations and
earned value."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from margin.accounts.queries import person_get
from margin.api.money import MONEY_ONLY
from margin.api.schemas.common import Id, decimal_text, money, responses
from margin.api.schemas.leveling import (
    AssignmentIn,
    AssignmentOut,
    EarnedValueReportOut,
    LevelingAcceptIn,
    LevelingIn,
    OverallocationOut,
    PoolIn,
    PoolOut,
    ProposalOut,
)
from margin.api.schemas.planning import ChangeOut
from margin.api.security import viewer_of
from margin.core.errors import NotFound
from margin.core.models import JobRunStatus
from margin.projects.planning import project_zone
from margin.projects.queries import project_get, require_money_visible, task_get
from margin.reporting.earned_value import project_earned_value
from margin.resourcing.actions import (
    assignment_create,
    assignment_delete,
    leveling_accept,
    leveling_discard,
    resource_pool_create,
)
from margin.resourcing.jobs import leveling_start
from margin.resourcing.leveling import (
    assignments_of,
    leveling_proposal_get,
    overallocations_of,
    resource_pool_get,
    resource_pools_visible,
)
from margin.resourcing.models import Assignment, LevelingProposal, LevelingStatus, ResourcePool
from margin.scheduling.evm import EarnedValue

router = Router(tags=["leveling"])


def _local(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(project_zone())


def _proposal(p: LevelingProposal) -> dict[str, Any]:
    result: dict[str, Any] = p.result or {}
    run = p.job_run
    running = p.status == LevelingStatus.RUNNING
    progress = 100 if not running else run.percent if run is not None else 0
    error = result.get("error") or (run.message if run is not None and run.status == JobRunStatus.FAILED else None)
    tasks = [
        {
            "task_id": int(task_id),
            "start": datetime.fromisoformat(entry["start"]),
            "finish": datetime.fromisoformat(entry["finish"]),
            "delay_minutes": entry["delay_minutes"],
        }
        for task_id, entry in result.get("tasks", {}).items()
    ]
    return {
        "id": p.pk,
        "project_id": p.project_id,
        "method": p.method,
        "status": p.status,
        "created_at": p.created_at,
        "decided_at": p.decided_at,
        "job_run_id": p.job_run_id,
        "progress": progress,
        "error": error or None,
        "makespan_minutes": result.get("makespan"),
        "tasks": sorted(tasks, key=lambda t: t["task_id"]),
        "violations": result.get("violations", []),
    }


@router.post(
    "/projects/{project_id}/leveling",
    response={**responses(ProposalOut, 201), 202: ProposalOut},
    summary="Level the project's resources: a proposal to accept or discard (cpsat: 202, runs in the background)",
)
def leveling_create(request: HttpRequest, project_id: Id, payload: LevelingIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    proposal = leveling_start(viewer=viewer, project=project_get(viewer, project_id), method=payload.method)
    proposal = leveling_proposal_get(viewer, proposal.pk)
    return Status(202 if payload.method == "cpsat" else 201, _proposal(proposal))


@router.get("/leveling/{proposal_id}", response=responses(ProposalOut), summary="A leveling: status, progress, delays")
def leveling_read(request: HttpRequest, proposal_id: Id) -> dict[str, Any]:
    return _proposal(leveling_proposal_get(viewer_of(request), proposal_id))


@router.post(
    "/leveling/{proposal_id}/accept",
    response=responses(ChangeOut),
    summary="Apply a leveling: delays become start-no-earlier-than constraints; the project is rescheduled "
    "(a proposal with violations needs ?acknowledge_violations=true)",
)
def leveling_accept_view(request: HttpRequest, proposal_id: Id, query: Query[LevelingAcceptIn]) -> dict[str, Any]:
    viewer = viewer_of(request)
    moved = leveling_accept(
        viewer=viewer,
        proposal=leveling_proposal_get(viewer, proposal_id),
        acknowledge_violations=query.acknowledge_violations,
    )
    return {
        "moved": [{"id": m.task, "start": _local(m.new_start), "finish": _local(m.new_finish)} for m in moved],
        "conflicts": [{"task_id": c.task, "kind": c.kind, "message": c.message} for c in moved.conflicts],
    }


@router.post("/leveling/{proposal_id}/discard", response=responses(ProposalOut), summary="Drop a leveling")
def leveling_discard_view(request: HttpRequest, proposal_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    proposal = leveling_discard(viewer=viewer, proposal=leveling_proposal_get(viewer, proposal_id))
    return _proposal(leveling_proposal_get(viewer, proposal.pk))


@router.get(
    "/projects/{project_id}/overallocations",
    response=responses(list[OverallocationOut]),
    summary="Per resource, the periods of the current plan where this project's demand exceeds capacity",
)
def overallocations(request: HttpRequest, project_id: Id) -> list[dict[str, Any]]:
    project = project_get(viewer_of(request), project_id)
    return [
        {
            "resource": o.resource,
            "name": o.name,
            "capacity": o.capacity,
            "demand": o.demand,
            "start": _local(o.start),
            "finish": _local(o.finish),
            "task_ids": list(o.task_ids),
        }
        for o in overallocations_of(project)
    ]


class EarnedValueQuery(Schema):
    baseline: int = Field(0, ge=0, le=10, description="The baseline slot (0–10)")
    status_date: date | None = Field(None, description="YYYY-MM-DD, end of that day; today when left out")


def _ev(figures: EarnedValue, name: str, currency: str) -> dict[str, Any]:
    def opt(value: int | None) -> Any:
        return None if value is None else money(value, currency)

    return {
        "task_id": figures.task if isinstance(figures.task, int) else None,
        "name": name,
        "bac": money(figures.bac, currency),
        "pv": money(figures.pv, currency),
        "ev": money(figures.ev, currency),
        "ac": money(figures.ac, currency),
        "sv": money(figures.sv, currency),
        "cv": money(figures.cv, currency),
        "spi": decimal_text(figures.spi),
        "cpi": decimal_text(figures.cpi),
        "eac": opt(figures.eac),
        "etc": opt(figures.etc),
        "vac": opt(figures.vac),
        "tcpi": decimal_text(figures.tcpi),
    }


@router.get(
    "/projects/{project_id}/earned-value",
    response=responses(EarnedValueReportOut),
    summary="Earned value (PV, EV, AC, SV, CV, SPI, CPI, EAC, ETC, VAC, TCPI) per task and for the project "
    "(403 unless you may see the project's money)",
    openapi_extra=MONEY_ONLY,
)
def earned_value(request: HttpRequest, project_id: Id, query: Query[EarnedValueQuery]) -> dict[str, Any]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    require_money_visible(viewer, project)
    status_date = query.status_date or datetime.now(project_zone()).date()
    report = project_earned_value(project, baseline_index=query.baseline, status_date=status_date)
    cur = report.currency
    return {
        "baseline": report.baseline_index,
        "status_date": status_date.isoformat(),
        "currency": cur,
        "project": _ev(report.project, project.name, cur),
        "tasks": [_ev(f, task.name, cur) for task, f in report.tasks],
        "unassigned_ac": money(report.unassigned_ac_minor, cur),
    }


def _assignment(a: Assignment) -> dict[str, Any]:
    return {"id": a.pk, "task_id": a.task_id, "person_id": a.person_id, "pool_id": a.pool_id, "units": a.units}


@router.get("/tasks/{task_id}/assignments", response=responses(list[AssignmentOut]), summary="A task's assignments")
def assignments(request: HttpRequest, task_id: Id) -> list[dict[str, Any]]:
    return [_assignment(a) for a in assignments_of(task_get(viewer_of(request), task_id))]


@router.post(
    "/tasks/{task_id}/assignments",
    response=responses(AssignmentOut, 201),
    summary="Assign a person (a project member) or a resource pool to a task, at some units",
)
def assignment_add(request: HttpRequest, task_id: Id, payload: AssignmentIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    task = task_get(viewer, task_id)
    person = person_get(viewer, payload.person_id) if payload.person_id is not None else None
    pool = resource_pool_get(viewer, payload.pool_id) if payload.pool_id is not None else None
    assignment = assignment_create(viewer=viewer, task=task, person=person, pool=pool, units=payload.units)
    return Status(201, _assignment(assignment))


@router.delete("/tasks/{task_id}/assignments/{assignment_id}", response=responses(None, 204), summary="Unassign")
def assignment_remove(request: HttpRequest, task_id: Id, assignment_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    task = task_get(viewer, task_id)
    assignment = assignments_of(task).filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound("No such assignment.")
    assignment_delete(viewer=viewer, assignment=assignment)
    return Status(204, None)


def _pool(p: ResourcePool) -> dict[str, Any]:
    return {"id": p.pk, "name": p.name, "kind": p.kind, "role_id": p.role_id, "max_units": p.max_units}


@router.get("/resource-pools", response=responses(list[PoolOut]), summary="The organisation's resource pools")
def pools(request: HttpRequest) -> list[dict[str, Any]]:
    return [_pool(p) for p in resource_pools_visible(viewer_of(request))]


@router.post("/resource-pools", response=responses(PoolOut, 201), summary="Create a resource pool (administrators)")
def pool_add(request: HttpRequest, payload: PoolIn) -> Status[dict[str, Any]]:
    pool = resource_pool_create(
        viewer=viewer_of(request),
        name=payload.name,
        kind=payload.kind,
        role_id=payload.role_id,
        max_units=payload.max_units,
    )
    return Status(201, _pool(pool))
