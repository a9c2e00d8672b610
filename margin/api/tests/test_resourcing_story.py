"""Issue 12's "done when", through the API: a resource manager finds the right person for a request by skills and
availability, books them, sees the heatmap and the person's utilisation change at once, and the optimiser staffs
a batch of requests without overbooking anyone; every figure of capacity on the way is the same number."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from margin.core.periods import week_start
from margin.resourcing.capacity import capacity_by_day, days_between
from margin.resourcing.queries import booked_by_day
from tests.firm import Firm

JSON = {"content_type": "application/json"}


def _tom_in(rows: list[dict[str, Any]], tom: int) -> dict[str, Any]:
    return next(row for row in rows if row.get("person_id", row.get("key")) == tom)


def test_find_book_watch_and_staff_a_batch(firm: Firm, api_as: Any) -> None:
    admin, maya = api_as(firm.admin_user), api_as(firm.manager_user)
    tom_api, lea_api = api_as(firm.member_user), api_as(firm.member2_user)
    tom, lea = firm.member_person.pk, firm.member2_person.pk
    monday = week_start(timezone.localdate()) + timedelta(days=7)  # next week: inside the heatmap's window
    friday = monday + timedelta(days=4)

    # The taxonomy, and what Tom and Lea say they know.
    tech = admin.post("/skills/categories", {"name": "Technology"}, **JSON).json()["id"]
    python = admin.post("/skills", {"category_id": tech, "name": "Python"}, **JSON).json()["id"]
    assert tom_api.put(f"/people/{tom}/skills/{python}", {"level": 4, "years": 6}, **JSON).status_code == 200
    assert lea_api.put(f"/people/{lea}/skills/{python}", {"level": 3, "years": 2}, **JSON).status_code == 200

    # Found by skills and level.
    found = maya.get("/skills/search", {"skill": f"{python}:3"}).json()
    assert {p["person_id"] for p in found} == {tom, lea}

    # A request for a Python developer next week, full time; the candidates, best fit first, with reasons.
    ask = {"project_id": firm.project.pk, "role_id": firm.consultant.pk, "first_day": str(monday),
           "last_day": str(friday), "minutes_per_day": 480, "priority": 4,
           "skills": [{"skill_id": python, "min_level": 3}]}  # fmt: skip
    urgent = maya.post("/staffing-requests", ask, **JSON).json()["id"]
    candidates = maya.get(f"/staffing-requests/{urgent}/candidates").json()["candidates"]
    assert [c["person_id"] for c in candidates][:2] == [tom, lea]
    best = candidates[0]
    assert any("Python 4" in r["text"] for r in best["reasons"]) and best["free_minutes"] == best["needed_minutes"]

    before_heat = _tom_in(maya.get("/heatmap", {"from": str(monday), "weeks": 1}).json()["rows"], tom)
    before_util = _tom_in(maya.get("/utilisation/forecast", {"from": str(monday), "weeks": 1}).json()["rows"], tom)
    assert before_heat["cells"][0]["minutes"] == 0 and before_util["weeks"][0]["hard_minutes"] == 0

    # Book him (hard): the heatmap and his forecast utilisation move at once.
    filled = maya.post(f"/staffing-requests/{urgent}/fill", {"person_id": tom}, **JSON)
    assert filled.status_code == 201, filled.content
    heat = _tom_in(maya.get("/heatmap", {"from": str(monday), "weeks": 1}).json()["rows"], tom)["cells"][0]
    util = _tom_in(maya.get("/utilisation/forecast", {"from": str(monday), "weeks": 1}).json()["rows"], tom)
    assert (heat["percent"], heat["level"]) == (100, "full")
    assert float(util["weeks"][0]["hard_pct"]) == 100

    # Every screen's capacity for Tom's week is the one rule's number.
    week = days_between(monday, monday + timedelta(days=6))
    one_rule = sum(capacity_by_day([tom], week)[tom])
    assert heat["capacity_minutes"] == util["weeks"][0]["capacity_minutes"] == one_rule == 5 * 480

    # Two more requests that week; Tom is full, so the optimiser gives one to Lea and leaves the other open.
    second = maya.post("/staffing-requests", {**ask, "priority": 3}, **JSON).json()["id"]
    third = maya.post("/staffing-requests", {**ask, "priority": 2, "minutes_per_day": 240}, **JSON).json()["id"]
    started = maya.post("/staffing-plans", {"request_ids": [second, third]}, **JSON)
    assert started.status_code == 202, started.content
    plan = maya.get(f"/staffing-plans/{started.json()['id']}").json()
    assert plan["status"] == "proposed" and plan["gap"] is not None
    assert [(p["request_id"], p["person_id"]) for p in plan["pairs"]] == [(second, lea)]
    accepted = maya.post(f"/staffing-plans/{plan['id']}/accept", **JSON)
    assert accepted.status_code == 200, accepted.content
    assert maya.get(f"/staffing-requests/{third}").json()["status"] == "open"

    # Nobody is booked (hard) over capacity on any day.
    for person, load in booked_by_day([tom, lea, firm.manager_person.pk], week).items():
        assert all(h <= c for h, c in zip(load.hard, load.capacity, strict=True)), person
