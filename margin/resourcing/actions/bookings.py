"""Writes of bookings: book a person (or a placeholder for a role) on a project, change it (the heatmap drags and
resizes through :func:`booking_update`), remove it.

The rules, checked on every write:

- only whoever staffs the project books on it (:func:`margin.resourcing.queries.can_staff`); not on a closed,
  archived or template project;
- a person is booked only while employed: not before their start date, not after their end date;
- the load is hours per day (1 minute to 24 hours) or a percentage of capacity (1 to 500);
- a booking that takes someone above their capacity on any day is kept when soft (the answer warns) and refused
  when hard, unless forced with a reason (stored on the booking). Only other hard bookings count towards
  refusing a hard one: tentative bookings do not block confirmed work, but they are in the warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.db import transaction

from margin.accounts.models import Person, Role
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.text import clean_text
from margin.projects.models import Project, ProjectStatus
from margin.projects.queries import in_scope
from margin.resourcing.capacity import days_between
from margin.resourcing.models import Booking, BookingKind, BookingUnit, StaffingRequest
from margin.resourcing.queries import booked_by_day, can_staff
from margin.resourcing.rules import booked_minutes, overbooking

BOOKING_FIELDS = [
    "project",
    "person",
    "role",
    "first_day",
    "last_day",
    "unit",
    "minutes_per_day",
    "percent",
    "kind",
    "forced_reason",
    "note",
]
MAX_PERCENT = 500
MAX_BOOKING_DAYS = 3 * 366  # three years: refuses a typo in a year


@dataclass
class BookingSaved:
    booking: Booking
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BookingInput:
    """What a booking says; :func:`booking_create` and :func:`booking_update` check it the same way."""

    project: Project
    person: Person | None
    role: Role | None
    first_day: date
    last_day: date
    unit: str = BookingUnit.HOURS
    minutes_per_day: int | None = None
    percent: int | None = None
    kind: str = BookingKind.SOFT
    note: str = ""
    forced_reason: str = ""


def check_staffable(viewer: Viewer, project: Project) -> None:
    """The project may be staffed by this viewer: theirs to staff, not a template, not closed (bookings and
    staffing requests alike)."""
    if not in_scope(viewer, project):
        raise NotFound("No such project.")
    if not can_staff(viewer, project):
        raise Forbidden("Only an administrator or the project's manager books people on it.")
    if project.is_template:
        raise Invalid("A template is not staffed; book people on a project made from it.", field="project_id")
    if project.status == ProjectStatus.CLOSED or project.archived_at is not None:
        raise Conflict("The project is closed; reopen it to book people on it.", field="project_id")


def _check_input(viewer: Viewer, data: BookingInput) -> BookingInput:
    """The booking's own fields: who, when, how much. Returns it with its texts cleaned."""
    if data.person is None and data.role is None:
        raise Invalid("Book a person, or a role as a placeholder.", field="person_id")
    if data.person is not None and data.person.organisation_id != viewer.organisation_id:
        raise Invalid("No such person.", field="person_id")
    if data.role is not None and data.role.organisation_id != viewer.organisation_id:
        raise Invalid("No such role.", field="role_id")
    if data.last_day < data.first_day:
        raise Invalid("A booking ends on or after the day it begins.", field="last_day")
    if (data.last_day - data.first_day).days >= MAX_BOOKING_DAYS:
        raise Invalid("A booking is at most three years long; book the rest later.", field="last_day")
    person = data.person
    if person is not None:
        if person.start_date is not None and data.first_day < person.start_date:
            raise Invalid(
                f"{person.name} starts on {person.start_date:%d %b %Y}; a booking cannot begin before.",
                field="first_day",
            )
        if person.end_date is not None and data.last_day > person.end_date:
            raise Invalid(
                f"{person.name}'s last day is {person.end_date:%d %b %Y}; a booking cannot run past it.",
                field="last_day",
            )
    if data.kind not in BookingKind.values:
        raise Invalid("A booking is soft (tentative) or hard (confirmed).", field="kind")
    minutes, percent = data.minutes_per_day, data.percent
    if data.unit == BookingUnit.HOURS:
        if type(minutes) is not int or not 0 < minutes <= 24 * 60:
            raise Invalid("Hours per day must be more than 0 and at most 24.", field="minutes_per_day")
        percent = None
    elif data.unit == BookingUnit.PERCENT:
        if type(percent) is not int or not 0 < percent <= MAX_PERCENT:
            raise Invalid(f"The share of capacity must be between 1 and {MAX_PERCENT} %.", field="percent")
        minutes = None
    else:
        raise Invalid("Book hours per day or a percentage of capacity.", field="unit")
    return BookingInput(
        project=data.project,
        person=person,
        role=data.role if data.role is not None else (person.role if person is not None else None),
        first_day=data.first_day,
        last_day=data.last_day,
        unit=data.unit,
        minutes_per_day=minutes,
        percent=percent,
        kind=data.kind,
        note=clean_text(data.note, field="note", max_length=200),
        forced_reason=clean_text(data.forced_reason, field="forced_reason", max_length=1000),
    )


