"""The timer through the API: current, start (409 naming the running one), stop → entry, discard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from margin.api.tests.conftest import error_of, unchanged
from margin.timesheets.models import EntryStatus, TimeEntry, Timer
from tests.firm import Firm

# Timers started minutes "ago" must not cross midnight when the suite runs just after it.
pytestmark = pytest.mark.usefixtures("midday")


@pytest.fixture
def tom(firm: Firm, api_as):  # type: ignore[no-untyped-def]
    return api_as(firm.member_user)


def test_current_start_stop(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    assert tom.get("/timers/current").json()["running"] is False
    started = tom.post("/timers/start", {"task_id": firm.design.pk, "note": "Sketches"})
    assert started.status_code == 201, started.content
    body = started.json()
    assert body["running"] is True
    assert body["timer"]["task_name"] == "Design" and body["timer"]["project_code"] == firm.project.code
    Timer.objects.update(started_at=timezone.now() - timedelta(minutes=12, seconds=30))
    current = tom.get("/timers/current").json()
    assert 750 <= current["timer"]["elapsed_seconds"] < 760
    stopped = tom.post("/timers/stop")
    assert stopped.status_code == 200, stopped.content
    entry = stopped.json()
    assert (entry["minutes"], entry["status"], entry["note"]) == (13, "draft", "Sketches")
    assert entry["work_date"] == timezone.localdate().isoformat()
    assert TimeEntry.objects.get().pk == entry["id"]
    after = tom.get("/timers/current").json()
    assert (after["running"], after["timer"]) == (False, None)


def test_a_second_start_is_409_naming_the_running_timer(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    assert tom.post("/timers/start", {"task_id": firm.design.pk}).status_code == 201
    timer = Timer.objects.get()
    with unchanged(timer):
        body = error_of(tom.post("/timers/start", {"task_id": firm.build.pk}), 409, "timer_running")
    assert "Design" in body["detail"] and "stop and start" in body["detail"]
    Timer.objects.update(started_at=timezone.now() - timedelta(minutes=3))
    replaced = tom.post("/timers/start", {"task_id": firm.build.pk, "replace": True})
    assert replaced.status_code == 201
    assert replaced.json()["timer"]["task_name"] == "Build"
    assert TimeEntry.objects.get().task_id == firm.design.pk


def test_refusals_change_nothing(firm: Firm, tom, api_as) -> None:  # type: ignore[no-untyped-def]
    with unchanged():
        error_of(tom.post("/timers/stop"), 404)
        error_of(tom.delete("/timers/current"), 404)
        error_of(tom.post("/timers/start", {}), 422)
        error_of(tom.post("/timers/start", {"task_id": 10**9}), 404)
        error_of(tom.post("/timers/start", {"project_id": firm.other_project.pk}), 404)
        error_of(tom.post("/timers/start", {"task_id": firm.design.pk, "project_id": 10**9}), 422)
        error_of(tom.post("/timers/start", {"task_id": firm.design.pk, "note": "x" * 2001}), 422)
        error_of(api_as(None).get("/timers/current"), 401)


def test_discard(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    assert tom.post("/timers/start", {"task_id": firm.design.pk}).status_code == 201
    assert tom.delete("/timers/current").status_code == 204
    assert not Timer.objects.exists() and not TimeEntry.objects.exists()


def test_over_midnight_stop_is_422_and_keeps_the_timer(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    assert tom.post("/timers/start", {"task_id": firm.design.pk}).status_code == 201
    Timer.objects.update(started_at=timezone.now() - timedelta(hours=25))
    timer = Timer.objects.get()
    with unchanged(timer):
        body = error_of(tom.post("/timers/stop"), 422)
    assert "Discard it" in body["detail"]
    assert not TimeEntry.objects.filter(status=EntryStatus.DRAFT).exists()
