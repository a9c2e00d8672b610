"""/time-off: request, list (mine, a person's, by status, to approve), one, approve, reject, cancel; refusals
change nothing; another firm's answers 404; the list costs the same queries whatever it lists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from margin.accounts.models import Person
from margin.api.tests.conftest import Api, error_of, unchanged
from margin.resourcing.models import TimeOff
from tests.firm import Firm

ApiAs = Callable[[User | None], Api]
MONDAY = date(2026, 3, 2)


def _ask(api: Api, first: date, last: date, **extra: Any) -> Any:
    return api.post("/time-off", {"first_day": first.isoformat(), "last_day": last.isoformat(), **extra})


def test_request_approve_reject_cancel(firm: Firm, api_as: ApiAs) -> None:
    Person.objects.filter(pk=firm.member_person.pk).update(manager=firm.manager_person)
    tom, maya, lea = api_as(firm.member_user), api_as(firm.manager_user), api_as(firm.member2_user)
    made = _ask(tom, MONDAY, MONDAY + timedelta(days=1), note="Skiing")
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["person_id"], body["status"], body["minutes_per_day"], body["can_decide"]) == (
        firm.member_person.pk,
        "requested",
        None,
        False,
    )
    waiting = maya.get("/time-off", {"to_approve": True}).json()
    assert [(t["id"], t["can_decide"]) for t in waiting] == [(body["id"], True)]
    approved = maya.post(f"/time-off/{body['id']}/approve", {"note": "Enjoy"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["decision_note"] == "Enjoy"
    assert [t["id"] for t in tom.get("/time-off", {"mine": True, "status": "approved"}).json()] == [body["id"]]
    assert tom.get("/time-off", {"status": "requested"}).json() == []
    error_of(lea.get(f"/time-off/{body['id']}"), 404)
    error_of(api_as(User.objects.get(username="rival-admin")).get(f"/time-off/{body['id']}"), 404)
    half = _ask(tom, MONDAY + timedelta(days=7), MONDAY + timedelta(days=7), minutes_per_day=240, kind="other")
    assert half.status_code == 201 and half.json()["minutes_per_day"] == 240
    rejected = maya.post(f"/time-off/{half.json()['id']}/reject", {"note": "Release"})
    assert rejected.json()["status"] == "rejected"
    cancelled = tom.post(f"/time-off/{body['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert tom.get(f"/time-off/{body['id']}").json()["status"] == "cancelled"
    by_person = maya.get("/time-off", {"person_id": firm.member_person.pk}).json()
    assert {t["status"] for t in by_person} == {"cancelled", "rejected"}


def test_refusals_change_nothing(firm: Firm, api_as: ApiAs) -> None:
    tom, lea = api_as(firm.member_user), api_as(firm.member2_user)
    first = _ask(tom, MONDAY, MONDAY + timedelta(days=2)).json()
    row = TimeOff.objects.get(pk=first["id"])
    with unchanged(row):
        error_of(_ask(tom, MONDAY + timedelta(days=1), MONDAY + timedelta(days=1)), 409)
        error_of(_ask(tom, MONDAY, MONDAY - timedelta(days=1)), 422)
        error_of(_ask(tom, MONDAY, MONDAY, minutes_per_day=0), 422)
        error_of(_ask(tom, MONDAY, MONDAY, person_id=firm.member2_person.pk), 403)
        error_of(tom.post(f"/time-off/{row.pk}/approve", {}), 403)  # never one's own
        error_of(lea.post(f"/time-off/{row.pk}/cancel"), 404)
    assert TimeOff.objects.count() == 1
    body = error_of(_ask(tom, MONDAY + timedelta(days=1), MONDAY + timedelta(days=1)), 409)
    assert "already has time off requested from 2 Mar 2026 to 4 Mar 2026" in body["detail"]


def _queries(api: Api, params: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get("/time-off", params)
    assert response.status_code == 200, response.content
    return len(captured)


def test_the_list_does_not_grow_with_rows(firm: Firm, api_as: ApiAs) -> None:
    admin = api_as(firm.admin_user)
    _ask(admin, MONDAY, MONDAY, person_id=firm.member_person.pk)
    one = _queries(admin, {}), _queries(admin, {"to_approve": True})
    for week in range(1, 6):
        for person in (firm.member_person, firm.member2_person):
            day = MONDAY + timedelta(days=7 * week)
            _ask(admin, day, day, person_id=person.pk)
    assert len(admin.get("/time-off").json()) == 11
    assert (_queries(admin, {}), _queries(admin, {"to_approve": True})) == one
