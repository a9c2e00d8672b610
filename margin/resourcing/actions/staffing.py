"""Writes of staffing: a project asks for someone (a staffing request), the request is filled by booking a person
hard on it, or cancelled; a batch of open requests is staffed by the optimiser as a plan to accept or discard.

Accepting a plan books every chosen person hard in one transaction; each booking is checked like any other (a
hard booking over capacity is refused), so a plan whose situation changed since it was computed is refused as
a whole and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from margin.accounts.models import Person, Role
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from margin.core.models import JobRun
from margin.core.text import clean_text
from margin.projects.models import Project
from margin.resourcing.models import (
    MAX_LEVEL,
    MIN_LEVEL,
    BookingKind,
    BookingUnit,
    RequestPriority,
    RequestSkill,
    RequestStatus,
    Skill,
    StaffingPlan,
    StaffingPlanStatus,
    StaffingRequest,
)
from margin.resourcing.queries import can_staff, require_can_see_resources

from .bookings import BookingInput, BookingSaved, booking_create, check_staffable

REQUEST_FIELDS = ["project", "role", "first_day", "last_day", "minutes_per_day", "priority", "status", "note"]
MAX_REQUEST_DAYS = 2 * 366


@dataclass(frozen=True)
class RequestInput:
    project: Project
    role: Role | None
    first_day: date
    last_day: date
    minutes_per_day: int
    priority: int = RequestPriority.NORMAL
    skills: Sequence[tuple[Skill, int]] = ()
    note: str = ""


def _check_request(viewer: Viewer, data: RequestInput) -> RequestInput:
    check_staffable(viewer, data.project)
    if data.role is not None and data.role.organisation_id != viewer.organisation_id:
        raise Invalid("No such role.", field="role_id")
    if data.last_day < data.first_day:
        raise Invalid("A request ends on or after the day it begins.", field="last_day")
    if (data.last_day - data.first_day).days >= MAX_REQUEST_DAYS:
        raise Invalid("A request is at most two years long.", field="last_day")
    if type(data.minutes_per_day) is not int or not 0 < data.minutes_per_day <= 24 * 60:
        raise Invalid("Hours per day must be more than 0 and at most 24.", field="minutes_per_day")
    if data.priority not in RequestPriority.values:
        raise Invalid("Priority is 1 (low) to 4 (urgent).", field="priority")
    seen: set[int] = set()
    for skill, level in data.skills:
        if skill.organisation_id != viewer.organisation_id:
            raise Invalid("No such skill.", field="skills")
        if skill.pk in seen:
            raise Invalid(f"{skill.name} is asked for twice.", field="skills")
        seen.add(skill.pk)
        if type(level) is not int or not MIN_LEVEL <= level <= MAX_LEVEL:
            raise Invalid(f"A minimum level is {MIN_LEVEL} to {MAX_LEVEL}.", field="skills")
    return RequestInput(
        project=data.project,
        role=data.role,
        first_day=data.first_day,
        last_day=data.last_day,
        minutes_per_day=data.minutes_per_day,
        priority=data.priority,
        skills=list(data.skills),
        note=clean_text(data.note, field="note", max_length=2000),
    )


def _snapshot(request: StaffingRequest) -> dict[str, Any]:
    snap = audit.snapshot(request, REQUEST_FIELDS)
    snap["skills"] = [
        [rs.skill_id, rs.min_level] for rs in RequestSkill.objects.filter(request=request).order_by("skill_id")
    ]
    return snap


def _audit(viewer: Viewer, action: str, obj: Any, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action=action,
        obj=obj,
        before=before,
        after=after,
    )


@transaction.atomic
def staffing_request_create(*, viewer: Viewer, data: RequestInput) -> StaffingRequest:
    clean = _check_request(viewer, data)
    request = StaffingRequest.objects.create(
        organisation_id=viewer.organisation_id,
        project=clean.project,
        role=clean.role,
        first_day=clean.first_day,
        last_day=clean.last_day,
        minutes_per_day=clean.minutes_per_day,
        priority=clean.priority,
        note=clean.note,
        created_by_id=viewer.user_id,
    )
    RequestSkill.objects.bulk_create(
        [RequestSkill(request=request, skill=skill, min_level=level) for skill, level in clean.skills]
    )
    _audit(viewer, "staffing_request.create", request, None, _snapshot(request))
    return request


def _locked_open(viewer: Viewer, request: StaffingRequest) -> StaffingRequest:
    locked = StaffingRequest.objects.select_for_update().select_related("project").get(pk=request.pk)
    check_staffable(viewer, locked.project)
    if locked.status != RequestStatus.OPEN:
        raise Conflict(f"The request is {locked.get_status_display().lower()} already.", field="status")
    return locked


@transaction.atomic
def staffing_request_update(*, viewer: Viewer, request: StaffingRequest, data: RequestInput) -> StaffingRequest:
    locked = _locked_open(viewer, request)
    if data.project.pk != locked.project_id:
        raise Invalid("A request stays on its project; cancel it and ask on the other.", field="project_id")
    clean = _check_request(viewer, data)
    before = _snapshot(locked)
    locked.role = clean.role
    locked.first_day = clean.first_day
    locked.last_day = clean.last_day
    locked.minutes_per_day = clean.minutes_per_day
    locked.priority = clean.priority
    locked.note = clean.note
    locked.save()
    RequestSkill.objects.filter(request=locked).delete()
    RequestSkill.objects.bulk_create(
        [RequestSkill(request=locked, skill=skill, min_level=level) for skill, level in clean.skills]
    )
    _audit(viewer, "staffing_request.update", locked, before, _snapshot(locked))
    return locked


@transaction.atomic
def staffing_request_cancel(*, viewer: Viewer, request: StaffingRequest) -> StaffingRequest:
    locked = _locked_open(viewer, request)
    before = _snapshot(locked)
    locked.status = RequestStatus.CANCELLED
    locked.save(update_fields=["status"])
    _audit(viewer, "staffing_request.cancel", locked, before, _snapshot(locked))
    return locked


@transaction.atomic
def staffing_request_fill(
    *, viewer: Viewer, request: StaffingRequest, person: Person, forced_reason: str = ""
) -> BookingSaved:
    """Book ``person`` hard on the request's project for its window and hours, and mark the request filled."""
    locked = _locked_open(viewer, request)
    if person.organisation_id != viewer.organisation_id:
        raise Invalid("No such person.", field="person_id")
    if not person.active:
        raise Invalid(f"{person.name} is not active.", field="person_id")
    saved = booking_create(
        viewer=viewer,
        data=BookingInput(
            project=locked.project,
            person=person,
            role=locked.role,
            first_day=locked.first_day,
            last_day=locked.last_day,
            unit=BookingUnit.HOURS,
            minutes_per_day=locked.minutes_per_day,
            kind=BookingKind.HARD,
            note=f"Staffing request {locked.pk}",
            forced_reason=forced_reason,
        ),
        request=locked,
    )
    before = _snapshot(locked)
    locked.status = RequestStatus.FILLED
    locked.save(update_fields=["status"])
    _audit(viewer, "staffing_request.fill", locked, before, {**_snapshot(locked), "booking": saved.booking.pk})
    return saved


