"""Bookings: who may book, within employment, soft over capacity warned, hard over capacity refused unless forced."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from margin.accounts.models import Person
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.projects.models import Project, ProjectStatus
from margin.resourcing.actions import BookingInput, booking_create, booking_delete, booking_move, booking_update
from margin.resourcing.capacity import days_between
from margin.resourcing.models import Booking, BookingKind, BookingUnit, TimeOff, TimeOffStatus
from margin.resourcing.queries import booked_by_day
from tests.checks import audit_row, refused
from tests.firm import Firm

MONDAY = date(2027, 3, 1)
FRIDAY = date(2027, 3, 5)


def _input(firm: Firm, **changes: object) -> BookingInput:
    base = BookingInput(
        project=firm.project,
        person=firm.member_person,
        role=None,
        first_day=MONDAY,
        last_day=FRIDAY,
        unit=BookingUnit.HOURS,
        minutes_per_day=240,
        kind=BookingKind.HARD,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_booking_is_stored_with_its_role_and_an_audit_row(firm: Firm) -> None:
    saved = booking_create(viewer=firm.manager, data=_input(firm))
    booking = Booking.objects.get()
    assert saved.warnings == [] and booking.role_id == firm.member_person.role_id
    assert audit_row("booking.create", booking).after["minutes_per_day"] == 240
    load = booked_by_day([firm.member_person.pk], days_between(MONDAY, FRIDAY))[firm.member_person.pk]
    assert load.hard == [240] * 5 and load.soft == [0] * 5


def test_a_percentage_follows_the_capacity_of_each_day(firm: Firm) -> None:
    TimeOff.objects.create(
        organisation_id=firm.usd.organisation_id,
        person=firm.member_person,
        first_day=MONDAY,
        last_day=MONDAY,
        minutes_per_day=240,
        status=TimeOffStatus.APPROVED,
    )
    booking_create(viewer=firm.manager, data=_input(firm, unit=BookingUnit.PERCENT, percent=50, minutes_per_day=None))
    load = booked_by_day([firm.member_person.pk], days_between(MONDAY, date(2027, 3, 7)))[firm.member_person.pk]
    assert load.hard == [120, 240, 240, 240, 240, 0, 0]


def test_a_placeholder_books_a_role(firm: Firm) -> None:
    booking_create(viewer=firm.manager, data=_input(firm, person=None, role=firm.consultant))
    assert Booking.objects.get().placeholder


def test_soft_over_capacity_is_kept_with_a_warning(firm: Firm) -> None:
    booking_create(viewer=firm.manager, data=_input(firm, minutes_per_day=360))
    saved = booking_create(viewer=firm.manager, data=_input(firm, minutes_per_day=240, kind=BookingKind.SOFT))
    assert Booking.objects.count() == 2
    assert saved.warnings == ["Tom is booked over capacity on 5 days (up to 125 % on 01 Mar 2027)."]


def test_hard_over_capacity_is_refused_unless_forced_with_a_reason(firm: Firm) -> None:
    booking_create(viewer=firm.manager, data=_input(firm, minutes_per_day=360))
    with refused(Conflict, match="over capacity on 5 days .up to 125 %") as info:
        booking_create(viewer=firm.manager, data=_input(firm, minutes_per_day=240))
    assert info.value.code == "overbooked"
    saved = booking_create(viewer=firm.manager, data=_input(firm, minutes_per_day=240, forced_reason="Go-live week"))
    assert saved.booking.forced_reason == "Go-live week" and saved.warnings


def test_soft_bookings_do_not_block_a_hard_one(firm: Firm) -> None:
    booking_create(viewer=firm.manager, data=_input(firm, minutes_per_day=480, kind=BookingKind.SOFT))
    saved = booking_create(viewer=firm.manager, data=_input(firm, minutes_per_day=240))
    assert saved.booking.kind == BookingKind.HARD and saved.booking.forced_reason == "" and saved.warnings


def test_only_within_employment(firm: Firm) -> None:
    Person.objects.filter(pk=firm.member_person.pk).update(start_date=date(2027, 3, 3), end_date=date(2027, 12, 31))
    firm.member_person.refresh_from_db()
    with refused(Invalid, match="Tom starts on 03 Mar 2027; a booking cannot begin before"):
        booking_create(viewer=firm.manager, data=_input(firm))
    with refused(Invalid, match="last day is 31 Dec 2027"):
        booking_create(viewer=firm.manager, data=_input(firm, first_day=date(2027, 12, 1), last_day=date(2028, 1, 7)))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"last_day": date(2027, 2, 1)}, "last_day"),
        ({"minutes_per_day": 0}, "minutes_per_day"),
        ({"minutes_per_day": 24 * 60 + 1}, "minutes_per_day"),
        ({"unit": BookingUnit.PERCENT, "percent": 0}, "percent"),
        ({"unit": BookingUnit.PERCENT, "percent": 501}, "percent"),
        ({"unit": "days"}, "unit"),
        ({"kind": "maybe"}, "kind"),
        ({"person": None}, "person_id"),
        ({"last_day": date(2030, 6, 1)}, "last_day"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(firm: Firm, changes: dict[str, object], field: str) -> None:
    with refused(Invalid) as info:
        booking_create(viewer=firm.manager, data=_input(firm, **changes))
    assert info.value.field == field


def test_only_whoever_staffs_the_project_books_on_it(firm: Firm) -> None:
    with refused(Forbidden):
        booking_create(viewer=firm.member, data=_input(firm))
    with refused(NotFound):
        booking_create(viewer=firm.other_admin, data=_input(firm))
    Project.objects.filter(pk=firm.project.pk).update(status=ProjectStatus.CLOSED)
    firm.project.refresh_from_db()
    with refused(Conflict, match="closed"):
        booking_create(viewer=firm.manager, data=_input(firm))


def test_a_drag_moves_and_a_resize_stretches_with_the_same_rules(firm: Firm) -> None:
    booking = booking_create(viewer=firm.manager, data=_input(firm)).booking
    moved = booking_move(viewer=firm.manager, booking=booking, shift_days=7, resize_days=2).booking
    assert (moved.first_day, moved.last_day) == (date(2027, 3, 8), date(2027, 3, 14))
    assert audit_row("booking.update", moved).before["first_day"] == "2027-03-01"
    other = booking_create(viewer=firm.manager, data=_input(firm, minutes_per_day=480)).booking
    with refused(Conflict, other, moved):
        booking_move(viewer=firm.manager, booking=other, shift_days=7)


def test_an_update_does_not_count_the_booking_against_itself(firm: Firm) -> None:
    booking = booking_create(viewer=firm.manager, data=_input(firm, minutes_per_day=480)).booking
    saved = booking_update(
        viewer=firm.manager, booking=booking, data=_input(firm, minutes_per_day=480, note="Kick-off")
    )
    assert saved.warnings == [] and saved.booking.note == "Kick-off"


def test_delete_writes_an_audit_row(firm: Firm) -> None:
    booking = booking_create(viewer=firm.manager, data=_input(firm)).booking
    booking_delete(viewer=firm.manager, booking=booking)
    assert not Booking.objects.exists() and audit_row("booking.delete").before["minutes_per_day"] == 240
    kept = booking_create(viewer=firm.manager, data=_input(firm)).booking
    with refused(Forbidden, kept):
        booking_delete(viewer=firm.member, booking=kept)
