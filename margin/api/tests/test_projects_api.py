"""Projects, members, tasks, bill rates and profitability through the API."""

from __future__ import annotations

import pytest

from margin.api.tests.conftest import error_of, unchanged
from margin.contracts.models import BillRate
from margin.core.models import AuditEntry
from margin.projects import actions as projects
from margin.projects.models import Project, ProjectMember, Task
from tests.firm import Firm
from tests.scenarios import approved_entries


@pytest.fixture
def hidden(firm: Firm) -> Project:
    """A project of the firm that Tom (a member) is not on."""
    return projects.project_create(
        viewer=firm.admin,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="GLX-2",
        name="Globex data",
    )


def test_project_list_and_detail(firm: Firm, hidden: Project, api_as) -> None:  # type: ignore[no-untyped-def]
    tom, maya = api_as(firm.member_user), api_as(firm.manager_user)
    assert [p["code"] for p in tom.get("/projects").json()["items"]] == ["GLX-1"]
    assert [p["code"] for p in maya.get("/projects").json()["items"]] == ["GLX-1", "GLX-2"]
    assert maya.get("/projects", {"status": "closed"}).json()["count"] == 0
    detail = tom.get(f"/projects/{firm.project.pk}").json()
    assert detail["client_name"] == "Globex"
    assert detail["budget_minutes"] == 200 * 60
    assert detail["budget_amount"] is None  # a member sees the hours budget, not the money
    managed = maya.get(f"/projects/{firm.project.pk}").json()
    assert managed["budget_amount"] == {"amount_minor": 3_000_000, "amount": "30000.00", "currency": "USD"}
    assert [p["budget_amount"] is None for p in tom.get("/projects").json()["items"]] == [True]


def test_invisible_projects_are_404(firm: Firm, hidden: Project, api_as) -> None:  # type: ignore[no-untyped-def]
    tom, admin = api_as(firm.member_user), api_as(firm.admin_user)
    for project in (hidden, firm.other_project):
        for path in ("", "/members", "/tasks", "/rates", "/profitability"):
            error_of(tom.get(f"/projects/{project.pk}{path}"), 404, "not_found")
    for path in ("", "/members", "/tasks", "/rates", "/profitability"):
        error_of(admin.get(f"/projects/{firm.other_project.pk}{path}"), 404, "not_found")
    with unchanged(hidden, firm.other_project):
        error_of(tom.patch(f"/projects/{hidden.pk}", {"name": "Mine"}), 404, "not_found")
        error_of(admin.patch(f"/projects/{firm.other_project.pk}", {"name": "Mine"}), 404, "not_found")
        error_of(admin.post(f"/projects/{firm.other_project.pk}/tasks", {"name": "Spy"}), 404, "not_found")


