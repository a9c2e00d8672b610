"""Staffing requests (a project asks for someone), ranked candidates with reasons, and staffing plans (the
optimiser over a batch of open requests, accepted in one transaction or discarded)."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from margin.accounts.queries import person_get, role_get
from margin.api.routers.bookings import booking_out
from margin.api.schemas.common import Id, responses
from margin.api.schemas.staffing import (
    BookingSavedOut,
    CandidateListOut,
    StaffingAcceptOut,
    StaffingFillIn,
    StaffingPlanIn,
    StaffingPlanOut,
    StaffingRequestFilter,
    StaffingRequestIn,
    StaffingRequestOut,
)
from margin.api.security import viewer_of
from margin.core.errors import Invalid
from margin.core.models import JobRunStatus
from margin.projects.queries import project_get
from margin.resourcing.actions import (
    RequestInput,
    staffing_plan_accept,
    staffing_plan_discard,
    staffing_request_cancel,
    staffing_request_create,
    staffing_request_fill,
    staffing_request_update,
)
from margin.resourcing.jobs import staffing_start
from margin.resourcing.models import Skill, StaffingPlan, StaffingPlanStatus, StaffingRequest
from margin.resourcing.queries import (
    candidates_for,
    staffing_plan_get,
    staffing_plans_visible,
    staffing_request_get,
    staffing_requests_open,
    staffing_requests_visible,
)

requests_router = Router(tags=["staffing"])
plans_router = Router(tags=["staffing"])


def request_out(r: StaffingRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "project_id": r.project_id,
        "project": r.project.name,
        "role_id": r.role_id,
        "first_day": r.first_day,
        "last_day": r.last_day,
        "minutes_per_day": r.minutes_per_day,
        "priority": int(r.priority),
        "status": r.status,
        "note": r.note,
        "skills": [{"skill_id": s.skill_id, "skill": s.skill.name, "min_level": s.min_level} for s in r.skills.all()],
    }


def _input(request: HttpRequest, payload: StaffingRequestIn) -> RequestInput:
    viewer = viewer_of(request)
    wanted = {s.skill_id: s.min_level for s in payload.skills}
    skills = {s.pk: s for s in Skill.objects.filter(organisation_id=viewer.organisation_id, pk__in=wanted)}
    if len(skills) != len(wanted) or len(wanted) != len(payload.skills):
        raise Invalid("No such skill, or a skill asked for twice.", field="skills")
    return RequestInput(
        project=project_get(viewer, payload.project_id),
        role=role_get(viewer, payload.role_id) if payload.role_id is not None else None,
        first_day=payload.first_day,
        last_day=payload.last_day,
        minutes_per_day=payload.minutes_per_day,
        priority=payload.priority,
        skills=[(skills[pk], level) for pk, level in wanted.items()],
        note=payload.note,
    )


@requests_router.get("", response=responses(list[StaffingRequestOut]), summary="Staffing requests you may see")
def request_list(request: HttpRequest, filters: Query[StaffingRequestFilter]) -> list[dict[str, Any]]:
    rows: QuerySet[StaffingRequest] = staffing_requests_visible(viewer_of(request))
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    if filters.project_id is not None:
        rows = rows.filter(project_id=filters.project_id)
    return [request_out(r) for r in rows[:1000]]


@requests_router.post("", response=responses(StaffingRequestOut, 201), summary="Ask for someone on a project")
def request_add(request: HttpRequest, payload: StaffingRequestIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    created = staffing_request_create(viewer=viewer, data=_input(request, payload))
    return Status(201, request_out(staffing_request_get(viewer, created.pk)))


@requests_router.get("/{request_id}", response=responses(StaffingRequestOut), summary="A staffing request")
def request_detail(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    return request_out(staffing_request_get(viewer_of(request), request_id))


@requests_router.put("/{request_id}", response=responses(StaffingRequestOut), summary="Change an open request")
def request_change(request: HttpRequest, request_id: Id, payload: StaffingRequestIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    staffing_request_update(
        viewer=viewer, request=staffing_request_get(viewer, request_id), data=_input(request, payload)
    )
    return request_out(staffing_request_get(viewer, request_id))


@requests_router.post("/{request_id}/cancel", response=responses(StaffingRequestOut), summary="Cancel a request")
def request_cancel(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    staffing_request_cancel(viewer=viewer, request=staffing_request_get(viewer, request_id))
    return request_out(staffing_request_get(viewer, request_id))


@requests_router.post(
    "/{request_id}/fill",
    response=responses(BookingSavedOut, 201),
    summary="Fill a request: book the person hard for its window (409 overbooked: over capacity)",
)
def request_fill(request: HttpRequest, request_id: Id, payload: StaffingFillIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    saved = staffing_request_fill(
        viewer=viewer,
        request=staffing_request_get(viewer, request_id),
        person=person_get(viewer, payload.person_id),
        forced_reason=payload.forced_reason,
    )
    return Status(201, {**booking_out(saved.booking), "warnings": saved.warnings})


@requests_router.get(
    "/{request_id}/candidates",
    response=responses(CandidateListOut),
    summary="The people who could take a request, best fit first, with the reasons (none: why)",
)
def request_candidates(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    found = candidates_for(viewer, staffing_request_get(viewer, request_id))
    return {
        "request_id": request_id,
        "explanation": found.explanation,
        "candidates": [
            {
                "person_id": c.person_id,
                "name": c.name,
                "role": c.role_name,
                "same_company": c.same_company,
                "fit": c.score,
                "free_minutes": c.free_minutes,
                "needed_minutes": c.needed_minutes,
                "reasons": [{"part": r.part, "text": r.text, "good": r.good} for r in c.reasons],
            }
            for c in found.candidates
        ],
    }


def plan_out(p: StaffingPlan) -> dict[str, Any]:
    result: dict[str, Any] = p.result or {}
    run = p.job_run
    running = p.status == StaffingPlanStatus.RUNNING
    progress = 100 if not running else run.percent if run is not None else 0
    error = result.get("error") or (run.message if run is not None and run.status == JobRunStatus.FAILED else None)
    return {
        "id": p.pk,
        "status": p.status,
        "created_at": p.created_at,
        "decided_at": p.decided_at,
        "job_run_id": p.job_run_id,
        "progress": progress,
        "request_ids": sorted(r.pk for r in p.requests.all()),
        "pairs": result.get("pairs", []),
        "unfilled": result.get("unfilled", []),
        "objective": result.get("objective"),
        "bound": result.get("bound"),
        "gap": result.get("gap"),
        "optimal": result.get("optimal"),
        "error": error or None,
    }


@plans_router.get("", response=responses(list[StaffingPlanOut]), summary="Staffing plans, newest first")
def plan_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [plan_out(p) for p in staffing_plans_visible(viewer_of(request)).prefetch_related("requests")[:100]]


@plans_router.post(
    "",
    response={**responses(StaffingPlanOut, 202)},
    summary="Staff open requests with the optimiser (202: runs in the background; poll the plan)",
)
def plan_add(request: HttpRequest, payload: StaffingPlanIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    rows = staffing_requests_open(viewer)
    if payload.request_ids is not None:
        rows = rows.filter(pk__in=payload.request_ids)
    plan = staffing_start(viewer=viewer, requests=list(rows))
    return Status(202, plan_out(staffing_plan_get(viewer, plan.pk)))


@plans_router.get("/{plan_id}", response=responses(StaffingPlanOut), summary="A plan: status, progress, proposal")
def plan_detail(request: HttpRequest, plan_id: Id) -> dict[str, Any]:
    return plan_out(staffing_plan_get(viewer_of(request), plan_id))


@plans_router.post(
    "/{plan_id}/accept",
    response=responses(StaffingAcceptOut),
    summary="Accept a proposal: book everyone hard in one transaction (409 if the situation changed)",
)
def plan_accept(request: HttpRequest, plan_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    saved = staffing_plan_accept(viewer=viewer, plan=staffing_plan_get(viewer, plan_id))
    return {"plan": plan_out(staffing_plan_get(viewer, plan_id)), "booking_ids": [s.booking.pk for s in saved]}


@plans_router.post("/{plan_id}/discard", response=responses(StaffingPlanOut), summary="Discard a proposal")
def plan_discard(request: HttpRequest, plan_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    staffing_plan_discard(viewer=viewer, plan=staffing_plan_get(viewer, plan_id))
    return plan_out(staffing_plan_get(viewer, plan_id))
