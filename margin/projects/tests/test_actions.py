"""Projects, members and tasks: who may change them, what is refused, and the audit trail."""

from __future__ import annotations

from datetime import date

import pytest

from margin.accounts import actions as accounts
from margin.accounts.models import Company, Membership, Person
from margin.accounts.queries import viewer_for
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.crm.models import Client
from margin.projects import actions
from margin.projects.models import Project, ProjectMember, Task
from margin.projects.queries import can_manage, is_member, project_get, projects_visible, task_get, tasks_of
from tests.checks import audit_row, audit_rows, refused
from tests.firm import Firm


def _eur_manager(firm: Firm) -> Person:
    """Someone of the EUR company (a project is managed by someone of its own company)."""
    found = Person.objects.filter(email="eve@example.test").first()
    return found or accounts.person_create(
        viewer=firm.admin, company=firm.eur, role=firm.senior, name="Eve", email="eve@example.test"
    )


@pytest.fixture(autouse=True)
def _eve(firm: Firm) -> Person:
    return _eur_manager(firm)  # before any refusal test counts the rows


def _create(firm: Firm, **overrides: object) -> Project:
    values: dict[str, object] = {
        "viewer": firm.admin,
        "company": firm.eur,
        "client": firm.client,
        "manager": _eur_manager(firm),
        "code": "GLX-2",
        "name": "Globex rollout",
        **overrides,
    }
    return actions.project_create(**values)  # type: ignore[arg-type]


# --- projects ----------------------------------------------------------------------------------


def test_project_create(firm: Firm) -> None:
    project = _create(
        firm,
        budget_minutes=6000,
        budget_amount_minor=1_000_000,
        start_date=date(2026, 1, 5),
        end_date=date(2026, 6, 30),
    )
    # The project bills in its company's currency (ADR 0006), not the client's.
    assert (project.currency, project.company_id, firm.client.currency) == ("EUR", firm.eur.pk, "USD")
    eve = _eur_manager(firm)
    assert is_member(project, eve.pk)  # the manager is a member from the start
    row = audit_row("project.create", project)
    assert row.actor_id == firm.admin_user.pk and row.organisation_id == firm.admin.organisation_id
    assert row.after == {
        "code": "GLX-2",
        "name": "Globex rollout",
        "status": "active",
        "manager": eve.pk,
        "start_date": "2026-01-05",
        "end_date": "2026-06-30",
        "budget_minutes": 6000,
        "budget_amount_minor": 1_000_000,
        "notes_required": False,
        "is_template": False,
    }


def test_a_manager_may_create_projects(firm: Firm) -> None:
    project = _create(firm, viewer=firm.manager, code="MGR-1")
    assert audit_row("project.create", project).actor_id == firm.manager_user.pk


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        ({"code": "GLX-1"}, Conflict, "exists already"),
        ({"code": "  "}, Invalid, "required"),
        ({"code": "C" * 33}, Invalid, "longer than 32"),
        ({"code": "A\x00B"}, Invalid, "NUL"),
        ({"name": "Globex\x00"}, Invalid, "NUL"),
        ({"name": "N" * 201}, Invalid, "longer than 200"),
        ({"start_date": date(2026, 5, 1), "end_date": date(2026, 4, 30)}, Invalid, "before the start"),
        ({"budget_minutes": -60}, Invalid, "hours budget"),
        ({"budget_minutes": 10**12}, Invalid, "hours budget"),
        ({"budget_amount_minor": 10**30}, Invalid, "out of range"),
        ({"budget_amount_minor": -1}, Invalid, "out of range"),
        ({"status": "archived"}, Invalid, "Unknown status"),
    ],
)
def test_project_create_refuses_bad_input(firm: Firm, overrides: dict[str, object], error: type, match: str) -> None:
    with refused(error, match=match):
        _create(firm, **overrides)


