"""The money rule in its four forms (one answer each): finance and administrators see every project's money
in their companies, a manager their projects', nobody else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from margin.accounts.models import Membership
from margin.accounts.queries import Viewer, viewer_for
from margin.core.errors import Forbidden
from margin.projects import actions as projects
from margin.projects.models import Project
from margin.projects.queries import (
    money_scope,
    money_visible,
    money_visible_q,
    projects_money_visible,
    require_money_visible,
)
from tests.firm import Firm


def _answers(viewer: Viewer, project: Project) -> tuple[bool, ...]:
    """The answers of the forms for one project: they must agree. (`money_scope` is for rows already read
    through an access function, so it is asked only about projects of the viewer's companies.)"""
    answers = (
        money_visible(viewer, project),
        projects_money_visible(viewer).filter(pk=project.pk).exists(),
        Project.objects.filter(money_visible_q(viewer, project_field=""), pk=project.pk).exists(),
    )
    if project.organisation_id == viewer.organisation_id and project.company_id in viewer.company_ids:
        answers += (money_scope(viewer).covers(project.pk),)
    return answers


@pytest.mark.parametrize(
    ("who", "sees"),
    [("admin", True), ("finance", True), ("manager", True), ("member", False), ("member2", False)],
)
def test_who_sees_the_money_of_a_project(firm: Firm, who: str, sees: bool) -> None:
    viewer = getattr(firm, who)
    assert _answers(viewer, firm.project) == (sees,) * 4
    if not sees:
        with pytest.raises(Forbidden):
            require_money_visible(viewer, firm.project)


def test_a_member_who_manages_another_project_sees_only_its_money(firm: Firm) -> None:
    own = projects.project_create(
        viewer=firm.admin, company=firm.usd, client=firm.client, manager=firm.member_person, code="TOM", name="T"
    )
    assert _answers(firm.member, own) == (True,) * 4
    assert _answers(firm.member, firm.project) == (False,) * 4
    assert money_scope(firm.member).project_ids == frozenset({own.pk})


def test_another_organisation_and_a_hidden_company_see_nothing(firm: Firm) -> None:
    assert _answers(firm.other_admin, firm.project) == (False,) * 3
    assert not money_visible(firm.admin, firm.other_project)
    user = User.objects.create_user("eu-finance", password="x")
    membership = Membership.objects.create(organisation_id=firm.admin.organisation_id, user=user, role="finance")
    membership.companies.set([firm.eur])  # finance of the EU company only
    eu = viewer_for(user)
    assert eu.is_finance and eu.company_ids == frozenset({firm.eur.pk})
    assert money_visible(eu, firm.project) is False  # a project of the US company
    assert not projects_money_visible(eu).exists()


def test_nobody_without_a_person_record_manages(firm: Firm) -> None:
    user = User.objects.create_user("robot", password="x")
    Membership.objects.create(organisation_id=firm.admin.organisation_id, user=user, role="manager")  # no person
    robot = viewer_for(user)
    assert robot.person_id is None
    assert _answers(robot, firm.project) == (False,) * 4
    assert money_scope(robot).any is False
