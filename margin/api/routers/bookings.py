"""Bookings: people (or placeholders for a role) booked on projects, soft or hard. A hard booking over capacity
answers 409 ``overbooked`` unless forced with a reason; the answers carry the warnings about the person's load."""

from dataclasses import replace
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from margin.accounts.queries import person_get, role_get
from margin.api.schemas.common import Id, responses
from margin.api.schemas.staffing import BookingFilter, BookingIn, BookingOut, BookingPatch, BookingSavedOut
from margin.api.security import viewer_of
from margin.projects.queries import project_get
from margin.resourcing.actions import (
    BookingInput,
    BookingSaved,
    booking_create,
    booking_delete,
    booking_update,
    input_of,
)
from margin.resourcing.models import Booking
from margin.resourcing.queries import booking_get, bookings_visible

router = Router(tags=["bookings"])


def booking_out(b: Booking) -> dict[str, Any]:
    return {
        "id": b.pk,
        "project_id": b.project_id,
        "person_id": b.person_id,
        "role_id": b.role_id,
        "placeholder": b.person_id is None,
        "first_day": b.first_day,
        "last_day": b.last_day,
        "unit": b.unit,
        "minutes_per_day": b.minutes_per_day,
        "percent": b.percent,
        "kind": b.kind,
        "forced_reason": b.forced_reason,
        "note": b.note,
        "request_id": b.request_id,
    }


def _saved(saved: BookingSaved) -> dict[str, Any]:
    return {**booking_out(saved.booking), "warnings": saved.warnings}


@router.get("", response=responses(list[BookingOut]), summary="Bookings you may see, filtered")
def booking_list(request: HttpRequest, filters: Query[BookingFilter]) -> list[dict[str, Any]]:
    rows: QuerySet[Booking] = bookings_visible(viewer_of(request))
    if filters.person_id is not None:
        rows = rows.filter(person_id=filters.person_id)
    if filters.project_id is not None:
        rows = rows.filter(project_id=filters.project_id)
    if filters.role_id is not None:
        rows = rows.filter(role_id=filters.role_id)
    if filters.kind is not None:
        rows = rows.filter(kind=filters.kind)
    if filters.date_from is not None:
        rows = rows.filter(last_day__gte=filters.date_from)
    if filters.date_to is not None:
        rows = rows.filter(first_day__lte=filters.date_to)
    return [booking_out(b) for b in rows.order_by("first_day", "id")[:2000]]


@router.post(
    "",
    response=responses(BookingSavedOut, 201),
    summary="Book a person (or a placeholder for a role) on a project (409 overbooked: hard over capacity)",
)
def booking_add(request: HttpRequest, payload: BookingIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    data = BookingInput(
        project=project_get(viewer, payload.project_id),
        person=person_get(viewer, payload.person_id) if payload.person_id is not None else None,
        role=role_get(viewer, payload.role_id) if payload.role_id is not None else None,
        first_day=payload.first_day,
        last_day=payload.last_day,
        unit=payload.unit,
        minutes_per_day=payload.minutes_per_day,
        percent=payload.percent,
        kind=payload.kind,
        note=payload.note,
        forced_reason=payload.forced_reason,
    )
    return Status(201, _saved(booking_create(viewer=viewer, data=data)))


@router.get("/{booking_id}", response=responses(BookingOut), summary="A booking")
def booking_detail(request: HttpRequest, booking_id: Id) -> dict[str, Any]:
    return booking_out(booking_get(viewer_of(request), booking_id))


@router.patch(
    "/{booking_id}",
    response=responses(BookingSavedOut),
    summary="Change a booking: move, resize, reassign, confirm (409 overbooked: hard over capacity)",
)
def booking_change(request: HttpRequest, booking_id: Id, payload: BookingPatch) -> dict[str, Any]:
    viewer = viewer_of(request)
    booking = booking_get(viewer, booking_id)
    data = input_of(booking)
    given = payload.dict(exclude_unset=True)
    changes: dict[str, Any] = {k: v for k, v in given.items() if k not in ("project_id", "person_id", "role_id")}
    if "project_id" in given and given["project_id"] is not None:
        changes["project"] = project_get(viewer, given["project_id"])
    if "person_id" in given:
        changes["person"] = person_get(viewer, given["person_id"]) if given["person_id"] is not None else None
    if "role_id" in given:
        changes["role"] = role_get(viewer, given["role_id"]) if given["role_id"] is not None else None
    if changes.get("unit") == "percent" and "minutes_per_day" not in changes:
        changes["minutes_per_day"] = None
    if changes.get("unit") == "hours" and "percent" not in changes:
        changes["percent"] = None
    if "forced_reason" not in changes:
        changes["forced_reason"] = ""  # a force is for one write: a change is checked afresh
    changes = {k: ("" if v is None and k in ("note", "forced_reason") else v) for k, v in changes.items()}
    return _saved(booking_update(viewer=viewer, booking=booking, data=replace(data, **changes)))


@router.delete("/{booking_id}", response=responses(None, 204), summary="Remove a booking")
def booking_remove(request: HttpRequest, booking_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    booking_delete(viewer=viewer, booking=booking_get(viewer, booking_id))
    return Status(204, None)