def test_project_create_refuses_strangers_and_foreign_objects(firm: Firm) -> None:
    with refused(Forbidden):
        _create(firm, viewer=firm.member)
    with refused(Forbidden):
        _create(firm, viewer=firm.finance)
    rival_company = Company.objects.get(organisation_id=firm.other_admin.organisation_id)
    rival_client = Client.objects.get(organisation_id=firm.other_admin.organisation_id)
    rival_person = Person.objects.get(organisation_id=firm.other_admin.organisation_id)
    with refused(NotFound):
        _create(firm, company=rival_company)
    with refused(NotFound):
        _create(firm, client=rival_client)
    with refused(NotFound):
        _create(firm, manager=rival_person)


def test_project_update(firm: Firm) -> None:
    actions.project_update(
        viewer=firm.manager, project=firm.project, name="Globex portal v2", budget_minutes=300 * 60, status="on_hold"
    )
    stored = Project.objects.get(pk=firm.project.pk)
    assert (stored.name, stored.budget_minutes, stored.status) == ("Globex portal v2", 18000, "on_hold")
    row = audit_row("project.update", stored)
    assert row.actor_id == firm.manager_user.pk
    assert (row.before["name"], row.after["name"]) == ("Globex portal", "Globex portal v2")
    assert (row.before["budget_minutes"], row.after["budget_minutes"]) == (12000, 18000)
    assert (row.before["status"], row.after["status"]) == ("active", "on_hold")


def test_changing_the_manager_makes_them_a_member(firm: Firm) -> None:
    actions.project_update(viewer=firm.admin, project=firm.project, manager=firm.member2_person)
    stored = Project.objects.get(pk=firm.project.pk)
    assert stored.manager_id == firm.member2_person.pk
    assert audit_row("project.update", stored).after["manager"] == firm.member2_person.pk
    assert can_manage(viewer_for(firm.member2_user), stored)
    assert not can_manage(firm.manager, stored)


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"name": ""}, Invalid, "required"),
        ({"name": "x\x00"}, Invalid, "NUL"),
        ({"code": "INI-1"}, None, None),  # another organisation's code is free
        ({"end_date": date(2019, 1, 1), "start_date": date(2020, 1, 1)}, Invalid, "before the start"),
        ({"budget_amount_minor": 10**25}, Invalid, "out of range"),
        ({"budget_minutes": -1}, Invalid, "hours budget"),
        ({"status": "deleted"}, Invalid, "Unknown status"),
        ({"currency": "EUR"}, Invalid, "cannot be changed"),
        ({"organisation": 2}, Invalid, "cannot be changed"),
    ],
)
def test_project_update_refuses_bad_input(
    firm: Firm, changes: dict[str, object], error: type | None, match: str | None
) -> None:
    if error is None:
        actions.project_update(viewer=firm.manager, project=firm.project, **changes)
        return
    with refused(error, firm.project, match=match):
        actions.project_update(viewer=firm.manager, project=firm.project, **changes)


def test_project_update_refusals_by_who_and_what(firm: Firm) -> None:
    _create(firm)
    with refused(Conflict, firm.project, match="exists already"):
        actions.project_update(viewer=firm.manager, project=firm.project, code="GLX-2")
    with refused(Forbidden, firm.project):
        actions.project_update(viewer=firm.member, project=firm.project, name="Mine now")
    with refused(Forbidden, firm.project):  # finance sees every project but does not plan them
        actions.project_update(viewer=firm.finance, project=firm.project, name="Finance's")
    with refused(NotFound, firm.project):
        actions.project_update(viewer=firm.other_admin, project=firm.project, name="Hijacked")
    rival_person = Person.objects.get(organisation_id=firm.other_admin.organisation_id)
    with refused(NotFound, firm.project):
        actions.project_update(viewer=firm.admin, project=firm.project, manager=rival_person)
    assert audit_rows("project.update") == []


# --- members -----------------------------------------------------------------------------------


def test_project_member_add(firm: Firm) -> None:
    newcomer = accounts.person_create(
        viewer=firm.admin, company=firm.usd, role=firm.consultant, name="Nia", email="nia@example.test"
    )
    member = actions.project_member_add(viewer=firm.manager, project=firm.project, person=newcomer)
    assert is_member(firm.project, newcomer.pk)
    row = audit_row("project.member_add", member)
    assert (row.actor_id, row.after) == (firm.manager_user.pk, {"project": firm.project.pk, "person": newcomer.pk})
    # Adding again changes nothing and writes no second row.
    with_same = actions.project_member_add(viewer=firm.manager, project=firm.project, person=newcomer)
    assert with_same.pk == member.pk and len(audit_rows("project.member_add", member)) == 1