def _check_load(data: BookingInput, *, exclude: int | None) -> tuple[list[str], str]:
    """Warnings for the person's load with this booking, and the reason kept on it (non-empty only when a hard
    booking over capacity was forced). Locks the person's row so two bookings cannot both take the last hours."""
    person = data.person
    if person is None:
        return [], ""
    Person.objects.select_for_update().filter(pk=person.pk).first()
    days = days_between(data.first_day, data.last_day)
    load = booked_by_day([person.pk], days, exclude=[exclude] if exclude else [])[person.pk]
    mine = [
        booked_minutes(minutes_per_day=data.minutes_per_day, percent=data.percent, capacity=c) for c in load.capacity
    ]
    if not any(mine):
        return [f"{person.name} has no working time between {data.first_day} and {data.last_day}."], ""
    everything = [t + m for t, m in zip(load.total, mine, strict=True)]
    over_all = overbooking(everything, load.capacity)
    warnings: list[str] = []
    if over_all.any:
        peak_day = days[over_all.peak_day_index]
        warnings.append(
            f"{person.name} is booked over capacity on {over_all.days} "
            f"day{'s' if over_all.days != 1 else ''} (up to {over_all.peak_percent} % on {peak_day:%d %b %Y})."
        )
    if data.kind != BookingKind.HARD:
        return warnings, ""
    confirmed = overbooking([h + m for h, m in zip(load.hard, mine, strict=True)], load.capacity)
    if not confirmed.any:
        return warnings, ""
    if not data.forced_reason:
        peak_day = days[confirmed.peak_day_index]
        raise Conflict(
            f"A hard booking would take {person.name} over capacity on {confirmed.days} "
            f"day{'s' if confirmed.days != 1 else ''} (up to {confirmed.peak_percent} % on {peak_day:%d %b %Y}). "
            "Book it soft, shorten it, or force it with a reason.",
            field="kind",
            code="overbooked",
        )
    return warnings, data.forced_reason


def _audit(viewer: Viewer, action: str, booking: Booking, before: dict[str, object] | None = None) -> None:
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action=action,
        obj=booking,
        before=before,
        after=audit.snapshot(booking, BOOKING_FIELDS),
    )


@transaction.atomic
def booking_create(*, viewer: Viewer, data: BookingInput, request: StaffingRequest | None = None) -> BookingSaved:
    check_staffable(viewer, data.project)
    clean = _check_input(viewer, data)
    warnings, forced = _check_load(clean, exclude=None)
    booking = Booking.objects.create(
        organisation_id=viewer.organisation_id,
        project=clean.project,
        person=clean.person,
        role=clean.role,
        first_day=clean.first_day,
        last_day=clean.last_day,
        unit=clean.unit,
        minutes_per_day=clean.minutes_per_day,
        percent=clean.percent,
        kind=clean.kind,
        forced_reason=forced,
        note=clean.note,
        request=request,
        created_by_id=viewer.user_id,
    )
    _audit(viewer, "booking.create", booking)
    return BookingSaved(booking, warnings)


def input_of(booking: Booking) -> BookingInput:
    """A booking's fields as an input, to change some of them with :func:`dataclasses.replace`."""
    return BookingInput(
        project=booking.project,
        person=booking.person,
        role=booking.role,
        first_day=booking.first_day,
        last_day=booking.last_day,
        unit=booking.unit,
        minutes_per_day=booking.minutes_per_day,
        percent=booking.percent,
        kind=booking.kind,
        note=booking.note,
        forced_reason=booking.forced_reason,
    )


@transaction.atomic
def booking_update(*, viewer: Viewer, booking: Booking, data: BookingInput) -> BookingSaved:
    """Change a booking (move, resize, reassign, confirm). Both the project it was on and the one it goes to
    must be the viewer's to staff."""
    locked = (
        Booking.objects.select_for_update(of=("self",)).select_related("project", "person", "role").get(pk=booking.pk)
    )
    check_staffable(viewer, locked.project)
    if data.project.pk != locked.project_id:
        check_staffable(viewer, data.project)
    clean = _check_input(viewer, data)
    warnings, forced = _check_load(clean, exclude=locked.pk)
    before = audit.snapshot(locked, BOOKING_FIELDS)
    locked.project = clean.project
    locked.person = clean.person
    locked.role = clean.role
    locked.first_day = clean.first_day
    locked.last_day = clean.last_day
    locked.unit = clean.unit
    locked.minutes_per_day = clean.minutes_per_day
    locked.percent = clean.percent
    locked.kind = clean.kind
    locked.forced_reason = forced
    locked.note = clean.note
    locked.save()
    _audit(viewer, "booking.update", locked, before)
    return BookingSaved(locked, warnings)


@transaction.atomic
def booking_move(*, viewer: Viewer, booking: Booking, shift_days: int = 0, resize_days: int = 0) -> BookingSaved:
    """Drag a booking by ``shift_days`` (both ends) and stretch its end by ``resize_days`` (the heatmap's drag
    and resize), with every rule of :func:`booking_update`."""
    if type(shift_days) is not int or type(resize_days) is not int:
        raise Invalid("Move a booking by whole days.", field="shift_days")
    current = input_of(booking)
    moved = replace(
        current,
        first_day=current.first_day + timedelta(days=shift_days),
        last_day=current.last_day + timedelta(days=shift_days + resize_days),
    )
    return booking_update(viewer=viewer, booking=booking, data=moved)


@transaction.atomic
def booking_delete(*, viewer: Viewer, booking: Booking) -> None:
    locked = Booking.objects.select_for_update(of=("self",)).select_related("project").get(pk=booking.pk)
    check_staffable(viewer, locked.project)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="booking.delete",
        obj=locked,
        before=audit.snapshot(locked, BOOKING_FIELDS),
    )
    locked.delete()