# --- staffing plans (the optimiser's batches) ----------------------------------------------------------------


@transaction.atomic
def staffing_plan_create(
    *, viewer: Viewer, requests: Sequence[StaffingRequest], job_run: JobRun | None = None
) -> StaffingPlan:
    """A running plan for the open requests the viewer staffs (the job fills it)."""
    require_can_see_resources(viewer)
    current = StaffingRequest.objects.filter(
        pk__in=[r.pk for r in requests], organisation_id=viewer.organisation_id, status=RequestStatus.OPEN
    ).select_related("project")
    mine = [r for r in current if can_staff(viewer, r.project)]
    if not mine:
        raise Invalid("No open request of a project you staff: nothing to plan.", field="requests")
    plan = StaffingPlan.objects.create(
        organisation_id=viewer.organisation_id, created_by_id=viewer.user_id, job_run=job_run
    )
    plan.requests.set(mine)
    _audit(viewer, "staffing_plan.create", plan, None, {"requests": sorted(r.pk for r in mine)})
    return plan


@transaction.atomic
def staffing_plan_fill(*, plan_id: int, result: dict[str, Any] | None, error: str = "") -> StaffingPlan:
    """The job's answer: the plan becomes proposed (or failed, with the error)."""
    plan = StaffingPlan.objects.select_for_update().get(pk=plan_id)
    if plan.status != StaffingPlanStatus.RUNNING:
        return plan
    plan.result = result if result is not None else {"error": error}
    plan.status = StaffingPlanStatus.PROPOSED if result is not None else StaffingPlanStatus.FAILED
    plan.save(update_fields=["result", "status"])
    return plan


def _locked_proposed(viewer: Viewer, plan: StaffingPlan) -> StaffingPlan:
    require_can_see_resources(viewer)
    locked = StaffingPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.organisation_id != viewer.organisation_id:
        raise NotFound("No such staffing plan.")
    if locked.status != StaffingPlanStatus.PROPOSED:
        raise Conflict(
            f"The plan is {locked.get_status_display().lower()}; only a proposed plan is decided.", field="status"
        )
    return locked


@transaction.atomic
def staffing_plan_accept(*, viewer: Viewer, plan: StaffingPlan) -> list[BookingSaved]:
    """Book every chosen person hard on their request and mark the requests filled, all or nothing: a request no
    longer open, or a person now over capacity, refuses the whole plan (run it again)."""
    locked = _locked_proposed(viewer, plan)
    pairs = (locked.result or {}).get("pairs", [])
    requests = {r.pk: r for r in StaffingRequest.objects.filter(pk__in=[p["request_id"] for p in pairs])}
    people = {p.pk: p for p in Person.objects.filter(pk__in=[p["person_id"] for p in pairs])}
    saved: list[BookingSaved] = []
    for pair in pairs:
        request = requests.get(pair["request_id"])
        person = people.get(pair["person_id"])
        if request is None or person is None:
            raise Conflict("A request or person of the plan is gone; run the plan again.", field="plan")
        if not can_staff(viewer, request.project):
            raise Forbidden(f"You do not staff {request.project.name}; its manager accepts that part.")
        try:
            saved.append(staffing_request_fill(viewer=viewer, request=request, person=person))
        except DomainError as error:
            raise Conflict(
                f"The situation changed since the plan was made ({error.message}); nothing was booked. "
                "Run the plan again.",
                field="plan",
                code=error.code,
            ) from error
    before = {"status": locked.status}
    locked.status = StaffingPlanStatus.ACCEPTED
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at"])
    _audit(
        viewer,
        "staffing_plan.accept",
        locked,
        before,
        {"status": locked.status, "bookings": [s.booking.pk for s in saved]},
    )
    return saved


@transaction.atomic
def staffing_plan_discard(*, viewer: Viewer, plan: StaffingPlan) -> StaffingPlan:
    locked = _locked_proposed(viewer, plan)
    before = {"status": locked.status}
    locked.status = StaffingPlanStatus.DISCARDED
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at"])
    _audit(viewer, "staffing_plan.discard", locked, before, {"status": locked.status})
    return locked
