"""The calendars API: list, get, create, patch, delete, exceptions and days; every refusal in the API's shape."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User

from margin.api.tests.conftest import Api, error_of, unchanged
from margin.projects import actions
from margin.projects.models import CalendarException, WorkCalendar
from tests.firm import Firm


def rival() -> User:
    """The other organisation's administrator."""
    return User.objects.get(username="rival-admin")


def default_of(firm: Firm) -> WorkCalendar:
    actions.default_calendar_ensure(firm.project)
    return WorkCalendar.objects.get(organisation_id=firm.project.organisation_id, company=None, person=None)


def test_list_and_get(api_as: Callable[[User | None], Api], firm: Firm) -> None:
    default = default_of(firm)
    api = api_as(firm.member_user)
    body = api.get("/calendars").json()
    assert [c["name"] for c in body["items"]] == ["Standard"] and body["count"] == 1
    detail = api.get(f"/calendars/{default.pk}").json()
    assert detail["scope"] == "organisation" and detail["parent_id"] is None
    assert detail["week"][0] == {
        "weekday": 0, "name": "Monday", "inherited": False, "intervals": "09:00-13:00, 14:00-18:00", "minutes": 480,
    }  # fmt: skip
    assert detail["week"][6]["minutes"] == 0
    error_of(api_as(rival()).get(f"/calendars/{default.pk}"), 404, "not_found")
    error_of(api_as(None).get("/calendars"), 401)
    error_of(api.get("/calendars/999999"), 404)


