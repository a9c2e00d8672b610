"""The bookings and staffing API: CRUD with warnings, 409 overbooked, requests, candidates, plans; list guards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from margin.api.tests.conftest import Api
from margin.resourcing.models import Booking, RequestStatus, StaffingPlanStatus
from margin.resourcing.tests.staffing_setup import FRIDAY, MONDAY, ask, give, skill
from tests.firm import Firm

Make = Callable[[User | None], Api]


def _booking(firm: Firm, **more: Any) -> dict[str, Any]:
    return {
        "project_id": firm.project.pk,
        "person_id": firm.member_person.pk,
        "first_day": MONDAY.isoformat(),
        "last_day": FRIDAY.isoformat(),
        "minutes_per_day": 360,
        "kind": "hard",
        **more,
    }


def test_bookings_create_read_change_delete(firm: Firm, api_as: Make) -> None:
    api = api_as(firm.manager_user)
    created = api.post("/bookings", _booking(firm))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["warnings"] == [] and body["kind"] == "hard" and body["role_id"] == firm.consultant.pk
    pk = body["id"]
    assert api.get(f"/bookings/{pk}").json()["minutes_per_day"] == 360
    # a soft booking on top: kept, with a warning
    soft = api.post("/bookings", _booking(firm, kind="soft", minutes_per_day=240))
    assert soft.status_code == 201 and "over capacity" in soft.json()["warnings"][0]
    # a second hard one over capacity: 409 overbooked; with a reason: kept
    refused = api.post("/bookings", _booking(firm, minutes_per_day=240))
    assert refused.status_code == 409 and refused.json()["code"] == "overbooked"
    forced = api.post("/bookings", _booking(firm, minutes_per_day=240, forced_reason="Go-live week"))
    assert forced.status_code == 201 and forced.json()["forced_reason"] == "Go-live week"
    moved = api.patch(f"/bookings/{pk}", {"first_day": "2027-03-08", "last_day": "2027-03-12"})
    assert moved.status_code == 200 and moved.json()["first_day"] == "2027-03-08"
    listed = api.get("/bookings", {"person_id": firm.member_person.pk, "from": "2027-03-08", "kind": "hard"})
    assert [b["id"] for b in listed.json()] == [pk]
    assert api.delete(f"/bookings/{pk}").status_code == 204
    assert not Booking.objects.filter(pk=pk).exists()


def test_a_member_sees_only_their_own_bookings_and_books_nothing(firm: Firm, api_as: Make) -> None:
    api_as(firm.manager_user).post("/bookings", _booking(firm, person_id=firm.member2_person.pk))
    member = api_as(firm.member_user)
    assert member.get("/bookings").json() == []
    assert member.post("/bookings", _booking(firm)).status_code == 403
    other = api_as(User.objects.get(username="rival-admin"))
    pk = Booking.objects.get().pk
    assert other.get(f"/bookings/{pk}").status_code == 404


def test_requests_candidates_fill(firm: Firm, api_as: Make) -> None:
    give(firm, firm.member_person.pk, "Python", 4)
    python = skill(firm, "Python")
    api = api_as(firm.manager_user)
    created = api.post(
        "/staffing-requests",
        {
            "project_id": firm.project.pk,
            "first_day": MONDAY.isoformat(),
            "last_day": FRIDAY.isoformat(),
            "minutes_per_day": 480,
            "priority": 3,
            "skills": [{"skill_id": python.pk, "min_level": 3}],
        },
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    found = api.get(f"/staffing-requests/{pk}/candidates").json()
    assert [c["name"] for c in found["candidates"]] == ["Tom"]
    texts = [r["text"] for r in found["candidates"][0]["reasons"]]
    assert "Python 4 ≥ 3" in texts and any(t.startswith("margin ") for t in texts)
    filled = api.post(f"/staffing-requests/{pk}/fill", {"person_id": firm.member_person.pk})
    assert filled.status_code == 201 and filled.json()["request_id"] == pk
    assert api.get(f"/staffing-requests/{pk}").json()["status"] == RequestStatus.FILLED
    assert api_as(firm.member_user).get(f"/staffing-requests/{pk}").status_code == 404


def test_nobody_fits_is_an_empty_list_with_why(firm: Firm, api_as: Make) -> None:
    request = ask(firm, skills=(("Haskell", 5),))
    found = api_as(firm.admin_user).get(f"/staffing-requests/{request.pk}/candidates")
    assert found.status_code == 200
    assert found.json()["candidates"] == [] and "Haskell 5" in found.json()["explanation"]


def test_plans_run_accept_and_discard(firm: Firm, api_as: Make) -> None:
    give(firm, firm.member_person.pk, "Python", 4)
    first, second = ask(firm, priority=4), ask(firm, priority=1)
    api = api_as(firm.manager_user)
    started = api.post("/staffing-plans", {})
    assert started.status_code == 202
    plan = api.get(f"/staffing-plans/{started.json()['id']}").json()
    assert plan["status"] == StaffingPlanStatus.PROPOSED and plan["gap"] == 0.0
    assert [(p["request_id"], p["person_id"]) for p in plan["pairs"]] == [(first.pk, firm.member_person.pk)]
    assert plan["unfilled"] == [second.pk]
    accepted = api.post(f"/staffing-plans/{plan['id']}/accept")
    assert accepted.status_code == 200 and len(accepted.json()["booking_ids"]) == 1
    assert api.post(f"/staffing-plans/{plan['id']}/discard").status_code == 409
    again = api.post("/staffing-plans", {"request_ids": [second.pk]}).json()
    assert api.post(f"/staffing-plans/{again['id']}/discard").json()["status"] == "discarded"
    assert len(api.get("/staffing-plans").json()) == 2


def _count(api: Api, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(path).status_code == 200
    return len(ctx)


def test_list_endpoints_cost_the_same_whatever_the_rows(firm: Firm, api_as: Make) -> None:
    api = api_as(firm.admin_user)
    api.post("/bookings", _booking(firm, kind="soft"))
    ask(firm)
    api.post("/staffing-plans", {})
    few = [_count(api, p) for p in ("/bookings", "/staffing-requests", "/staffing-plans")]
    for i in range(5):
        api.post("/bookings", _booking(firm, kind="soft", first_day=f"2027-04-0{i + 1}", last_day=f"2027-04-0{i + 1}"))
        ask(firm, skills=(("Python", 2), ("SQL", 3)))
        api.post("/staffing-plans", {})
    many = [_count(api, p) for p in ("/bookings", "/staffing-requests", "/staffing-plans")]
    assert many == few
