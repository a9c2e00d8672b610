"""Putting a project away: archive a closed project (out of the default lists, read-only) and bring it back.

Closing is a status (``project_update(status="closed")``): a closed project takes no new time or expenses. Archiving
goes one step further: the project leaves the Projects list, Home and every picker, and its details, members, plan
and rates refuse changes (``check_writable``) until it is unarchived. Time already logged on it can still be
approved and invoiced, so archiving never strands money."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, Forbidden
from margin.projects.actions.projects import check_scope
from margin.projects.models import Project, ProjectStatus
from margin.projects.queries import can_manage


def _lock(viewer: Viewer, project: Project) -> Project:
    check_scope(viewer, project)
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may archive it.")
    return Project.objects.select_for_update().get(pk=project.pk)


@transaction.atomic
def project_archive(*, viewer: Viewer, project: Project) -> Project:
    """Archive a closed project."""
    locked = _lock(viewer, project)
    if locked.archived_at is not None:
        raise Conflict(f"Project {locked.code} is archived already.", code="project_archived")
    if locked.status != ProjectStatus.CLOSED:
        raise Conflict(
            f"Project {locked.code} is {locked.get_status_display().lower()}; close it before archiving it.",
            field="status",
        )
    locked.archived_at = timezone.now()
    locked.save(update_fields=["archived_at"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="project.archive",
        obj=locked,
        before={"archived_at": None},
        after={"archived_at": locked.archived_at.isoformat()},
    )
    project.refresh_from_db()
    return project


@transaction.atomic
def project_unarchive(*, viewer: Viewer, project: Project) -> Project:
    """Bring an archived project back (still closed: reopen it by changing its status)."""
    locked = _lock(viewer, project)
    if locked.archived_at is None:
        raise Conflict(f"Project {locked.code} is not archived.")
    before = locked.archived_at.isoformat()
    locked.archived_at = None
    locked.save(update_fields=["archived_at"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="project.unarchive",
        obj=locked,
        before={"archived_at": before},
        after={"archived_at": None},
    )
    project.refresh_from_db()
    return project
