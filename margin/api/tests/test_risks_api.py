"""RAID and change control through /api/v1: the register with its filters and heat matrices, issues, decisions,
a change request from draft to applied (budget and plan moved), the refusals (twice, unapproved, bad input) that
change nothing, money hidden from members, and 404 for another organisation."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from margin.api.tests.conftest import Api, error_of, unchanged
from margin.projects.models import Project, Task
from margin.risks.models import ChangeRequest
from tests.firm import Firm

ApiAs = Callable[[User | None], Api]


def _rival() -> User:
    return User.objects.get(username="rival-admin")


def _risk(api: Api, project: Project, **extra: object) -> dict[str, object]:
    body = {"title": "Vendor late", "probability": 4, "impact": 5, **extra}
    response = api.post(f"/projects/{project.pk}/risks", body)
    assert response.status_code == 201, response.content
    answer: dict[str, object] = response.json()
    return answer


def test_the_register_its_filters_and_the_matrices(firm: Firm, api_as: ApiAs) -> None:
    maya, tom = api_as(firm.manager_user), api_as(firm.member_user)
    made = _risk(
        maya,
        firm.project,
        owner_id=firm.member_person.pk,
        mitigation_task_ids=[firm.design.pk],
        contingency_minor=150_000,
        residual_probability=2,
        residual_impact=3,
    )
    assert (made["reference"], made["score"], made["residual_score"]) == ("R-1", 20, 6)
    assert made["contingency"] == {"amount_minor": 150_000, "amount": "1500.00", "currency": "USD"}
    assert made["owner"] == {"id": firm.member_person.pk, "name": firm.member_person.name}
    _risk(maya, firm.project, title="Small", probability=1, impact=2)
    # Tom (a member) reads the register, but not the project's money.
    mine = tom.get(f"/risks/{made['id']}").json()
    assert mine["contingency"] is None and mine["mitigation_task_ids"] == [firm.design.pk]
    cell = tom.get(f"/projects/{firm.project.pk}/risks", {"probability": 4, "impact": 5}).json()
    assert [r["reference"] for r in cell] == ["R-1"]
    assert [r["reference"] for r in tom.get(f"/projects/{firm.project.pk}/risks", {"min_score": 3}).json()] == ["R-1"]
    matrix = tom.get(f"/projects/{firm.project.pk}/risk-matrix").json()
    assert matrix["open_risks"] == 2 and matrix["counts"][3][4] == 1 and matrix["counts"][0][1] == 1
    residual = maya.get(f"/projects/{firm.project.pk}/risk-matrix", {"residual": True}).json()
    assert residual["open_risks"] == 1 and residual["counts"][1][2] == 1
    assert maya.get("/risk-matrix").json()["open_risks"] == 2
    assert api_as(_rival()).get("/risk-matrix").json()["open_risks"] == 0


def test_changing_and_closing_a_risk(firm: Firm, api_as: ApiAs) -> None:
    maya = api_as(firm.manager_user)
    made = _risk(maya, firm.project, owner_id=firm.member_person.pk)
    changed = maya.patch(f"/risks/{made['id']}", {"impact": 1, "owner_id": None, "status": "closed"})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["score"], changed.json()["owner"], changed.json()["status"]) == (4, None, "closed")
    error_of(maya.patch(f"/risks/{made['id']}", {"probability": 7}), 422)
    error_of(api_as(firm.member_user).patch(f"/risks/{made['id']}", {"impact": 2}), 403, "forbidden")


def test_bad_risks_answer_4xx_and_change_nothing(firm: Firm, api_as: ApiAs) -> None:
    maya = api_as(firm.manager_user)
    url = f"/projects/{firm.project.pk}/risks"
    other_task = Task.objects.create(project=firm.other_project, name="Theirs")
    with unchanged(firm.project):
        error_of(maya.post(url, {"title": "X", "probability": 0, "impact": 3}), 422)
        error_of(maya.post(url, {"title": "X", "probability": 2, "impact": 3, "residual_impact": 2}), 422, "invalid")
        body = error_of(
            maya.post(url, {"title": "X", "probability": 2, "impact": 3, "owner_id": firm.finance_user.person.pk}),
            422,
        )
        assert "not on project GLX-1" in body["detail"]
        error_of(
            maya.post(url, {"title": "X", "probability": 2, "impact": 3, "mitigation_task_ids": [other_task.pk]}), 404
        )
        error_of(api_as(firm.member_user).post(url, {"title": "X", "probability": 2, "impact": 3}), 403)
        error_of(
            maya.post(f"/projects/{firm.other_project.pk}/risks", {"title": "X", "probability": 1, "impact": 1}), 404
        )


def test_issues_and_decisions(firm: Firm, api_as: ApiAs) -> None:
    maya = api_as(firm.manager_user)
    issue = maya.post(
        f"/projects/{firm.project.pk}/issues",
        {"title": "Server down", "severity": "critical", "task_ids": [firm.build.pk], "due_date": "2026-03-06"},
    )
    assert issue.status_code == 201, issue.content
    iid = issue.json()["id"]
    with unchanged():
        error_of(maya.post(f"/issues/{iid}/resolve", {"resolution": ""}), 422)
    resolved = maya.post(f"/issues/{iid}/resolve", {"resolution": "Rebooted"}).json()
    assert (resolved["status"], resolved["resolution"]) == ("resolved", "Rebooted")
    error_of(maya.post(f"/issues/{iid}/resolve", {"resolution": "Again"}), 409, "conflict")
    assert [i["reference"] for i in maya.get(f"/projects/{firm.project.pk}/issues", {"status": "resolved"}).json()] == [
        "I-1"
    ]
    decision = maya.post(
        f"/projects/{firm.project.pk}/decisions",
        {"title": "Move hosting", "decision": "We move to managed hosting.", "issue_id": iid},
    )
    assert decision.status_code == 201, decision.content
    assert (decision.json()["reference"], decision.json()["issue_id"]) == ("D-1", iid)
    did = decision.json()["id"]
    assert maya.patch(f"/decisions/{did}", {"rationale": "Cheaper"}).json()["rationale"] == "Cheaper"
    assert [d["id"] for d in api_as(firm.member_user).get(f"/projects/{firm.project.pk}/decisions").json()] == [did]
    other = api_as(_rival())
    error_of(other.get(f"/issues/{iid}"), 404, "not_found")
    error_of(other.get(f"/decisions/{did}"), 404, "not_found")


def test_a_change_request_from_draft_to_applied(firm: Firm, api_as: ApiAs) -> None:
    maya, tom = api_as(firm.manager_user), api_as(firm.member_user)
    made = maya.post(
        f"/projects/{firm.project.pk}/change-requests",
        {
            "title": "Reporting module",
            "requested_by_name": "Globex CFO",
            "schedule_days": 3,
            "effort_minutes": 1200,
            "cost_minor": 90_000,
            "price_minor": 250_000,
            "tasks": [
                {
                    "name": "Monthly report",
                    "estimate_minutes": 1200,
                    "duration_days": 3,
                    "predecessor_id": firm.build.pk,
                }
            ],
        },
    )
    assert made.status_code == 201, made.content
    cr = made.json()
    assert (cr["reference"], cr["status"], cr["price_impact"]["amount"]) == ("CR-1", "draft", "2500.00")
    assert tom.get(f"/change-requests/{cr['id']}").json()["price_impact"] is None
    url = f"/change-requests/{cr['id']}"
    with unchanged(firm.project):
        error_of(maya.post(f"{url}/apply"), 409, "conflict")
        error_of(maya.post(f"{url}/approve", {}), 409)
    assert maya.patch(url, {"title": "Monthly reporting"}).json()["title"] == "Monthly reporting"
    assert maya.post(f"{url}/submit").json()["status"] == "submitted"
    error_of(maya.patch(url, {"title": "Late"}), 409)
    error_of(tom.post(f"{url}/approve", {}), 403)
    approved = maya.post(f"{url}/approve", {"note": "OK", "client_name": "Jane (CFO)"}).json()
    assert (approved["status"], approved["client_approver_name"]) == ("approved", "Jane (CFO)")
    applied = maya.post(f"{url}/apply")
    assert applied.status_code == 200, applied.content
    body = applied.json()
    assert body["status"] == "applied" and len(body["applied_task_ids"]) == 1
    assert body["applied_budget_minutes"] == [200 * 60, 200 * 60 + 1200]
    assert body["applied_money"]["budget_amount_minor"] == [3_000_000, 3_250_000]
    task = Task.objects.get(pk=body["applied_task_ids"][0])
    assert (task.project_id, task.name, task.duration_minutes) == (firm.project.pk, "Monthly report", 3 * 480)
    assert maya.get(f"/projects/{firm.project.pk}")  # the project answers
    firm.project.refresh_from_db()
    assert firm.project.budget_amount_minor == 3_250_000
    with unchanged(firm.project, ChangeRequest.objects.get(pk=cr["id"])):
        error = error_of(maya.post(f"{url}/apply"), 409, "already_applied")
    assert "already applied" in error["detail"]
    seen = tom.get(url).json()
    assert seen["applied_money"] is None and seen["applied_task_ids"] == body["applied_task_ids"]
    error_of(api_as(_rival()).get(url), 404)


def test_lists_cost_the_same_queries_whatever_they_hold(firm: Firm, api_as: ApiAs) -> None:
    maya = api_as(firm.manager_user)

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert maya.get(path).status_code == 200
        return len(queries)

    risks = f"/projects/{firm.project.pk}/risks"
    changes = f"/projects/{firm.project.pk}/change-requests"
    _risk(maya, firm.project)
    maya.post(changes, {"title": "A", "tasks": [{"name": "T"}]})
    one = (count(risks), count(changes))
    for n in range(4):
        _risk(maya, firm.project, title=f"R{n}", mitigation_task_ids=[firm.design.pk])
        maya.post(changes, {"title": f"C{n}", "tasks": [{"name": "T"}, {"name": "U"}]})
    assert (count(risks), count(changes)) == one
