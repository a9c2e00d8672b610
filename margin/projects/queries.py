"""Reads of projects and tasks, through the access rule: admins and finance see every project of
their companies; project managers and members see the projects they manage or belong to."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core.errors import NotFound
from margin.projects.models import Project, ProjectMember, Task


def projects_visible(viewer: Viewer) -> QuerySet[Project]:
    projects = Project.objects.filter(organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids)
    if viewer.sees_all_projects:
        return projects
    if viewer.person_id is None:
        return projects.none()
    is_member = ProjectMember.objects.filter(project_id=OuterRef("pk"), person_id=viewer.person_id)
    return projects.filter(Q(manager_id=viewer.person_id) | Exists(is_member))


def project_get(viewer: Viewer, project_id: int) -> Project:
    project = projects_visible(viewer).select_related("client", "company", "manager").filter(id=project_id).first()
    if project is None:
        raise NotFound("No such project.")
    return project


def in_scope(viewer: Viewer, project: Project) -> bool:
    """The project is of the viewer's organisation and of a company they may see.

    Actions check this on the objects they are handed, so an object of another organisation or of
    a hidden company is refused as not found even when a caller skipped the access function."""
    return project.organisation_id == viewer.organisation_id and project.company_id in viewer.company_ids


def can_manage(viewer: Viewer, project: Project) -> bool:
    """Managing a project: planning it and approving its time."""
    return in_scope(viewer, project) and (
        viewer.is_admin or (viewer.person_id is not None and project.manager_id == viewer.person_id)
    )


def tasks_of(project: Project) -> QuerySet[Task]:
    return Task.objects.filter(project=project).order_by("position", "id")


def task_get(viewer: Viewer, task_id: int) -> Task:
    task = Task.objects.filter(id=task_id, project__in=projects_visible(viewer)).select_related("project").first()
    if task is None:
        raise NotFound("No such task.")
    return task


def is_member(project: Project, person_id: int) -> bool:
    return (
        project.manager_id == person_id or ProjectMember.objects.filter(project=project, person_id=person_id).exists()
    )


def members_of(project: Project) -> QuerySet[Person]:
    """The people on a project (its manager included), by name."""
    return (
        Person.objects.filter(project_memberships__project=project)
        .select_related("role", "company")
        .order_by("name", "id")
    )
