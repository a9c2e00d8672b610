"""Bad input answers 4xx in the Error shape, never 500, and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from margin.api.tests.conftest import error_of, last_monday, unchanged
from margin.rates.actions import baseline_save_valued
from margin.timesheets.models import TimeEntry
from tests.firm import Firm


@pytest.fixture
def tom(firm: Firm, api_as):  # type: ignore[no-untyped-def]
    return api_as(firm.member_user)


def _entry(firm: Firm, **overrides: object) -> dict[str, object]:
    return {
        "project_id": firm.project.pk,
        "task_id": firm.build.pk,
        "work_date": last_monday().isoformat(),
        "minutes": 60,
        **overrides,
    }


@pytest.mark.parametrize(
    "raw",
    [
        '{"project_id": 1, "minutes": ',  # cut short
        "{'minutes': 60}",  # not JSON quotes
        "minutes=60&project_id=1",  # a form, not JSON
        b"\xff\xfe\x00{",  # not even text
        '{"minutes": 1' + "0" * 5000 + "}",  # a number longer than Python will parse
    ],
)
def test_malformed_json_is_400(firm: Firm, tom, raw: str | bytes) -> None:  # type: ignore[no-untyped-def]
    with unchanged():
        body = error_of(tom.post("/time-entries", raw=raw), 400, "bad_request")
    assert "JSON" in body["detail"]


def test_wrong_content_type_is_400(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    with unchanged():
        error_of(
            tom.post("/time-entries", raw="minutes=60", content_type="application/x-www-form-urlencoded"),
            400,
            "bad_request",
        )


@pytest.mark.parametrize("body", [[1, 2], "text", 42, None])
def test_json_that_is_not_an_object_is_422(firm: Firm, tom, body: object) -> None:  # type: ignore[no-untyped-def]
    raw = "null" if body is None else None
    with unchanged():
        response = tom.post("/time-entries", body, raw=raw) if raw else tom.post("/time-entries", body)
        error_of(response, 422, "validation_error")


def test_validation_errors_list_every_problem(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    with unchanged():
        body = error_of(
            tom.post("/time-entries", {"project_id": "abc", "work_date": "yesterday", "minutes": 0}),
            422,
            "validation_error",
        )
    fields = {p["loc"][-1] for p in body["errors"]}
    assert fields == {"project_id", "work_date", "minutes"}
    assert all(p["loc"][0] == "body" and p["msg"] and p["type"] for p in body["errors"])
    assert body["field"] in fields


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": -30}, "minutes"),
        ({"minutes": 24 * 60 + 1}, "minutes"),
        ({"minutes": 10**30}, "minutes"),
        ({"minutes": 1.5}, "minutes"),
        ({"minutes": "NaN"}, "minutes"),
        ({"project_id": 10**30}, "project_id"),
        ({"project_id": -1}, "project_id"),
        ({"note": "x" * 2001}, "note"),
        ({"note": "hello\u0000world"}, "note"),
        ({"work_date": "10000-01-01"}, "work_date"),
        ({"work_date": "2026-02-30"}, "work_date"),
    ],
)
def test_bad_time_entry_fields_are_422(firm: Firm, tom, overrides: dict[str, object], field: str) -> None:  # type: ignore[no-untyped-def]
    with unchanged():
        body = error_of(tom.post("/time-entries", _entry(firm, **overrides)), 422)
    assert body["field"] == field


def test_work_date_far_in_the_future_is_422(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    far = timezone.localdate() + timedelta(days=400)
    with unchanged():
        body = error_of(tom.post("/time-entries", _entry(firm, work_date=far.isoformat())), 422, "invalid")
    assert body["field"] == "work_date"
    assert "ahead" in body["detail"]


def test_more_than_24_hours_a_day_is_422(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    assert tom.post("/time-entries", _entry(firm, minutes=16 * 60)).status_code == 201
    with unchanged():
        body = error_of(tom.post("/time-entries", _entry(firm, task_id=firm.design.pk, minutes=9 * 60)), 422, "invalid")
    assert "24 hours" in body["detail"]
    assert TimeEntry.objects.count() == 1


def test_huge_numbers_elsewhere_are_422(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    admin = api_as(firm.admin_user)
    project = {
        "company_id": firm.usd.pk,
        "client_id": firm.client.pk,
        "manager_id": firm.manager_person.pk,
        "code": "BIG-1",
        "name": "Big",
    }
    with unchanged(firm.project):
        error_of(admin.post("/projects", {**project, "budget_amount_minor": 10**40}), 422, "validation_error")
        error_of(admin.post("/projects", {**project, "budget_minutes": 10**30}), 422, "validation_error")
        error_of(admin.patch(f"/projects/{firm.project.pk}", {"budget_amount_minor": 10**40}), 422)
        error_of(
            admin.post(f"/projects/{firm.project.pk}/rates", {"valid_from": "2026-01-01", "hourly_rate": "1e40"}),
            422,
        )
        error_of(
            admin.post(f"/projects/{firm.project.pk}/rates", {"valid_from": "2026-01-01", "hourly_rate": "Infinity"}),
            422,
        )
        error_of(admin.get(f"/projects/{10**30}"), 422, "validation_error")
        error_of(admin.get("/projects", {"limit": 10**30}), 422, "validation_error")
        error_of(admin.get("/projects", {"offset": 10**30}), 422, "validation_error")
        error_of(admin.get("/projects", {"limit": 0}), 422, "validation_error")
        error_of(admin.post("/invoices/1/issue", {"payment_days": 10**20}), 422, "validation_error")


def test_not_a_number_in_the_path_is_422(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    error_of(tom.get("/projects/abc"), 422, "validation_error")


def test_body_too_large_is_400(firm: Firm, tom, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    with unchanged():
        error_of(tom.post("/time-entries", _entry(firm, note="x" * 1500)), 400, "too_large")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/time-entries/abc", "entry_id"),
        ("/time-entries/1.5", "entry_id"),
        ("/expenses/claims/abc", "claim_id"),
        ("/expenses/claims/abc/submit", "claim_id"),
        ("/expenses/lines/x", "line_id"),
        ("/expenses/receipts/null/file", "receipt_id"),
    ],
)
def test_not_a_number_in_an_int_converter_path_is_json_422(firm: Firm, tom, path: str, field: str) -> None:  # type: ignore[no-untyped-def]
    """Routes that use Django's int converter (so /time-entries/week is not an id) answer like the others."""
    assert error_of(tom.get(path), 422, "validation_error")["field"] == field


def test_an_unknown_api_path_is_a_json_404(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    error_of(tom.get("/no-such-thing/here"), 404, "not_found")
    error_of(tom.post("/time-entries/abc/nothing"), 404, "not_found")


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "9999-12-27"])
def test_dates_at_the_edges_of_the_calendar_are_4xx(firm: Firm, api_as, day: str) -> None:  # type: ignore[no-untyped-def]
    baseline_save_valued(viewer=firm.admin, project=firm.project)
    admin = api_as(firm.admin_user)
    with unchanged():
        for path in [f"/time-entries/week?week={day}", f"/projects/{firm.project.pk}/earned-value?status_date={day}"]:
            response = admin.get(path)
            assert response.status_code in {200, 404, 422}, (path, response.status_code)
