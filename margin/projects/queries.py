"""Reads of projects and tasks, through the access rule: admins and finance see every project of
their companies; project managers and members see the projects they manage or belong to."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

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


def can_manage(viewer: Viewer, project: Project) -> bool:
    """Managing a project: planning it and approving its time."""
    return viewer.is_admin or (viewer.person_id is not None and project.manager_id == viewer.person_id)


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
