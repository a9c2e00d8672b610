"""Time policy, period close, approval delegates and logging for others through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from margin.accounts.models import Membership
from margin.api.tests.conftest import error_of, last_monday, unchanged
from margin.closing.models import PeriodLock
from margin.timesheets.actions import time_entries_approve, time_entries_submit, time_entry_create
from margin.timesheets.models import TimeEntry
from tests.firm import Firm


@pytest.fixture
def tom(firm: Firm, api_as):  # type: ignore[no-untyped-def]
    return api_as(firm.member_user)


@pytest.fixture
def lea(firm: Firm, api_as):  # type: ignore[no-untyped-def]
    return api_as(firm.member2_user)


@pytest.fixture
def finn(firm: Firm, api_as):  # type: ignore[no-untyped-def]
    return api_as(firm.finance_user)


@pytest.fixture
def ada(firm: Firm, api_as):  # type: ignore[no-untyped-def]
    return api_as(firm.admin_user)


@pytest.fixture
def maya(firm: Firm, api_as):  # type: ignore[no-untyped-def]
    return api_as(firm.manager_user)


def _entry(firm: Firm, day: int = 0) -> TimeEntry:
    return time_entry_create(
        viewer=firm.member,
        project=firm.project,
        task=firm.build,
        work_date=last_monday() + timedelta(days=day),
        minutes=60,
    )


def test_time_policy(firm: Firm, ada, tom) -> None:  # type: ignore[no-untyped-def]
    url = f"/companies/{firm.usd.pk}/time-policy"
    assert tom.get(url).json() == {
        "company_id": firm.usd.pk,
        "max_day_minutes": 1440,
        "max_future_days": None,
        "max_future_days_in_force": 31,
        "submit_period": "week",
        "locked_through": None,
    }
    body = {"max_day_minutes": 600, "max_future_days": 7, "submit_period": "month"}
    with unchanged(firm.usd):
        error_of(tom.put(url, body), 403, "forbidden")
        error_of(ada.put(url, {**body, "submit_period": "year"}), 422)
        error_of(ada.put(url, {**body, "max_day_minutes": 0}), 422)
    response = ada.put(url, body)
    assert response.status_code == 200, response.content
    assert response.json()["max_future_days_in_force"] == 7 and response.json()["submit_period"] == "month"
    error_of(ada.get("/companies/999999/time-policy"), 404)


def test_log_for_others_and_start_date(firm: Firm, ada, lea, tom) -> None:  # type: ignore[no-untyped-def]
    body = {
        "project_id": firm.project.pk,
        "task_id": firm.build.pk,
        "person_id": firm.member_person.pk,
        "work_date": last_monday().isoformat(),
        "minutes": 30,
    }
    with unchanged():
        error_of(lea.post("/time-entries", body), 403, "forbidden")
        error_of(lea.put(f"/people/{firm.member2_person.pk}/log-for-others", {"allowed": True}), 403)
    granted = ada.put(f"/people/{firm.member2_person.pk}/log-for-others", {"allowed": True})
    assert granted.json() == {"person_id": firm.member2_person.pk, "can_log_for_others": True}
    created = lea.post("/time-entries", body)
    assert created.status_code == 201, created.content
    assert created.json()["person_id"] == firm.member_person.pk

    week = lea.get("/time-entries/week", {"week": last_monday().isoformat(), "person_id": firm.member_person.pk})
    assert week.status_code == 200 and week.json()["total"] == 30  # Tom's week, seen by the one logging for him
    error_of(
        tom.get("/time-entries/week", {"week": last_monday().isoformat(), "person_id": firm.member2_person.pk}), 403
    )
    start = ada.put(f"/people/{firm.member_person.pk}/start-date", {"start_date": timezone.localdate().isoformat()})
    assert start.status_code == 200 and start.json()["start_date"] == timezone.localdate().isoformat()
    assert tom.get(f"/people/{firm.member_person.pk}").json()["start_date"] == timezone.localdate().isoformat()
    with unchanged():
        body_tom = {k: v for k, v in body.items() if k != "person_id"}
        assert "started on" in error_of(tom.post("/time-entries", body_tom), 422)["detail"]


def test_period_close_reopen_and_changes(firm: Firm, finn, tom, maya) -> None:  # type: ignore[no-untyped-def]
    entry = _entry(firm)
    through = (last_monday() + timedelta(days=2)).isoformat()
    with unchanged():
        error_of(maya.post("/periods", {"company_id": firm.usd.pk, "through": through}), 403, "forbidden")
        future = (timezone.localdate() + timedelta(days=3)).isoformat()
        error_of(finn.post("/periods", {"company_id": firm.usd.pk, "through": future}), 422)
    closed = finn.post(
        "/periods", {"company_id": firm.usd.pk, "through": through, "note": "November", "override_reason": "Draft"}
    )
    assert closed.status_code == 201, closed.content
    lock = closed.json()
    assert (lock["through"], lock["standing"], lock["closed_by"], lock["company_name"]) == (
        through,
        True,
        "finn",
        "Acme US",
    )
    assert tom.get(f"/companies/{firm.usd.pk}/time-policy").json()["locked_through"] == through

    with unchanged(entry):
        body = error_of(tom.patch(f"/time-entries/{entry.pk}", {"minutes": 30}), 409, "period_closed")
        assert body["field"] == "work_date" and "closed for Acme US" in body["detail"]
        error_of(tom.delete(f"/time-entries/{entry.pk}"), 409, "period_closed")
        error_of(tom.post("/time-entries/submit", {"week": last_monday().isoformat()}), 409, "period_closed")
        error_of(finn.post("/periods", {"company_id": firm.usd.pk, "through": through}), 409)
        error_of(finn.post(f"/periods/{lock['id']}/reopen", {"reason": ""}), 422)
        error_of(tom.post(f"/periods/{lock['id']}/reopen", {"reason": "please"}), 403)
        error_of(tom.get(f"/periods/{lock['id']}/changes"), 403)

    listed = tom.get("/periods", {"company_id": firm.usd.pk}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == lock["id"]
    reopened = finn.post(f"/periods/{lock['id']}/reopen", {"reason": "Tom's late correction"})
    assert reopened.status_code == 200, reopened.content
    assert (reopened.json()["standing"], reopened.json()["reopen_reason"]) == (False, "Tom's late correction")
    assert tom.patch(f"/time-entries/{entry.pk}", {"minutes": 30}).status_code == 200
    changes = finn.get(f"/periods/{lock['id']}/changes").json()
    assert changes["count"] == 1
    change = changes["items"][0]
    assert (change["action"], change["entry_id"], change["actor"]) == ("time_entry.update", entry.pk, "tom")
    assert (change["before"]["minutes"], change["after"]["minutes"]) == (60, 30)
    assert finn.get("/periods", {"standing": True}).json()["count"] == 0
    error_of(finn.get("/periods/999999"), 404)
    assert PeriodLock.objects.count() == 1


def test_other_organisations_periods_are_invisible(firm: Firm, finn, api_as) -> None:  # type: ignore[no-untyped-def]
    lock = finn.post("/periods", {"company_id": firm.usd.pk, "through": last_monday().isoformat()}).json()
    rival = api_as(Membership.objects.get(user__username="rival-admin").user)
    error_of(rival.get(f"/periods/{lock['id']}"), 404)
    error_of(rival.post(f"/periods/{lock['id']}/reopen", {"reason": "x"}), 404)
    error_of(rival.post("/periods", {"company_id": firm.usd.pk, "through": last_monday().isoformat()}), 404)
    assert rival.get("/periods").json()["count"] == 0


def test_delegates_and_reapproval(firm: Firm, maya, lea, tom) -> None:  # type: ignore[no-untyped-def]
    entry = _entry(firm)
    time_entries_submit(viewer=firm.member, day=last_monday())
    with unchanged():
        error_of(lea.post("/time-entries/approve", {"entry_ids": [entry.pk]}), 404)
        error_of(
            lea.post("/approval-delegates", {"delegate_id": firm.member2_person.pk, "project_id": firm.project.pk}), 403
        )
        error_of(maya.post("/approval-delegates", {"delegate_id": firm.member2_person.pk}), 422)
    added = maya.post("/approval-delegates", {"delegate_id": firm.member2_person.pk, "project_id": firm.project.pk})
    assert added.status_code == 201, added.content
    assert added.json()["delegate_name"] == "Lea"
    assert [e["id"] for e in lea.get("/time-entries/approvals").json()["items"]] == [entry.pk]
    assert lea.post("/time-entries/approve", {"entry_ids": [entry.pk]}).json() == {"count": 1}
    assert [d["id"] for d in lea.get("/approval-delegates").json()["items"]] == [added.json()["id"]]

    # Tom corrects his approved entry: it goes back for approval.
    changed = tom.patch(f"/time-entries/{entry.pk}", {"minutes": 75})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["status"], changed.json()["bill_amount"]) == ("submitted", None)
    assert maya.delete(f"/approval-delegates/{added.json()['id']}").status_code == 204
    assert lea.get("/time-entries/approvals").json()["count"] == 0
    time_entries_approve(viewer=firm.manager, entry_ids=[entry.pk])
