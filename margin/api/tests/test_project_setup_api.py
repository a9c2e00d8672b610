"""New projects through the API: with members and rates, from a template, as a copy, from a file; the rate card
as a table; archiving; and the list's filters."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User

from margin.api.tests.conftest import error_of, unchanged
from margin.contracts.models import BillRate
from margin.projects import actions as projects
from margin.projects.models import Project, Task
from tests.checks import audit_row
from tests.firm import Firm

MONDAY = "2026-03-02"


def _new(firm: Firm, **overrides: object) -> dict[str, object]:
    return {
        "company_id": firm.usd.pk,
        "client_id": firm.client.pk,
        "manager_id": firm.manager_person.pk,
        "code": "NEW-1",
        "name": "New project",
        "start_date": MONDAY,
        **overrides,
    }


def test_create_with_members_and_rates(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    maya = api_as(firm.manager_user)
    answer = maya.post(
        "/projects",
        _new(
            firm,
            member_ids=[firm.member_person.pk],
            rates=[
                {"role_id": firm.consultant.pk, "valid_from": "2026-01-01", "hourly_rate": "95"},
                {"person_id": firm.member_person.pk, "valid_from": "2026-01-01", "hourly_rate": "80.5"},
            ],
        ),
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["is_template"], body["archived_at"], body["currency"]) == (False, None, "USD")
    project = Project.objects.get(pk=body["id"])
    assert set(project.memberships.values_list("person__name", flat=True)) == {"Maya", "Tom"}
    assert BillRate.objects.filter(rate_card__contract__covered__project=project).count() == 2
    rates = maya.get(f"/projects/{project.pk}/rates").json()["items"]
    assert [(r["role_name"], r["person_name"], r["hourly_rate"]) for r in rates] == [
        ("Consultant", None, "95.0000"),
        (None, "Tom", "80.5000"),
    ]


@pytest.mark.parametrize(
    ("overrides", "status", "field", "match"),
    [
        (
            {
                "rates": [
                    {"role_id": 0, "valid_from": "2026-01-01", "hourly_rate": "95"},
                ]
            },
            422,
            None,
            "",
        ),
        ({"manager_id": "eur"}, 422, "manager", "not for the project's company"),
        ({"code": "GLX-1"}, 409, "code", "exists already"),
        ({"start_date": "2026-05-01", "end_date": "2026-04-01"}, 422, "end_date", "before the start"),
        ({"rates": "twice"}, 422, "rates", "Consultant has two rates from 2026-01-01"),
    ],
)
def test_create_refusals_change_nothing(  # type: ignore[no-untyped-def]
    firm: Firm, api_as, overrides: dict[str, object], status: int, field: str | None, match: str
) -> None:
    if overrides.get("manager_id") == "eur":
        overrides = {"company_id": firm.eur.pk}
    if overrides.get("rates") == "twice":
        row = {"role_id": firm.consultant.pk, "valid_from": "2026-01-01", "hourly_rate": "95"}
        overrides = {"rates": [row, {**row, "hourly_rate": "100"}], "member_ids": [firm.member_person.pk]}
    with unchanged(firm.project):
        body = error_of(api_as(firm.admin_user).post("/projects", _new(firm, **overrides)), status)
    if field:
        assert body["field"] == field and match in body["detail"]


def _template(firm: Firm, api) -> dict[str, object]:  # type: ignore[no-untyped-def]
    projects.project_update(viewer=firm.manager, project=firm.project, start_date=date(2026, 3, 2))
    answer = api.post(f"/projects/{firm.project.pk}/template", {"code": "TPL-1", "name": "Portal template"})
    assert answer.status_code == 201, answer.content
    return answer.json()  # type: ignore[no-any-return]


def test_save_as_template_then_instantiate(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    maya = api_as(firm.manager_user)
    template = _template(firm, maya)
    assert template["is_template"] and template["start_date"] == MONDAY
    assert audit_row("project.template_save", Project.objects.get(pk=template["id"]))
    # a template is not in the default list, but in the templates list
    assert [p["code"] for p in maya.get("/projects").json()["items"]] == ["GLX-1"]
    assert [p["code"] for p in maya.get("/projects", {"template": "true"}).json()["items"]] == ["TPL-1"]
    # a start on a Saturday is refused with a clear message, and nothing is made
    with unchanged():
        body = error_of(
            maya.post(f"/projects/{template['id']}/copy", {"code": "P-1", "name": "P", "start_date": "2026-03-07"}),
            422,
            "non_working_start",
        )
    assert "2026-03-07 is not a working day" in body["detail"] and body["field"] == "start_date"
    made = maya.post(
        f"/projects/{template['id']}/copy",
        {"code": "P-1", "name": "Portal 2", "start_date": "2026-03-07", "move_to_working_day": True},
    )
    assert made.status_code == 201, made.content
    project = Project.objects.get(pk=made.json()["id"])
    assert (project.start_date, project.is_template) == (date(2026, 3, 9), False)
    assert set(Task.objects.filter(project=project).values_list("name", flat=True)) == {"Design", "Build"}
    # the template's card came along
    assert BillRate.objects.filter(rate_card__contract__covered__project=project).count() == 2
    assert list(project.memberships.values_list("person__name", flat=True)) == ["Maya"]  # nobody from a template


def test_a_copy_of_a_project_keeps_its_team_unless_told(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    maya = api_as(firm.manager_user)
    path = f"/projects/{firm.project.pk}/copy"
    team = maya.post(path, {"code": "C-1", "name": "Copy", "start_date": MONDAY}).json()
    assert set(Project.objects.get(pk=team["id"]).memberships.values_list("person__name", flat=True)) == {
        "Maya",
        "Tom",
        "Lea",
    }
    alone = maya.post(path, {"code": "C-2", "name": "Copy", "start_date": MONDAY, "member_ids": [], "rates": []})
    project = Project.objects.get(pk=alone.json()["id"])
    assert (
        project.memberships.count() == 1
        and not BillRate.objects.filter(rate_card__contract__covered__project=project).exists()
    )
    error_of(api_as(firm.member_user).post(path, {"code": "C-3", "name": "x", "start_date": MONDAY}), 403)
    rival = User.objects.get(pk=firm.other_admin.user_id)
    error_of(api_as(rival).post(path, {"code": "C-3", "name": "x", "start_date": MONDAY}), 404)


def test_the_rate_card_as_a_table(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    maya = api_as(firm.manager_user)
    path = f"/projects/{firm.project.pk}/rates"
    table = [
        {"role_id": firm.consultant.pk, "valid_from": "2020-01-01", "hourly_rate": "100"},
        {"role_id": firm.consultant.pk, "valid_from": "2027-01-01", "hourly_rate": "110"},
    ]
    answer = maya.put(path, table)
    assert answer.status_code == 200, answer.content
    assert [(r["valid_from"], r["hourly_rate"]) for r in answer.json()] == [
        ("2020-01-01", "100.0000"),
        ("2027-01-01", "110.0000"),
    ]
    with unchanged(firm.project):
        body = error_of(maya.put(path, [table[0], {**table[0], "hourly_rate": "1"}]), 422, "overlapping_rates")
    assert "two rates from 2020-01-01" in body["detail"]
    error_of(api_as(firm.member_user).put(path, table), 403)


def test_archive_and_unarchive(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    maya = api_as(firm.manager_user)
    path = f"/projects/{firm.project.pk}"
    with unchanged(firm.project):
        error_of(maya.post(f"{path}/archive"), 409)
    maya.patch(path, {"status": "closed"})
    archived = maya.post(f"{path}/archive").json()
    assert archived["archived_at"] is not None
    with unchanged(firm.project):
        assert "read-only" in error_of(maya.patch(path, {"name": "New name"}), 409, "project_archived")["detail"]
    assert maya.get("/projects").json()["count"] == 0
    assert [p["code"] for p in maya.get("/projects", {"archived": "true"}).json()["items"]] == ["GLX-1"]
    assert maya.post(f"{path}/unarchive").json()["archived_at"] is None


def test_member_remove(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    maya = api_as(firm.manager_user)
    assert maya.delete(f"/projects/{firm.project.pk}/members/{firm.member_person.pk}").status_code == 204
    assert "Tom" not in [p["name"] for p in maya.get(f"/projects/{firm.project.pk}/members").json()["items"]]
    with unchanged(firm.project):
        error_of(maya.delete(f"/projects/{firm.project.pk}/members/{firm.manager_person.pk}"), 422)


def test_list_filters(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    admin = api_as(firm.admin_user)
    projects.project_create(
        viewer=firm.admin, company=firm.usd, client=firm.client, manager=firm.member2_person, code="LEA-1", name="Lea's"
    )
    codes = lambda **q: [p["code"] for p in admin.get("/projects", q).json()["items"]]  # noqa: E731
    assert codes() == ["GLX-1", "LEA-1"]
    assert codes(q="lea") == ["LEA-1"]
    assert codes(manager_id=firm.manager_person.pk) == ["GLX-1"]
    assert codes(company_id=firm.eur.pk) == []
    assert codes(mine="true") == []  # the admin is on neither
    tom = api_as(firm.member_user)
    assert [p["code"] for p in tom.get("/projects", {"mine": "true"}).json()["items"]] == ["GLX-1"]
