"""Time off: request, approve/reject by the line manager (else an administrator), cancel; refusals change
nothing; approved time off lowers capacity at once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from margin.accounts.models import Person
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.models import Notification
from margin.resourcing.actions.time_off import time_off_approve, time_off_cancel, time_off_reject, time_off_request
from margin.resourcing.capacity import capacity_by_day
from margin.resourcing.models import TimeOff, TimeOffKind, TimeOffStatus
from margin.resourcing.queries.time_off import (
    time_off_days,
    time_off_get,
    time_off_mine,
    time_off_to_approve,
    time_off_visible,
)
from tests.checks import audit_row, refused
from tests.firm import Firm

MONDAY = date(2026, 3, 2)
WEEK = [MONDAY + timedelta(days=i) for i in range(7)]


@pytest.fixture
def managed(firm: Firm) -> Firm:
    """Maya is Tom's and Lea's line manager."""
    Person.objects.filter(pk__in=[firm.member_person.pk, firm.member2_person.pk]).update(manager=firm.manager_person)
    firm.member_person.refresh_from_db()
    firm.member2_person.refresh_from_db()
    return firm


def _ask(firm: Firm, **kw: object) -> TimeOff:
    values: dict[str, object] = {"first_day": MONDAY, "last_day": MONDAY + timedelta(days=1)} | kw
    return time_off_request(viewer=firm.member, person=firm.member_person, **values)  # type: ignore[arg-type]


def test_request_notifies_the_manager_and_approval_lowers_capacity(managed: Firm) -> None:
    firm = managed
    tom = firm.member_person.pk
    off = _ask(firm, note="Skiing")
    assert off.status == TimeOffStatus.REQUESTED and off.requested_by_id == firm.member_user.pk
    assert audit_row("time_off.request", off).after["first_day"] == MONDAY.isoformat()  # type: ignore[index]
    note = Notification.objects.get(user=firm.manager_user)
    assert "Tom asks for time off (vacation) 2 Mar 2026 to 3 Mar 2026" in note.text
    assert note.url == "/resources/time-off/"
    assert capacity_by_day([tom], WEEK)[tom][:2] == [480, 480]  # a request lowers nothing
    assert list(time_off_to_approve(firm.manager)) == [off]
    assert list(time_off_to_approve(firm.member2)) == []
    time_off_approve(viewer=firm.manager, time_off=off, note="Enjoy")
    off.refresh_from_db()
    assert (off.status, off.decided_by_id, off.decision_note) == (TimeOffStatus.APPROVED, firm.manager_user.pk, "Enjoy")
    assert audit_row("time_off.approve", off).before["status"] == "requested"  # type: ignore[index]
    assert capacity_by_day([tom], WEEK)[tom] == [0, 0, 480, 480, 480, 0, 0]
    told = Notification.objects.get(user=firm.member_user)
    assert told.text == "Maya approved your time off 2 Mar 2026 to 3 Mar 2026. “Enjoy”"
    days = time_off_days([tom], MONDAY, WEEK[-1])[tom]
    assert set(days) == {MONDAY, MONDAY + timedelta(days=1)} and days[MONDAY].text == "Vacation"
    # Cancelling approved time off gives the capacity back.
    time_off_cancel(viewer=firm.member, time_off=off)
    assert capacity_by_day([tom], WEEK)[tom][:2] == [480, 480]
    assert audit_row("time_off.cancel", off).after["status"] == "cancelled"  # type: ignore[index]


def test_a_half_day_takes_its_minutes(managed: Firm) -> None:
    firm = managed
    tom = firm.member_person.pk
    off = _ask(firm, last_day=MONDAY, minutes_per_day=240, kind=TimeOffKind.OTHER)
    time_off_approve(viewer=firm.manager, time_off=off)
    assert capacity_by_day([tom], WEEK)[tom][0] == 240
    assert time_off_days([tom], MONDAY, MONDAY)[tom][MONDAY].text == "½ day off"


def test_without_a_line_manager_an_administrator_decides(firm: Firm) -> None:
    off = _ask(firm)
    assert Notification.objects.filter(user=firm.admin_user).count() == 1  # the administrators hear of it
    with refused(Forbidden, off, match="line manager, or an administrator"):
        time_off_approve(viewer=firm.manager, time_off=off)
    assert list(time_off_to_approve(firm.admin)) == [off]
    time_off_reject(viewer=firm.admin, time_off=off, note="Release week")
    off.refresh_from_db()
    assert off.status == TimeOffStatus.REJECTED
    assert audit_row("time_off.reject", off).after["status"] == "rejected"  # type: ignore[index]
    assert "Ada Admin rejected your time off" in Notification.objects.get(user=firm.member_user).text
    with refused(Conflict, off, match="rejected already"):
        time_off_approve(viewer=firm.admin, time_off=off)


def test_nobody_decides_their_own_time_off_but_an_administrator(managed: Firm) -> None:
    firm = managed
    Person.objects.filter(pk=firm.manager_person.pk).update(manager=firm.manager_person)  # her own manager
    manager = Person.objects.get(pk=firm.manager_person.pk)
    off = time_off_request(viewer=firm.manager, person=manager, first_day=MONDAY, last_day=MONDAY)
    with refused(Forbidden, off):
        time_off_approve(viewer=firm.manager, time_off=off)
    with refused(Forbidden, off):
        time_off_approve(viewer=firm.member, time_off=off)
    time_off_approve(viewer=firm.admin, time_off=off)


def test_who_may_request_and_see(managed: Firm) -> None:
    firm = managed
    with refused(Forbidden, match="only for yourself"):
        time_off_request(viewer=firm.member, person=firm.member2_person, first_day=MONDAY, last_day=MONDAY)
    other_person = Person.objects.get(organisation_id=firm.other_admin.organisation_id, name="Rita")
    with refused(NotFound):
        time_off_request(viewer=firm.admin, person=other_person, first_day=MONDAY, last_day=MONDAY)
    by_admin = time_off_request(viewer=firm.admin, person=firm.member2_person, first_day=MONDAY, last_day=MONDAY)
    mine = _ask(firm)
    assert list(time_off_mine(firm.member)) == [mine]
    assert set(time_off_visible(firm.manager)) == {mine, by_admin}  # her reports'
    assert set(time_off_visible(firm.member2)) == {by_admin}
    with pytest.raises(NotFound):
        time_off_get(firm.member2, mine.pk)
    with pytest.raises(NotFound):
        time_off_get(firm.other_admin, mine.pk)
    with refused(Forbidden, mine):
        time_off_cancel(viewer=firm.member2, time_off=mine)


@pytest.mark.parametrize(
    ("values", "error", "match"),
    [
        ({"last_day": MONDAY - timedelta(days=1)}, Invalid, "on or after its first day"),
        ({"minutes_per_day": 0}, Invalid, "more than 0 and at most 24"),
        ({"minutes_per_day": 24 * 60 + 1}, Invalid, "more than 0 and at most 24"),
        ({"last_day": MONDAY + timedelta(days=400)}, Invalid, "at most a year"),
        ({"kind": "party"}, Invalid, "vacation, sick leave or other"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    managed: Firm, values: dict[str, object], error: type[Exception], match: str
) -> None:
    with refused(error, match=match):  # type: ignore[arg-type]
        _ask(managed, **values)


def test_time_off_stays_inside_employment(managed: Firm) -> None:
    firm = managed
    Person.objects.filter(pk=firm.member_person.pk).update(start_date=MONDAY + timedelta(days=1))
    firm.member_person.refresh_from_db()
    with refused(Invalid, match="starts on 3 Mar 2026"):
        _ask(firm)
    Person.objects.filter(pk=firm.member_person.pk).update(start_date=None, end_date=MONDAY)
    firm.member_person.refresh_from_db()
    with refused(Invalid, match="last day is 2 Mar 2026"):
        _ask(firm)


def test_overlapping_time_off_is_refused(managed: Firm) -> None:
    firm = managed
    first = _ask(firm)
    with refused(Conflict, first, match="already has time off requested from 2 Mar 2026 to 3 Mar 2026"):
        _ask(firm, first_day=MONDAY + timedelta(days=1), last_day=MONDAY + timedelta(days=4))
    time_off_cancel(viewer=firm.member, time_off=first)
    _ask(firm, first_day=MONDAY + timedelta(days=1), last_day=MONDAY + timedelta(days=4))  # a cancelled one is gone