def test_create_patch_delete(api_as: Callable[[User | None], Api], firm: Firm) -> None:
    default = default_of(firm)
    api = api_as(firm.admin_user)
    response = api.post(
        "/calendars",
        {
            "name": "Munich",
            "company_id": firm.eur.pk,
            "week": {"4": "09:00-13:00"},
            "country": "de",
            "subdivision": "by",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["parent_id"] == default.pk and body["scope"] == "company" and body["country"] == "DE"
    assert body["week"][4]["intervals"] == "09:00-13:00" and body["week"][0]["inherited"] is True
    assert body["rescheduled"] == [] and body["skipped"] == []
    cal_id = body["id"]
    patched = api.patch(f"/calendars/{cal_id}", {"name": "München", "week": {"0": "08:00-16:00"}})
    assert patched.status_code == 200, patched.content
    assert patched.json()["name"] == "München" and patched.json()["week"][0]["minutes"] == 480
    assert patched.json()["week"][4]["inherited"] is True
    root = api.patch(f"/calendars/{cal_id}", {"clear_parent": True, "week": {"0": "08:00-16:00"}})
    assert root.status_code == 200 and root.json()["parent_id"] is None
    assert api.delete(f"/calendars/{cal_id}").status_code == 204
    assert not WorkCalendar.objects.filter(pk=cal_id).exists()


def test_refusals(api_as: Callable[[User | None], Api], firm: Firm) -> None:
    default = default_of(firm)
    admin = api_as(firm.admin_user)
    with unchanged(default):
        error_of(api_as(firm.manager_user).post("/calendars", {"name": "X", "company_id": firm.eur.pk}), 403)
        error_of(admin.post("/calendars", {"name": "X", "company_id": firm.eur.pk, "country": "XX"}), 422, "invalid")
        body = error_of(admin.post("/calendars", {"name": "X", "company_id": firm.eur.pk, "week": {"0": "9-5"}}), 422)
        assert body["field"] == "week.0"
        error_of(admin.post("/calendars", {"name": "Standard", "company_id": firm.eur.pk}), 409, "conflict")
        error_of(admin.post("/calendars", {"name": "X", "company_id": 999999}), 404)
        error_of(admin.post("/calendars", {"week": {}}), 422)  # no name
        error_of(api_as(firm.member_user).patch(f"/calendars/{default.pk}", {"name": "Mine"}), 403)
        error_of(api_as(rival()).patch(f"/calendars/{default.pk}", {"name": "Mine"}), 404)
        error_of(admin.patch(f"/calendars/{default.pk}", {"week": {str(d): "" for d in range(7)}}), 422)
        error_of(admin.delete(f"/calendars/{default.pk}"), 409, "conflict")  # the project plans with it
        error_of(api_as(rival()).delete(f"/calendars/{default.pk}"), 404)


def test_exceptions_and_days(api_as: Callable[[User | None], Api], firm: Firm) -> None:
    default = default_of(firm)
    api = api_as(firm.admin_user)
    response = api.post(
        f"/calendars/{default.pk}/exceptions", {"first": "2026-12-24", "last": "2026-12-26", "name": "Christmas"}
    )
    assert response.status_code == 201, response.content
    added = response.json()["exceptions"]
    assert [e["date"] for e in added] == ["2026-12-24", "2026-12-25", "2026-12-26"]
    assert added[0]["minutes"] == 0 and added[0]["name"] == "Christmas"
    short = api.post(f"/calendars/{default.pk}/exceptions", {"first": "2026-12-31", "intervals": "09:00-12:00"})
    assert short.status_code == 201 and short.json()["exceptions"][0]["minutes"] == 180
    listed = api.get(f"/calendars/{default.pk}/exceptions").json()
    assert len(listed) == 4
    with unchanged(default):
        error_of(api.post(f"/calendars/{default.pk}/exceptions", {"first": "2026-12-25"}), 409)
        error_of(api.post(f"/calendars/{default.pk}/exceptions", {"first": "2026-12-20", "last": "2026-12-19"}), 422)
        error_of(api.post(f"/calendars/{default.pk}/exceptions", {"first": "not a date"}), 422)
        error_of(api_as(firm.member_user).post(f"/calendars/{default.pk}/exceptions", {"first": "2026-11-02"}), 403)
        error_of(api_as(rival()).post(f"/calendars/{default.pk}/exceptions", {"first": "2026-11-02"}), 404)
        error_of(api.delete(f"/calendars/{default.pk}/exceptions/999999"), 404)
    days = api_as(firm.member_user).get(f"/calendars/{default.pk}/days", {"from": "2026-12-24", "to": "2026-12-31"})
    assert days.status_code == 200, days.content
    by_date = {d["date"]: d for d in days.json()}
    assert by_date["2026-12-24"] == {
        "date": "2026-12-24", "weekday": 3, "minutes": 0, "intervals": "", "kind": "exception", "reason": "Christmas",
    }  # fmt: skip
    assert by_date["2026-12-27"]["kind"] == "weekend" and by_date["2026-12-27"]["reason"] == "Weekend"
    assert by_date["2026-12-28"] == {
        "date": "2026-12-28", "weekday": 0, "minutes": 480, "intervals": "09:00-13:00, 14:00-18:00",
        "kind": "working", "reason": "",
    }  # fmt: skip
    assert by_date["2026-12-31"]["minutes"] == 180
    error_of(api.get(f"/calendars/{default.pk}/days", {"from": "2026-01-01", "to": "2027-12-31"}), 422)
    error_of(api.get(f"/calendars/{default.pk}/days", {"from": "2026-01-02", "to": "2026-01-01"}), 422)
    error_of(api.get(f"/calendars/{default.pk}/days", {"from": "2026-01-02"}), 422)
    error_of(api_as(rival()).get(f"/calendars/{default.pk}/days", {"from": "2026-01-01", "to": "2026-01-02"}), 404)
    exception = CalendarException.objects.get(calendar=default, date="2026-12-31")
    removed = api.delete(f"/calendars/{default.pk}/exceptions/{exception.pk}")
    assert removed.status_code == 200 and removed.json() == {"rescheduled": ["GLX-1"], "skipped": []}
    assert not CalendarException.objects.filter(pk=exception.pk).exists()


def test_holidays_by_country_in_days(api_as: Callable[[User | None], Api], firm: Firm) -> None:
    api = api_as(firm.admin_user)
    default_of(firm)
    body = api.post("/calendars", {"name": "US", "company_id": firm.usd.pk, "country": "US"}).json()
    days = api.get(f"/calendars/{body['id']}/days", {"from": "2026-07-03", "to": "2026-07-03"}).json()
    assert days[0]["kind"] == "holiday" and "Independence Day" in days[0]["reason"] and days[0]["minutes"] == 0
