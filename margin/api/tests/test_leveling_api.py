"""The leveling, assignment, resource pool, over-allocation and earned-value endpoints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.contrib.auth.models import User

from margin.api.tests.conftest import Api, error_of, unchanged
from margin.core.models import JobRunStatus
from margin.projects import actions
from margin.projects.models import BaselineTask, Task
from margin.resourcing.models import Assignment, LevelingProposal, LevelingStatus, ResourcePool
from tests.checks import stored
from tests.firm import Firm

ApiAs = Callable[[User | None], Api]
MONDAY = date(2026, 1, 5)
DAY = 480


@pytest.fixture
def clash(firm: Firm, api_as: ApiAs) -> Firm:
    """Design (2 days) and Build (3 days) from Monday 5 January 2026, both needing Tom full time (via the API)."""
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=MONDAY)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=2 * DAY)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=3 * DAY)
    api = api_as(firm.manager_user)
    for task in (firm.design, firm.build):
        response = api.post(f"/tasks/{task.pk}/assignments", {"person_id": firm.member_person.pk, "units": 100})
        assert response.status_code == 201, response.content
    return firm


def test_assignments_api(clash: Firm, api_as: ApiAs) -> None:
    manager, member = api_as(clash.manager_user), api_as(clash.member_user)
    [row] = member.get(f"/tasks/{clash.design.pk}/assignments").json()
    assert (row["person_id"], row["units"], row["pool_id"]) == (clash.member_person.pk, 100, None)
    with unchanged(clash.design):
        error_of(member.post(f"/tasks/{clash.design.pk}/assignments", {"person_id": clash.member2_person.pk}), 403)
        error_of(
            manager.post(f"/tasks/{clash.design.pk}/assignments", {"person_id": clash.member2_person.pk, "units": 0}),
            422,
        )
        error_of(manager.post(f"/tasks/{clash.design.pk}/assignments", {"person_id": clash.member_person.pk}), 409)
        error_of(manager.post(f"/tasks/{clash.design.pk}/assignments", {}), 422)
        error_of(api_as(clash.other_project.manager.user).get(f"/tasks/{clash.design.pk}/assignments"), 404)
    assert manager.delete(f"/tasks/{clash.design.pk}/assignments/{row['id']}").status_code == 204
    assert not Assignment.objects.filter(pk=row["id"]).exists()
    error_of(manager.delete(f"/tasks/{clash.design.pk}/assignments/{row['id']}"), 404)


def test_resource_pools_api(clash: Firm, api_as: ApiAs) -> None:
    admin = api_as(clash.admin_user)
    response = admin.post("/resource-pools", {"name": "Designers", "kind": "team", "max_units": 300})
    assert response.status_code == 201, response.content
    assert response.json()["max_units"] == 300
    assert [p["name"] for p in api_as(clash.member_user).get("/resource-pools").json()] == ["Designers"]
    assert api_as(clash.other_project.manager.user).get("/resource-pools").json() == []  # another organisation
    with unchanged():
        error_of(api_as(clash.manager_user).post("/resource-pools", {"name": "Builders"}), 403)
        error_of(admin.post("/resource-pools", {"name": "Designers"}), 409)
        error_of(admin.post("/resource-pools", {"name": "X", "max_units": 0}), 422)
        error_of(admin.post("/resource-pools", {"name": "X", "kind": "robots"}), 422)
    pool = ResourcePool.objects.get(name="Designers")
    added = api_as(clash.manager_user).post(f"/tasks/{clash.build.pk}/assignments", {"pool_id": pool.pk, "units": 200})
    assert added.status_code == 201, added.content


def test_overallocations_api(clash: Firm, api_as: ApiAs) -> None:
    [over] = api_as(clash.member_user).get(f"/projects/{clash.project.pk}/overallocations").json()
    assert (over["resource"], over["capacity"], over["demand"]) == (f"person:{clash.member_person.pk}", 100, 200)
    assert sorted(over["task_ids"]) == sorted([clash.design.pk, clash.build.pk])
    assert over["start"] == "2026-01-05T09:00:00Z" and over["finish"] == "2026-01-06T18:00:00Z"
    error_of(api_as(clash.other_project.manager.user).get(f"/projects/{clash.project.pk}/overallocations"), 404)


def test_level_accept(clash: Firm, api_as: ApiAs) -> None:
    api = api_as(clash.manager_user)
    response = api.post(f"/projects/{clash.project.pk}/leveling", {"method": "heuristic"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "proposed" and body["progress"] == 100
    delays = {t["task_id"]: t["delay_minutes"] for t in body["tasks"]}
    # Either order takes five days: one task waits for the other to finish.
    assert delays in ({clash.design.pk: 3 * DAY, clash.build.pk: 0}, {clash.design.pk: 0, clash.build.pk: 2 * DAY})
    waiting = max(delays, key=lambda k: delays[k])
    read = api_as(clash.member_user).get(f"/leveling/{body['id']}").json()
    assert read["tasks"] == body["tasks"]
    change = api.post(f"/leveling/{body['id']}/accept")
    assert change.status_code == 200, change.content
    assert [m["id"] for m in change.json()["moved"]] == [waiting]
    moved = Task.objects.get(pk=waiting)
    assert moved.leveling_delay_minutes == delays[waiting] and moved.start is not None
    assert moved.start.day == (8 if waiting == clash.design.pk else 7)
    assert api.get(f"/projects/{clash.project.pk}/overallocations").json() == []
    error_of(api.post(f"/leveling/{body['id']}/accept"), 409)
    error_of(api.post(f"/leveling/{body['id']}/discard"), 409)


def test_level_refusals_and_discard(clash: Firm, api_as: ApiAs) -> None:
    manager, member = api_as(clash.manager_user), api_as(clash.member_user)
    with unchanged(clash.design, clash.build):
        error_of(member.post(f"/projects/{clash.project.pk}/leveling", {"method": "heuristic"}), 403)
        error_of(manager.post(f"/projects/{clash.project.pk}/leveling", {"method": "magic"}), 422)
        error_of(api_as(clash.other_project.manager.user).post(f"/projects/{clash.project.pk}/leveling", {}), 404)
    body = manager.post(f"/projects/{clash.project.pk}/leveling", {}).json()
    with unchanged(clash.design, clash.build):
        error_of(member.post(f"/leveling/{body['id']}/accept"), 403)
        error_of(api_as(clash.other_project.manager.user).get(f"/leveling/{body['id']}"), 404)
    before = stored(clash.design, clash.build)
    response = manager.post(f"/leveling/{body['id']}/discard")
    assert response.status_code == 200 and response.json()["status"] == "discarded"
    assert stored(clash.design, clash.build) == before  # discarding changes no task


def test_level_cpsat_runs_in_the_background(clash: Firm, api_as: ApiAs, settings: object) -> None:
    settings.MARGIN_LEVELING_EFFORT = 0.5  # type: ignore[attr-defined]
    response = api_as(clash.manager_user).post(f"/projects/{clash.project.pk}/leveling", {"method": "cpsat"})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["job_run_id"] is not None
    # The test settings run jobs at once: the proposal is filled already.
    read = api_as(clash.manager_user).get(f"/leveling/{body['id']}").json()
    assert read["status"] == "proposed" and read["progress"] == 100 and read["makespan_minutes"] == 5 * DAY
    proposal = LevelingProposal.objects.get(pk=body["id"])
    assert proposal.job_run is not None and proposal.job_run.status == JobRunStatus.DONE
    assert proposal.status == LevelingStatus.PROPOSED


def test_earned_value_api(clash: Firm, api_as: ApiAs) -> None:
    baseline = actions.baseline_save(viewer=clash.manager, project=clash.project, index=0)
    BaselineTask.objects.filter(baseline=baseline, task=clash.design).update(cost_minor=100_000)
    actions.task_schedule_update(viewer=clash.manager, task=clash.design, percent_complete=50)
    query = {"baseline": 0, "status_date": "2026-01-05"}
    refused = api_as(clash.member_user).get(f"/projects/{clash.project.pk}/earned-value", query)
    assert refused.status_code == 403  # earned value is money: the manager's and finance's
    api = api_as(clash.manager_user)
    body = api.get(f"/projects/{clash.project.pk}/earned-value", query).json()
    assert body["currency"] == "USD" and body["status_date"] == "2026-01-05"
    project = body["project"]
    assert project["bac"] == {"amount_minor": 100_000, "amount": "1000.00", "currency": "USD"}
    assert project["pv"]["amount_minor"] == 50_000 and project["ev"]["amount_minor"] == 50_000
    assert project["spi"] == "1.0000" and project["cpi"] is None and project["eac"] is None
    design = next(t for t in body["tasks"] if t["task_id"] == clash.design.pk)
    assert design["name"] == "Design" and design["sv"]["amount_minor"] == 0
    error_of(api.get(f"/projects/{clash.project.pk}/earned-value", {"baseline": 4}), 404)
    error_of(api.get(f"/projects/{clash.project.pk}/earned-value", {"baseline": 11}), 422)
    error_of(api.get(f"/projects/{clash.project.pk}/earned-value", {"status_date": "2026-13-01"}), 422)
    error_of(api_as(clash.other_project.manager.user).get(f"/projects/{clash.project.pk}/earned-value"), 404)


def test_a_project_without_tasks_answers_4xx_or_nothing_never_500(firm: Firm, api_as: ApiAs) -> None:
    # Used to fail with an IndexError in the scheduling engine on every planning endpoint.
    Task.objects.filter(project=firm.project).delete()
    api, pk = api_as(firm.manager_user), firm.project.pk
    with unchanged(firm.project):
        body = error_of(api.post(f"/projects/{pk}/leveling", {"method": "heuristic"}), 422)
        assert "no tasks" in body["detail"]
        error_of(api.post(f"/projects/{pk}/leveling", {"method": "cpsat"}), 422)
    assert api.get(f"/projects/{pk}/overallocations").json() == []
    response = api.post(f"/projects/{pk}/reschedule")
    assert response.status_code == 200, response.content
    assert response.json()["moved"] == []
    gantt = api.get(f"/projects/{pk}/gantt")
    assert gantt.status_code == 200 and gantt.json()["tasks"] == []
    saved = api.post(f"/projects/{pk}/baselines", {})
    assert saved.status_code == 201, saved.content
    assert not BaselineTask.objects.filter(baseline__project=firm.project).exists()
    variance = api.get(f"/projects/{pk}/baselines/{saved.json()['index']}/variance")
    assert variance.status_code == 200, variance.content
