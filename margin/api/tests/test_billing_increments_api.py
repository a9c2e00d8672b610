"""Billing increments and worked vs billable minutes through the API: clients, the project override,
time entries' category and billable minutes."""

from __future__ import annotations

from datetime import timedelta

from margin.api.tests.conftest import error_of, last_monday, unchanged
from tests.firm import Firm


def _entry(firm: Firm, who, minutes: int, **extra: object) -> dict:  # type: ignore[no-untyped-def]
    body = {
        "project_id": firm.project.pk,
        "task_id": firm.build.pk,
        "work_date": (last_monday() + timedelta(days=1)).isoformat(),
        "minutes": minutes,
        **extra,
    }
    response = who.post("/time-entries", body)
    assert response.status_code == 201, response.content
    return response.json()  # type: ignore[no-any-return]


def test_client_increment_project_override_and_entries(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    maya, tom = api_as(firm.manager_user), api_as(firm.member_user)
    changed = maya.patch(f"/clients/{firm.client.pk}", {"billing_increment_minutes": 15, "billing_rounding": "up"})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["billing_increment_minutes"], changed.json()["billing_rounding"]) == (15, "up")
    entry = _entry(firm, tom, 50)
    assert (entry["minutes"], entry["billable_minutes"], entry["category"]) == (50, 60, "work")
    leave = _entry(firm, tom, 50, category="leave", billable=True)
    assert (leave["billable"], leave["billable_minutes"]) == (False, 0)

    url = f"/projects/{firm.project.pk}/billing-increment"
    assert maya.get(url).json() == {
        "billing_increment_minutes": 15,
        "billing_rounding": "up",
        "source": "client",
        "client_increment_minutes": 15,
        "client_rounding": "up",
    }
    put = maya.put(url, {"billing_increment_minutes": 6, "billing_rounding": "nearest"})
    assert put.status_code == 200, put.content
    assert (put.json()["billing_increment_minutes"], put.json()["source"]) == (6, "project")
    patched = tom.patch(f"/time-entries/{entry['id']}", {"minutes": 8})
    assert patched.json()["billable_minutes"] == 6
    assert tom.patch(f"/time-entries/{entry['id']}", {"category": "sales"}).json()["billable_minutes"] == 0

    with unchanged(firm.client):
        error_of(maya.patch(f"/clients/{firm.client.pk}", {"billing_increment_minutes": 61}), 422)
        error_of(maya.patch(f"/clients/{firm.client.pk}", {"billing_rounding": "down"}), 422)
        error_of(tom.put(url, {"billing_increment_minutes": 15}), 403)
        error_of(
            tom.post(
                "/time-entries",
                {"project_id": firm.project.pk, "work_date": "2026-01-05", "minutes": 30, "category": "holiday"},
            ),
            422,
        )