def test_project_create_and_change(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    maya = api_as(firm.manager_user)
    response = maya.post(
        "/projects",
        {
            "company_id": firm.usd.pk,
            "client_id": firm.client.pk,
            "manager_id": firm.manager_person.pk,
            "code": "GLX-9",
            "name": "Globex mobile",
            "budget_minutes": 6000,
            "budget_amount_minor": 1_500_000,
            "start_date": "2026-01-01",
            "end_date": "2026-06-30",
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["currency"], created["status"]) == ("USD", "active")
    assert created["budget_amount"]["amount"] == "15000.00"
    assert AuditEntry.objects.filter(action="project.create", object_id=created["id"]).exists()

    changed = maya.patch(
        f"/projects/{created['id']}", {"status": "on_hold", "budget_minutes": 9000, "manager_id": firm.member_person.pk}
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["status"], changed.json()["budget_minutes"]) == ("on_hold", 9000)
    assert changed.json()["manager_id"] == firm.member_person.pk
    assert changed.json()["name"] == "Globex mobile"


def test_project_refusals(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    tom, maya = api_as(firm.member_user), api_as(firm.manager_user)
    new = {
        "company_id": firm.usd.pk,
        "client_id": firm.client.pk,
        "manager_id": firm.manager_person.pk,
        "code": "NEW-1",
        "name": "New",
    }
    other_client = firm.other_project.client_id
    with unchanged(firm.project):
        error_of(tom.post("/projects", new), 403, "forbidden")
        error_of(tom.patch(f"/projects/{firm.project.pk}", {"name": "Tom's"}), 403, "forbidden")
        error_of(maya.post("/projects", {**new, "code": "GLX-1"}), 409, "conflict")
        error_of(maya.post("/projects", {**new, "client_id": other_client}), 404, "not_found")
        error_of(maya.post("/projects", {**new, "status": "done"}), 422, "validation_error")
        body = error_of(maya.post("/projects", {**new, "start_date": "2026-05-01", "end_date": "2026-04-01"}), 422)
        assert body["field"] == "end_date"
        error_of(maya.patch(f"/projects/{firm.project.pk}", {"code": ""}), 422, "validation_error")


def test_members(firm: Firm, hidden: Project, api_as) -> None:  # type: ignore[no-untyped-def]
    maya, tom = api_as(firm.manager_user), api_as(firm.member_user)
    members = tom.get(f"/projects/{firm.project.pk}/members").json()
    assert [m["name"] for m in members["items"]] == ["Lea", "Maya", "Tom"]

    response = maya.post(f"/projects/{hidden.pk}/members", {"person_id": firm.member_person.pk})
    assert response.status_code == 201, response.content
    assert ProjectMember.objects.filter(project=hidden, person=firm.member_person).exists()
    assert tom.get(f"/projects/{hidden.pk}").status_code == 200  # now visible to Tom

    other_person = firm.other_project.manager_id
    with unchanged(firm.project):
        error_of(tom.post(f"/projects/{firm.project.pk}/members", {"person_id": firm.member2_person.pk}), 403)
        error_of(maya.post(f"/projects/{firm.project.pk}/members", {"person_id": other_person}), 404, "not_found")


def test_tasks(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    maya, tom = api_as(firm.manager_user), api_as(firm.member_user)
    base = f"/projects/{firm.project.pk}/tasks"
    assert [t["name"] for t in tom.get(base).json()["items"]] == ["Design", "Build"]

    response = maya.post(
        base,
        {
            "name": "Backend",
            "parent_id": firm.build.pk,
            "planned_start": "2026-03-02",
            "planned_finish": "2026-03-20",
            "estimate_minutes": 2400,
        },
    )
    assert response.status_code == 201, response.content
    backend = response.json()
    assert (backend["parent_id"], backend["estimate_minutes"], backend["billable"]) == (firm.build.pk, 2400, True)
    assert tom.get(f"{base}/{backend['id']}").json()["name"] == "Backend"

    changed = maya.patch(f"{base}/{backend['id']}", {"name": "Back end", "billable": False, "closed": True})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["name"], changed.json()["billable"], changed.json()["closed"]) == ("Back end", False, True)

    other_task = Task.objects.create(project=firm.other_project, name="Theirs")
    with unchanged(firm.build, other_task):
        error_of(tom.post(base, {"name": "Tom's task"}), 403, "forbidden")
        error_of(tom.patch(f"{base}/{firm.build.pk}", {"name": "Tom's"}), 403, "forbidden")
        error_of(maya.get(f"{base}/{other_task.pk}"), 404, "not_found")
        error_of(maya.patch(f"{base}/{other_task.pk}", {"name": "Mine"}), 404, "not_found")
        error_of(maya.post(base, {"name": "Child", "parent_id": other_task.pk}), 404, "not_found")
        body = error_of(maya.patch(f"{base}/{firm.build.pk}", {"parent_id": backend["id"]}), 422, "invalid")
        assert body["field"] == "parent"
        error_of(maya.post(base, {"name": "Long", "estimate_minutes": 10**30}), 422, "validation_error")
        error_of(maya.post(base, {"name": "x" * 201}), 422, "validation_error")


def test_rates(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    maya, tom = api_as(firm.manager_user), api_as(firm.member_user)
    base = f"/projects/{firm.project.pk}/rates"
    error_of(tom.get(base), 403, "forbidden")  # bill rates are money: the project's manager and finance
    rates = maya.get(base).json()["items"]
    assert [(r["role_name"], r["hourly_rate"]) for r in rates] == [
        ("Consultant", "100.0000"),
        ("Senior Consultant", "150.0000"),
    ]

    response = maya.post(
        base, {"valid_from": "2026-01-01", "hourly_rate": "125.50", "person_id": firm.member_person.pk}
    )
    assert response.status_code == 201, response.content
    override = response.json()
    assert (override["person_name"], override["role_id"], override["hourly_rate"]) == ("Tom", None, "125.5000")
    assert BillRate.objects.filter(rate_card__contract__covered__project=firm.project).count() == 3

    with unchanged(firm.project):
        error_of(tom.post(base, {"valid_from": "2026-01-01", "hourly_rate": "1", "role_id": firm.consultant.pk}), 403)
        error_of(maya.post(base, {"valid_from": "2026-01-01", "hourly_rate": "1"}), 422, "invalid")
        error_of(
            maya.post(
                base,
                {
                    "valid_from": "2026-01-01",
                    "hourly_rate": "1",
                    "role_id": firm.consultant.pk,
                    "person_id": firm.member_person.pk,
                },
            ),
            422,
            "invalid",
        )
        error_of(maya.post(base, {"valid_from": "2026-01-01", "hourly_rate": -5, "role_id": firm.consultant.pk}), 422)


def test_profitability(firm: Firm, hidden: Project, api_as) -> None:  # type: ignore[no-untyped-def]
    approved_entries(firm, count=3, minutes=120)  # Tom, consultant: 100/h billed, 40/h cost
    maya, finance, tom = api_as(firm.manager_user), api_as(firm.finance_user), api_as(firm.member_user)
    figures = maya.get(f"/projects/{firm.project.pk}/profitability").json()
    assert figures["wip"] == {"amount_minor": 60000, "amount": "600.00", "currency": "USD"}
    assert figures["billed"]["amount_minor"] == 0
    assert figures["cost"]["amount_minor"] == 24000
    assert figures["margin"] == {"amount_minor": 36000, "amount": "360.00", "currency": "USD"}
    assert figures["margin_pct"] == "60.0"
    assert figures["hours_burn_pct"] == "3.0"  # 6 h of 200 h
    assert figures["money_burn_pct"] == "2.0"  # 600 of 30,000
    assert (figures["logged_minutes"], figures["approved_minutes"]) == (360, 360)

    listed = finance.get("/projects/profitability").json()
    assert [f["code"] for f in listed["items"]] == ["GLX-1", "GLX-2"]
    assert listed["count"] == 2
    assert listed["items"][1]["margin_pct"] is None  # no revenue yet
    page = finance.get("/projects/profitability", {"limit": 1, "offset": 1}).json()
    assert (page["count"], [f["code"] for f in page["items"]]) == (2, ["GLX-2"])

    error_of(tom.get(f"/projects/{firm.project.pk}/profitability"), 403, "forbidden")
    assert tom.get("/projects/profitability").json() == {"items": [], "count": 0}
