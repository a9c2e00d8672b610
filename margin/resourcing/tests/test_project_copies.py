"""Projects made from a template or as a copy: the plan comes along with its dates moved to the new start; time,
progress and people who are not members do not; a bad start or bad details change nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from django.contrib.auth.models import User

from margin.accounts import actions as accounts
from margin.accounts.queries import viewer_for
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.projects import actions
from margin.projects.models import Dependency, Project, Task, WorkCalendar
from margin.projects.planning import to_aware, to_local
from margin.projects.queries import projects_listed, projects_visible, templates_visible
from margin.resourcing import actions as resourcing
from margin.resourcing.models import Assignment, ResourcePool
from tests.checks import assigned, audit_row, refused
from tests.firm import Firm

MONDAY = date(2026, 3, 2)
LATER = date(2026, 6, 1)  # a Monday 13 weeks on, no holiday on the default calendar


@dataclass
class Template:
    project: Project
    phase: Task
    design: Task
    build: Task
    review: Task
    live: Task
    pool: ResourcePool


@pytest.fixture
def template(firm: Firm) -> Template:
    """A template with a summary, two linked tasks, a constrained one, a milestone, a pool and two people."""
    m = firm.manager
    project = actions.project_create(
        viewer=m,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="TPL-WEB",
        name="Website template",
        start_date=MONDAY,
        is_template=True,
    )
    actions.project_member_add(viewer=m, project=project, person=firm.member2_person)
    phase = actions.task_create(viewer=m, project=project, name="Phase 1")
    design = actions.task_create(viewer=m, project=project, name="Design", parent=phase, estimate_minutes=960)
    build = actions.task_create(viewer=m, project=project, name="Build", parent=phase, deadline=date(2026, 3, 13))
    review = actions.task_create(viewer=m, project=project, name="Review")
    live = actions.task_create(viewer=m, project=project, name="Go-live")
    actions.task_schedule_update(viewer=m, task=design, duration_minutes=2 * 480)
    actions.task_schedule_update(viewer=m, task=build, duration_minutes=3 * 480)
    actions.task_schedule_update(
        viewer=m,
        task=review,
        duration_minutes=240,
        constraint="SNET",
        constraint_date=to_aware(datetime(2026, 3, 16, 9)),
    )
    actions.task_schedule_update(viewer=m, task=live, duration_minutes=0)
    actions.dependency_create(viewer=m, predecessor=design, successor=build, kind="FS", lag_minutes=480)
    actions.dependency_create(viewer=m, predecessor=build, successor=live, kind="FF", lag_minutes=-60)
    pool = ResourcePool.objects.create(
        organisation_id=project.organisation_id, name="Consultants", role=firm.consultant, max_units=300
    )
    resourcing.assignment_create(viewer=m, task=design, pool=pool, units=200)
    resourcing.assignment_create(viewer=m, task=build, person=firm.manager_person)
    resourcing.assignment_create(viewer=m, task=review, person=firm.member2_person)
    actions.task_board_move(viewer=m, task=review, status="todo", position=0, assignee=firm.member2_person)
    for task in (phase, design, build, review, live):
        task.refresh_from_db()
    return Template(project, phase, design, build, review, live, pool)


def _instantiate(firm: Firm, template: Template, **overrides: object) -> Project:
    values: dict[str, object] = {
        "viewer": firm.manager,
        "source": template.project,
        "company": firm.usd,
        "client": firm.client,
        "manager": firm.manager_person,
        "code": "WEB-7",
        "name": "Acme website",
        "start_date": LATER,
        "members": [firm.member_person],
        **overrides,
    }
    return actions.project_copy(**values)  # type: ignore[arg-type]


def _by_name(project: Project) -> dict[str, Task]:
    return {t.name: t for t in Task.objects.filter(project=project)}


def test_a_template_is_instantiated_with_its_plan_moved_to_the_new_start(firm: Firm, template: Template) -> None:
    project = _instantiate(firm, template)
    assert (project.is_template, project.start_date, project.code) == (False, LATER, "WEB-7")
    new, old = _by_name(project), _by_name(template.project)
    assert set(new) == {"Phase 1", "Design", "Build", "Review", "Go-live"}
    # the WBS: parents and positions
    assert new["Design"].parent_id == new["Build"].parent_id == new["Phase 1"].pk
    assert [new[n].position for n in ("Design", "Build")] == [old[n].position for n in ("Design", "Build")]
    # durations, the milestone, estimates, constraints
    assert new["Go-live"].duration_minutes == 0 and new["Design"].estimate_minutes == 960
    assert (new["Review"].constraint, to_local(new["Review"].constraint_date)) == ("SNET", datetime(2026, 6, 15, 9))
    assert new["Build"].deadline == date(2026, 6, 12)
    # every task sits where it sat in the template, 13 weeks on (same weekdays, no holidays on the way)
    shift = LATER - MONDAY
    for name in new:
        assert new[name].start == old[name].start + shift, name
        assert new[name].finish == old[name].finish + shift, name
    # links with their kinds and lags
    links = {
        (d.predecessor.name, d.successor.name, d.kind, d.lag_minutes)
        for d in Dependency.objects.filter(project=project)
    }
    assert links == {("Design", "Build", "FS", 480), ("Build", "Go-live", "FF", -60)}
    # the role pool and the manager's assignment come along; Lea is not a member of the new project
    assignments = {
        (a.task.name, a.pool_id, a.person_id, a.units) for a in Assignment.objects.filter(task__project=project)
    }
    assert assignments == {("Design", template.pool.pk, None, 200), ("Build", None, firm.manager_person.pk, 100)}
    assert assigned(new["Review"]) == []
    assert set(project.memberships.values_list("person_id", flat=True)) == {
        firm.manager_person.pk,
        firm.member_person.pk,
    }
    row = audit_row("project.instantiate", project)
    assert row.after == {
        "source": template.project.pk,
        "start_date": "2026-06-01",
        "tasks": 5,
        "links": 2,
        "assignments": 2,
    }
    assert audit_row("project.create", project).after["is_template"] is False


def test_people_who_join_keep_their_assignments(firm: Firm, template: Template) -> None:
    project = _instantiate(firm, template, members=[firm.member2_person])
    review = _by_name(project)["Review"]
    assert assigned(review) == [firm.member2_person.name]
    assert Assignment.objects.filter(task=review, person=firm.member2_person).exists()


def test_save_as_template_and_who_sees_templates(firm: Firm) -> None:
    saved = actions.project_copy(
        viewer=firm.manager,
        source=firm.project,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="TPL-GLX",
        name="Portal template",
        start_date=MONDAY,
        is_template=True,
    )
    assert saved.is_template and audit_row("project.template_save", saved).after["tasks"] == 2
    assert saved in templates_visible(firm.manager) and saved not in projects_listed(firm.manager)
    assert saved not in projects_visible(firm.member)  # templates are for people who create projects
    # another manager of the company sees it too: a template is the company's, not a personal project
    max_user = User.objects.create_user(username="max")
    accounts.person_create(
        viewer=firm.admin, company=firm.usd, role=firm.senior, name="Max", email="max@example.test", user=max_user,
        access_role="manager",
    )  # fmt: skip
    assert saved in templates_visible(viewer_for(max_user))


def test_a_start_on_a_holiday_is_refused_with_its_name_or_moved(firm: Firm, template: Template) -> None:
    WorkCalendar.objects.create(
        organisation_id=firm.usd.organisation_id, company=firm.usd, name="US office", country="US",
        week={str(d): [[540, 1020]] for d in range(5)} | {"5": [], "6": []},
    )  # fmt: skip
    christmas = date(2026, 12, 25)
    with refused(Invalid, match=r"2026-12-25 is not a working day on the calendar 'US office' \(Christmas Day\)"):
        _instantiate(firm, template, start_date=christmas)
    with refused(Invalid, match=r"\(a Saturday\)"):
        _instantiate(firm, template, start_date=date(2026, 12, 26))
    project = _instantiate(firm, template, start_date=christmas, move_to_working_day=True)
    assert project.start_date == date(2026, 12, 28)
    assert to_local(_by_name(project)["Design"].start) == datetime(2026, 12, 28, 9)


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        ({"code": "GLX-1"}, Conflict, "exists already"),
        ({"code": ""}, Invalid, "required"),
        ({"end_date": date(2026, 5, 1)}, Invalid, "before the start"),
        ({"budget_minutes": -1}, Invalid, "hours budget"),
        ({"start_date": date(2299, 1, 5)}, Invalid, "deadline"),
    ],
)
def test_bad_details_change_nothing(
    firm: Firm, template: Template, overrides: dict[str, object], error: type, match: str
) -> None:
    with refused(error, template.project, match=match):
        _instantiate(firm, template, **overrides)


def test_refusals_about_people_and_scope_change_nothing(firm: Firm, template: Template) -> None:
    with refused(Invalid, template.project, match="works for Acme US, not for the project's company"):
        _instantiate(firm, template, company=firm.eur)  # Maya manages, but works for Acme US
    eva = accounts.person_create(
        viewer=firm.admin, company=firm.eur, role=firm.consultant, name="Eva", email="e@x.test"
    )
    with refused(Invalid, match="costed in EUR"):
        _instantiate(firm, template, members=[eva])
    with refused(Forbidden, match="add members"):  # a manager creating a project for someone else
        _instantiate(firm, template, manager=firm.member2_person)
    with refused(Forbidden):
        _instantiate(firm, template, viewer=firm.member)
    with refused(NotFound):
        _instantiate(firm, template, source=firm.other_project)