def test_project_member_add_refusals(firm: Firm) -> None:
    rival_person = Person.objects.get(organisation_id=firm.other_admin.organisation_id)
    with refused(NotFound):
        actions.project_member_add(viewer=firm.manager, project=firm.project, person=rival_person)
    with refused(Forbidden):
        actions.project_member_add(viewer=firm.member, project=firm.project, person=firm.member2_person)
    with refused(NotFound):
        actions.project_member_add(viewer=firm.admin, project=firm.other_project, person=firm.member_person)


# --- tasks -------------------------------------------------------------------------------------


def test_task_create_and_wbs(firm: Firm) -> None:
    parent = actions.task_create(
        viewer=firm.manager,
        project=firm.project,
        name="Test",
        planned_start=date(2026, 2, 2),
        planned_finish=date(2026, 2, 27),
        estimate_minutes=600,
        billable=False,
    )
    child = actions.task_create(viewer=firm.manager, project=firm.project, name="Unit tests", parent=parent)
    assert parent.position == 2 and child.position == 0  # after Design and Build; first under Test
    assert list(tasks_of(firm.project)) == [firm.design, child, firm.build, parent]  # by position, then age
    row = audit_row("task.create", parent)
    assert row.actor_id == firm.manager_user.pk
    assert row.after == {
        "name": "Test",
        "parent": None,
        "planned_start": "2026-02-02",
        "planned_finish": "2026-02-27",
        "estimate_minutes": 600,
        "billable": False,
        "closed": False,
        "deadline": None,
    }
    assert audit_row("task.create", child).after["parent"] == parent.pk


@pytest.mark.parametrize(
    ("values", "error", "match"),
    [
        ({"name": ""}, Invalid, "required"),
        ({"name": "T\x00"}, Invalid, "NUL"),
        ({"name": "T" * 201}, Invalid, "longer than 200"),
        ({"planned_start": date(2026, 3, 2), "planned_finish": date(2026, 3, 1)}, Invalid, "before the start"),
        ({"estimate_minutes": -1}, Invalid, "estimate"),
        ({"estimate_minutes": 10**13}, Invalid, "estimate"),
    ],
)
def test_task_create_refuses_bad_input(firm: Firm, values: dict[str, object], error: type, match: str) -> None:
    with refused(error, match=match):
        actions.task_create(viewer=firm.manager, project=firm.project, **{"name": "Task", **values})  # type: ignore[arg-type]


def test_task_create_refusals_by_who_and_where(firm: Firm) -> None:
    with refused(Forbidden):
        actions.task_create(viewer=firm.member, project=firm.project, name="Sneaky")
    with refused(NotFound):
        actions.task_create(viewer=firm.other_admin, project=firm.project, name="Sneaky")
    foreign_parent = actions.task_create(viewer=firm.other_admin, project=firm.other_project, name="Theirs")
    with refused(NotFound, match="parent"):
        actions.task_create(viewer=firm.manager, project=firm.project, name="Child", parent=foreign_parent)


def test_task_update(firm: Firm) -> None:
    actions.task_update(viewer=firm.manager, task=firm.design, name="UX design", estimate_minutes=50 * 60, closed=True)
    stored = Task.objects.get(pk=firm.design.pk)
    assert (stored.name, stored.estimate_minutes, stored.closed) == ("UX design", 3000, True)
    row = audit_row("task.update", stored)
    assert (row.before["name"], row.after["name"]) == ("Design", "UX design")
    assert (row.before["closed"], row.after["closed"]) == (False, True)
    actions.task_update(viewer=firm.manager, task=stored, parent=firm.build)
    assert Task.objects.get(pk=firm.design.pk).parent_id == firm.build.pk


