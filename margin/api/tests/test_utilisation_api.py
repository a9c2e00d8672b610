"""/api/v1/utilisation, /utilisation/forecast, /heatmap and /utilisation-targets: the same figures as the
screens, money (realisation) only for those who see it, targets written by administrators only, bad input 422."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from margin.api.tests.conftest import Api
from margin.core.periods import week_start
from margin.reporting.heatmap import heatmap
from margin.resourcing.actions import BookingInput, booking_create, utilisation_target_set
from margin.resourcing.models import BookingKind, BookingUnit, UtilisationTarget
from margin.timesheets.actions import time_entry_create
from tests.firm import Firm

ApiAs = Callable[[User | None], Api]
MONDAY = week_start(timezone.localdate()) - timedelta(days=7)


def test_utilisation_by_group_with_both_denominators(firm: Firm, api_as: ApiAs) -> None:
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=MONDAY, minutes=480)
    time_entry_create(
        viewer=firm.member, project=firm.project, task=firm.build, work_date=MONDAY, minutes=120, billable=False
    )
    params = {"group": "person", "from": str(MONDAY), "to": str(MONDAY + timedelta(days=6))}
    answer = api_as(firm.admin_user).get("/utilisation", params)
    assert answer.status_code == 200
    tom = next(r for r in answer.json()["rows"] if r["key"] == firm.member_person.pk)
    assert (tom["recorded_minutes"], tom["billable_minutes"]) == (600, 480)
    assert tom["of_recorded_pct"] == "80.0"
    assert tom["realisation_pct"] is None  # nothing billed yet
    mine = api_as(firm.member_user).get("/utilisation", params).json()
    assert [r["key"] for r in mine["rows"]] == [firm.member_person.pk]
    bad = api_as(firm.admin_user).get("/utilisation", {"from": "2026-05-02", "to": "2026-05-01"})
    assert bad.status_code == 422
    assert api_as(firm.admin_user).get("/utilisation", {"group": "planet"}).status_code == 422


def test_forecast_and_heatmap_answer_the_screens_figures(firm: Firm, api_as: ApiAs) -> None:
    start = week_start(timezone.localdate())
    booking_create(
        viewer=firm.manager,
        data=BookingInput(
            project=firm.project,
            person=firm.member_person,
            role=None,
            first_day=start,
            last_day=start + timedelta(days=4),
            unit=BookingUnit.HOURS,
            minutes_per_day=240,
            kind=BookingKind.HARD,
        ),
    )
    api = api_as(firm.manager_user)
    forecast = api.get("/utilisation/forecast", {"weeks": 4}).json()
    tom = next(r for r in forecast["rows"] if r["key"] == firm.member_person.pk)
    assert tom["weeks"][0]["hard_minutes"] == 1200 or tom["weeks"][0]["capacity_minutes"] < 2400
    answer = api.get("/heatmap", {"weeks": 4, "project_id": firm.project.pk})
    assert answer.status_code == 200
    rows = answer.json()["rows"]
    screen = heatmap(firm.manager, weeks=4, project_id=firm.project.pk)
    assert [r["person_id"] for r in rows] == [r.id for r in screen.rows]
    assert [c["minutes"] for c in rows[0]["cells"]] == [c.minutes for c in screen.rows[0].cells]
    assert api.get("/heatmap", {"weeks": 27}).status_code == 422


def test_heatmap_reads_a_fixed_number_of_queries(firm: Firm, api_as: ApiAs) -> None:
    api = api_as(firm.admin_user)
    api.get("/heatmap")
    with CaptureQueriesContext(connection) as few:
        api.get("/heatmap")
    assert len(few) <= 20


def test_targets_crud_for_administrators(firm: Firm, api_as: ApiAs) -> None:
    admin = api_as(firm.admin_user)
    made = admin.post(
        "/utilisation-targets", {"role_id": firm.consultant.pk, "valid_from": "2026-01-01", "percent": 80}
    )
    assert made.status_code == 201
    pk = made.json()["id"]
    assert admin.get(f"/utilisation-targets/{pk}").json()["percent"] == 80
    assert admin.patch(f"/utilisation-targets/{pk}", {"percent": 85}).json()["percent"] == 85
    assert admin.post("/utilisation-targets", {"valid_from": "2026-01-01", "percent": 101}).status_code == 422
    manager = api_as(firm.manager_user)
    assert manager.post("/utilisation-targets", {"valid_from": "2026-01-01", "percent": 50}).status_code == 403
    assert manager.delete(f"/utilisation-targets/{pk}").status_code == 403
    assert api_as(User.objects.get(pk=firm.other_admin.user_id)).get(f"/utilisation-targets/{pk}").status_code == 404
    for day in range(1, 6):
        utilisation_target_set(viewer=firm.admin, percent=70, valid_from=MONDAY - timedelta(days=day))
    with CaptureQueriesContext(connection) as few:
        listed = admin.get("/utilisation-targets")
    assert listed.json()["count"] == 6 and len(few) <= 10
    assert admin.delete(f"/utilisation-targets/{pk}").status_code == 204
    assert not UtilisationTarget.objects.filter(pk=pk).exists()
