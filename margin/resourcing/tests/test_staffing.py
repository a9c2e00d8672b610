"""Staffing requests (ask, change, cancel, fill), ranked candidates with reasons, and the optimiser's plans."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from margin.accounts import actions as accounts
from margin.accounts.queries import viewer_for
from margin.core.errors import Conflict, Forbidden, Invalid
from margin.resourcing.actions import (
    BookingInput,
    RequestInput,
    booking_create,
    staffing_plan_accept,
    staffing_plan_discard,
    staffing_request_cancel,
    staffing_request_create,
    staffing_request_fill,
    staffing_request_update,
)
from margin.resourcing.capacity import days_between
from margin.resourcing.jobs import staffing_start
from margin.resourcing.models import (
    Booking,
    BookingKind,
    BookingUnit,
    RequestStatus,
    StaffingPlanStatus,
    UtilisationTarget,
)
from margin.resourcing.queries import booked_by_day, candidates_for, staffing_plan_get, staffing_request_get
from margin.resourcing.tests.staffing_setup import FRIDAY, MONDAY, ask, give, skill
from tests.checks import audit_row, refused
from tests.firm import Firm


def test_a_request_is_stored_with_its_skills_and_an_audit_row(firm: Firm) -> None:
    request = ask(firm, skills=(("Python", 3), ("SQL", 2)))
    assert request.status == RequestStatus.OPEN
    assert sorted((rs.skill.name, rs.min_level) for rs in request.skills.all()) == [("Python", 3), ("SQL", 2)]
    assert (audit_row("staffing_request.create", request).after or {})["skills"]


def test_bad_requests_are_refused_and_change_nothing(firm: Firm) -> None:
    with refused(Invalid, match="ends on or after"):
        ask(firm, first_day=FRIDAY, last_day=MONDAY)
    with refused(Invalid, match="Hours per day"):
        ask(firm, minutes=0)
    with refused(Invalid, match="minimum level"):
        ask(firm, skills=(("Python", 6),))
    with refused(Forbidden):
        staffing_request_create(
            viewer=firm.member,
            data=RequestInput(firm.project, None, MONDAY, FRIDAY, 480),
        )


def test_update_and_cancel(firm: Firm) -> None:
    request = ask(firm)
    data = RequestInput(firm.project, None, MONDAY, FRIDAY, 240, priority=4, skills=[(skill(firm, "Go"), 2)])
    staffing_request_update(viewer=firm.manager, request=request, data=data)
    request.refresh_from_db()
    assert request.minutes_per_day == 240 and request.priority == 4
    assert [rs.skill.name for rs in request.skills.all()] == ["Go"]
    staffing_request_cancel(viewer=firm.manager, request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    with refused(Conflict, match="cancelled already"):
        staffing_request_cancel(viewer=firm.manager, request=request)


def test_candidates_are_ranked_with_reasons_and_a_missing_skill_disqualifies(firm: Firm) -> None:
    give(firm, firm.member_person.pk, "Python", 4)
    give(firm, firm.member2_person.pk, "Python", 2)  # below the minimum: penalised, still a candidate
    give(firm, firm.manager_person.pk, "SQL", 5)  # no Python at all: disqualified
    UtilisationTarget.objects.create(organisation_id=firm.usd.organisation_id, valid_from=MONDAY, percent=75)
    request = ask(firm)
    found = candidates_for(firm.admin, staffing_request_get(firm.admin, request.pk))
    names = [c.name for c in found.candidates]
    assert names == ["Tom", "Lea"]
    tom = found.candidates[0]
    texts = [r.text for r in tom.reasons]
    assert "Python 4 ≥ 3" in texts
    assert "free 40 of 40 h" in texts
    assert "margin 60 % at cost 40 / rate 100" in texts
    assert "at 0 % vs target 75 % (→ 100 %)" in texts
    assert "Python 2 < 3" in [r.text for r in found.candidates[1].reasons]
    assert tom.score > found.candidates[1].score


def test_money_reasons_only_for_viewers_who_see_the_projects_money(firm: Firm) -> None:
    give(firm, firm.member_person.pk, "Python", 4)
    request = ask(firm)
    other = accounts.person_create(
        viewer=firm.admin,
        company=firm.usd,
        role=firm.senior,
        name="Other Manager",
        email="om@example.test",
        user=_user("om"),
        access_role="manager",
    )
    assert other
    assert other.user is not None
    viewer = viewer_for(other.user)
    found = candidates_for(viewer, staffing_request_get(viewer, request.pk))
    assert found.candidates and not found.money
    assert not any(r.money for c in found.candidates for r in c.reasons)
    assert any(r.money for r in candidates_for(firm.manager, request).candidates[0].reasons)
    with pytest.raises(Forbidden):
        candidates_for(firm.member, request)


def _user(name: str) -> User:
    return User.objects.create_user(username=name, password="x")


def test_no_candidate_answers_an_empty_list_with_why(firm: Firm) -> None:
    request = ask(firm, skills=(("Cobol", 5),))
    found = candidates_for(firm.admin, request)
    assert found.candidates == []
    assert "Cobol 5" in found.explanation


def test_candidates_read_a_few_queries_whatever_the_number_of_people(firm: Firm) -> None:
    give(firm, firm.member_person.pk, "Python", 4)
    request = staffing_request_get(firm.admin, ask(firm).pk)
    with CaptureQueriesContext(connection) as few:
        candidates_for(firm.admin, request)
    for i in range(8):
        p = accounts.person_create(
            viewer=firm.admin, company=firm.usd, role=firm.consultant, name=f"P{i}", email=f"p{i}@example.test"
        )
        give(firm, p.pk, "Python", 3)
    with CaptureQueriesContext(connection) as many:
        assert len(candidates_for(firm.admin, request).candidates) == 9
    assert len(many) == len(few) <= 15


def test_fill_books_the_person_hard_and_marks_the_request_filled(firm: Firm) -> None:
    request = ask(firm)
    saved = staffing_request_fill(viewer=firm.manager, request=request, person=firm.member_person)
    request.refresh_from_db()
    assert request.status == RequestStatus.FILLED
    booking = saved.booking
    assert booking.kind == BookingKind.HARD and booking.request_id == request.pk and booking.minutes_per_day == 480
    assert audit_row("staffing_request.fill", request)


def test_fill_over_capacity_is_refused_and_changes_nothing(firm: Firm) -> None:
    booking_create(
        viewer=firm.manager,
        data=BookingInput(firm.project, firm.member_person, None, MONDAY, FRIDAY, BookingUnit.HOURS, 240, None, "hard"),
    )
    request = ask(firm)
    with refused(Conflict, request) as info:
        staffing_request_fill(viewer=firm.manager, request=request, person=firm.member_person)
    assert info.value.code == "overbooked"


def _staffed(firm: Firm) -> list[int]:
    give(firm, firm.member_person.pk, "Python", 4)
    give(firm, firm.member2_person.pk, "Python", 3)
    ids = [ask(firm, priority=p).pk for p in (4, 3, 2)]  # three full-time requests, two people
    return ids


def test_staff_all_open_requests_proposes_then_accept_books_without_overbooking(firm: Firm) -> None:
    ids = _staffed(firm)
    plan = staffing_start(viewer=firm.manager, requests=[staffing_request_get(firm.manager, i) for i in ids])
    plan = staffing_plan_get(firm.manager, plan.pk)
    assert plan.status == StaffingPlanStatus.PROPOSED
    result = plan.result or {}
    assert {p["request_id"] for p in result["pairs"]} == set(ids[:2])  # the two highest priorities
    assert result["unfilled"] == [ids[2]] and result["gap"] == 0.0 and result["optimal"]
    assert plan.job_run is not None and plan.job_run.status == "done"
    staffing_plan_accept(viewer=firm.manager, plan=plan)
    plan.refresh_from_db()
    assert plan.status == StaffingPlanStatus.ACCEPTED
    days = days_between(MONDAY, FRIDAY)
    for pk, load in booked_by_day([firm.member_person.pk, firm.member2_person.pk], days).items():
        assert load.hard == [480] * 5, pk
    assert audit_row("staffing_plan.accept", plan)


def test_accept_is_refused_whole_when_the_situation_changed(firm: Firm) -> None:
    ids = _staffed(firm)
    plan = staffing_start(viewer=firm.manager, requests=[staffing_request_get(firm.manager, i) for i in ids])
    booking_create(  # someone books Tom meanwhile
        viewer=firm.manager,
        data=BookingInput(firm.project, firm.member_person, None, MONDAY, MONDAY, BookingUnit.HOURS, 60, None, "hard"),
    )
    plan = staffing_plan_get(firm.manager, plan.pk)
    with refused(Conflict, plan, match="situation changed"):
        staffing_plan_accept(viewer=firm.manager, plan=plan)
    assert Booking.objects.count() == 1
    staffing_plan_discard(viewer=firm.manager, plan=plan)
    plan.refresh_from_db()
    assert plan.status == StaffingPlanStatus.DISCARDED
    with refused(Conflict):
        staffing_plan_accept(viewer=firm.manager, plan=plan)


def test_nothing_to_plan_is_refused(firm: Firm) -> None:
    request = ask(firm)
    staffing_request_cancel(viewer=firm.manager, request=request)
    with refused(Invalid, match="nothing to plan"):
        staffing_start(viewer=firm.manager, requests=[request])


def test_a_request_is_one_of_the_projects_bookings_after_fill(firm: Firm) -> None:
    request = ask(firm, first_day=date(2027, 3, 1), last_day=date(2027, 3, 1))
    staffing_request_fill(viewer=firm.admin, request=request, person=firm.member2_person)
    assert list(firm.project.bookings.values_list("person_id", flat=True)) == [firm.member2_person.pk]