def test_a_task_cannot_go_under_itself_or_its_subtasks(firm: Firm) -> None:
    child = actions.task_create(viewer=firm.manager, project=firm.project, name="Backend", parent=firm.build)
    grandchild = actions.task_create(viewer=firm.manager, project=firm.project, name="API", parent=child)
    with refused(Invalid, firm.build, match="under itself"):
        actions.task_update(viewer=firm.manager, task=firm.build, parent=firm.build)
    with refused(Invalid, firm.build, match="under itself"):
        actions.task_update(viewer=firm.manager, task=firm.build, parent=grandchild)
    assert audit_rows("task.update") == []


def test_task_update_refusals(firm: Firm) -> None:
    with refused(Invalid, firm.design, match="cannot be changed"):
        actions.task_update(viewer=firm.manager, task=firm.design, project=firm.other_project)
    with refused(Invalid, firm.design, match="before the start"):
        actions.task_update(
            viewer=firm.manager, task=firm.design, planned_start=date(2026, 5, 2), planned_finish=date(2026, 5, 1)
        )
    with refused(Invalid, firm.design, match="estimate"):
        actions.task_update(viewer=firm.manager, task=firm.design, estimate_minutes=10**14)
    with refused(Forbidden, firm.design):
        actions.task_update(viewer=firm.member, task=firm.design, name="Mine")
    with refused(NotFound, firm.design):
        actions.task_update(viewer=firm.other_admin, task=firm.design, name="Theirs")


# --- who sees which project --------------------------------------------------------------------


def test_projects_visible_by_role(firm: Firm) -> None:
    lonely = _create(firm, code="SOLO", manager=firm.member2_person, company=firm.usd)
    assert set(projects_visible(firm.admin)) == {firm.project, lonely}
    assert set(projects_visible(firm.finance)) == {firm.project, lonely}
    assert set(projects_visible(firm.manager)) == {firm.project}
    assert set(projects_visible(firm.member)) == {firm.project}
    assert set(projects_visible(viewer_for(firm.member2_user))) == {firm.project, lonely}
    assert set(projects_visible(firm.other_admin)) == {firm.other_project}
    with pytest.raises(NotFound):
        project_get(firm.member, lonely.pk)
    with pytest.raises(NotFound):
        task_get(firm.member, actions.task_create(viewer=firm.admin, project=lonely, name="Hidden").pk)
    assert project_get(firm.member, firm.project.pk) == firm.project
    assert task_get(firm.member, firm.design.pk) == firm.design


def test_membership_companies_restrict_what_a_user_sees(firm: Firm) -> None:
    """A manager restricted to the EUR company no longer sees the USD project they manage."""
    membership = Membership.objects.get(user=firm.manager_user)
    membership.companies.set([firm.eur])
    Person.objects.filter(pk=firm.manager_person.pk).update(company=firm.eur)  # and now works for it
    restricted = viewer_for(firm.manager_user)
    assert restricted.company_ids == {firm.eur.pk}
    assert list(projects_visible(restricted)) == []
    with pytest.raises(NotFound):
        project_get(restricted, firm.project.pk)
    with pytest.raises(NotFound):
        task_get(restricted, firm.design.pk)
    assert not can_manage(restricted, firm.project)
    with refused(NotFound, firm.project):
        actions.project_update(viewer=restricted, project=firm.project, name="Out of reach")
    with refused(NotFound):
        _create(firm, viewer=restricted, company=firm.usd)
    eur_project = _create(
        firm, viewer=restricted, company=firm.eur, code="EU-1", manager=Person.objects.get(pk=firm.manager_person.pk)
    )
    assert list(projects_visible(restricted)) == [eur_project]


def test_other_organisation_sees_nothing(firm: Firm) -> None:
    with pytest.raises(NotFound):
        project_get(firm.other_admin, firm.project.pk)
    with pytest.raises(NotFound):
        project_get(firm.admin, firm.other_project.pk)
    with pytest.raises(NotFound):
        task_get(firm.other_admin, firm.design.pk)
    assert not can_manage(firm.other_admin, firm.project)
    assert ProjectMember.objects.filter(project=firm.project).count() == 3
