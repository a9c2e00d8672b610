"""Closing, archiving and taking people off a project: what each refuses and what it leaves alone."""

from __future__ import annotations

from datetime import date

import pytest

from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.projects import actions
from margin.projects.models import Project
from margin.projects.queries import is_member, projects_listed, projects_visible
from tests.checks import audit_row, refused
from tests.firm import Firm

MONDAY = date(2026, 3, 2)


def _close(firm: Firm) -> None:
    actions.project_update(viewer=firm.manager, project=firm.project, status="closed")


def test_only_a_closed_project_is_archived(firm: Firm) -> None:
    with refused(Conflict, firm.project, match="close it before archiving"):
        actions.project_archive(viewer=firm.manager, project=firm.project)
    _close(firm)
    with refused(Forbidden, firm.project):
        actions.project_archive(viewer=firm.member, project=firm.project)
    with refused(NotFound, firm.project):
        actions.project_archive(viewer=firm.other_admin, project=firm.project)
    archived = actions.project_archive(viewer=firm.manager, project=firm.project)
    assert archived.archived_at is not None
    assert audit_row("project.archive", firm.project).after["archived_at"] == archived.archived_at.isoformat()
    with refused(Conflict, firm.project, match="archived already"):
        actions.project_archive(viewer=firm.manager, project=firm.project)


def test_an_archived_project_leaves_the_lists_and_is_read_only(firm: Firm) -> None:
    _close(firm)
    actions.project_archive(viewer=firm.manager, project=firm.project)
    project = Project.objects.get(pk=firm.project.pk)
    assert project not in projects_listed(firm.admin)
    assert project in projects_visible(firm.admin)  # still reachable by its page
    m = firm.manager
    attempts = [
        lambda: actions.project_update(viewer=m, project=project, name="Renamed"),
        lambda: actions.project_member_add(viewer=m, project=project, person=firm.member2_person),
        lambda: actions.project_member_remove(viewer=m, project=project, person=firm.member_person),
        lambda: actions.task_create(viewer=m, project=project, name="More"),
        lambda: actions.task_update(viewer=m, task=firm.design, name="Redesign"),
        lambda: actions.task_schedule_update(viewer=m, task=firm.design, duration_minutes=60),
        lambda: actions.dependency_create(viewer=m, predecessor=firm.design, successor=firm.build),
        lambda: actions.task_board_move(viewer=m, task=firm.design, status="done", position=0),
    ]
    for attempt in attempts:
        with refused(Conflict, project, firm.design, match="archived and read-only; unarchive it"):
            attempt()


def test_unarchive_brings_it_back_still_closed(firm: Firm) -> None:
    _close(firm)
    actions.project_archive(viewer=firm.manager, project=firm.project)
    project = actions.project_unarchive(viewer=firm.admin, project=firm.project)
    assert (project.archived_at, project.status) == (None, "closed")
    assert project in projects_listed(firm.manager)
    assert audit_row("project.unarchive", project).before["archived_at"]
    with refused(Conflict, project, match="not archived"):
        actions.project_unarchive(viewer=firm.admin, project=project)
    actions.project_update(viewer=firm.manager, project=project, status="active")


def test_member_remove(firm: Firm) -> None:
    actions.project_member_remove(viewer=firm.manager, project=firm.project, person=firm.member_person)
    assert not is_member(firm.project, firm.member_person.pk)
    assert audit_row("project.member_remove").before == {"project": firm.project.pk, "person": firm.member_person.pk}


@pytest.mark.parametrize(
    ("who", "person", "error", "match"),
    [
        ("manager", "manager_person", Invalid, "choose another manager first"),
        ("member2", "member_person", Forbidden, "remove members"),
        ("manager", "admin", NotFound, "not a member"),
    ],
)
def test_member_remove_refusals(firm: Firm, who: str, person: str, error: type, match: str) -> None:
    if person == "admin":
        from margin.accounts.models import Person

        target = Person.objects.get(pk=firm.admin.person_id)
    else:
        target = getattr(firm, person)
    with refused(error, firm.project, match=match):
        actions.project_member_remove(viewer=getattr(firm, who), project=firm.project, person=target)
