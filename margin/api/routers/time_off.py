"""Time off (/time-off): list (mine, a person's, by status, waiting for my decision), request, one, approve,
reject, cancel. Who may do what is the actions' business (:mod:`margin.resourcing.actions.time_off`); another
organisation's or a hidden company's time off answers 404."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from margin.accounts.queries import Viewer, person_get
from margin.api.schemas.common import Id, responses
from margin.api.schemas.time_off import TimeOffDecisionIn, TimeOffFilter, TimeOffIn, TimeOffOut
from margin.api.security import viewer_of
from margin.core.errors import Invalid
from margin.resourcing.actions.time_off import time_off_approve, time_off_cancel, time_off_reject, time_off_request
from margin.resourcing.models import TimeOff, TimeOffStatus
from margin.resourcing.queries.time_off import can_decide, time_off_filtered, time_off_get, time_off_to_approve

router = Router(tags=["time off"])
MAX_ROWS = 2000


def time_off_out(viewer: Viewer, t: TimeOff) -> dict[str, Any]:
    return {
        "id": t.pk,
        "person_id": t.person_id,
        "person_name": t.person.name,
        "kind": t.kind,
        "first_day": t.first_day,
        "last_day": t.last_day,
        "minutes_per_day": t.minutes_per_day,
        "note": t.note,
        "status": t.status,
        "requested_by_id": t.requested_by_id,
        "requested_at": t.requested_at,
        "decided_by_id": t.decided_by_id,
        "decided_at": t.decided_at,
        "decision_note": t.decision_note,
        "can_decide": t.status == TimeOffStatus.REQUESTED and can_decide(viewer, t),
    }


@router.get("", response=responses(list[TimeOffOut]), summary="Time off you may see, filtered")
def time_off_list(request: HttpRequest, filters: Query[TimeOffFilter]) -> list[dict[str, Any]]:
    viewer = viewer_of(request)
    if filters.to_approve:
        rows = time_off_to_approve(viewer)
        if filters.person_id is not None:
            rows = rows.filter(person_id=filters.person_id)
    else:
        rows = time_off_filtered(viewer, person_id=filters.person_id, status=filters.status, mine=filters.mine)
    return [time_off_out(viewer, t) for t in rows[:MAX_ROWS]]


@router.post("", response=responses(TimeOffOut, 201), summary="Request time off (yours, or for someone you log for)")
def time_off_add(request: HttpRequest, payload: TimeOffIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    person_id = payload.person_id if payload.person_id is not None else viewer.person_id
    if person_id is None:
        raise Invalid("Say whose time off it is: you have no person of your own.", field="person_id")
    person = person_get(viewer, person_id)
    time_off = time_off_request(
        viewer=viewer,
        person=person,
        kind=payload.kind,
        first_day=payload.first_day,
        last_day=payload.last_day,
        minutes_per_day=payload.minutes_per_day,
        note=payload.note,
    )
    return Status(201, time_off_out(viewer, time_off_get(viewer, time_off.pk)))


@router.get("/{time_off_id}", response=responses(TimeOffOut), summary="One time off")
def time_off_detail(request: HttpRequest, time_off_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    return time_off_out(viewer, time_off_get(viewer, time_off_id))


@router.post("/{time_off_id}/approve", response=responses(TimeOffOut), summary="Approve a request (line manager)")
def time_off_approve_endpoint(request: HttpRequest, time_off_id: Id, payload: TimeOffDecisionIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    time_off_approve(viewer=viewer, time_off=time_off_get(viewer, time_off_id), note=payload.note)
    return time_off_out(viewer, time_off_get(viewer, time_off_id))


@router.post("/{time_off_id}/reject", response=responses(TimeOffOut), summary="Reject a request (line manager)")
def time_off_reject_endpoint(request: HttpRequest, time_off_id: Id, payload: TimeOffDecisionIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    time_off_reject(viewer=viewer, time_off=time_off_get(viewer, time_off_id), note=payload.note)
    return time_off_out(viewer, time_off_get(viewer, time_off_id))


@router.post("/{time_off_id}/cancel", response=responses(TimeOffOut), summary="Cancel a request or approved time off")
def time_off_cancel_endpoint(request: HttpRequest, time_off_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    time_off_cancel(viewer=viewer, time_off=time_off_get(viewer, time_off_id))
    return time_off_out(viewer, time_off_get(viewer, time_off_id))
