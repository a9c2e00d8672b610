"""Approval delegates: who approves time in a manager's stead. (Period close moved to `closing`.)"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Forbidden, Invalid, NotFound
from margin.projects.models import Project
from margin.projects.queries import in_scope
from margin.timesheets.models import ApprovalDelegate

DELEGATE_FIELDS = ["project", "manager", "delegate", "valid_from", "valid_to"]


@transaction.atomic
def approval_delegate_add(
    *,
    viewer: Viewer,
    delegate: Person,
    project: Project | None = None,
    manager: Person | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> ApprovalDelegate:
    """Let `delegate` approve time for one project, or for every project `manager` manages.

    A manager may delegate their own approvals (their projects, or all of them); an administrator
    anyone's. Nobody approves their own time even as a delegate (the approval check refuses it)."""
    if (project is None) == (manager is None):
        raise Invalid("Delegate the approvals of one project or of one manager.", field="project")
    if delegate.organisation_id != viewer.organisation_id or delegate.company_id not in viewer.company_ids:
        raise NotFound("No such person.")
    if project is not None:
        if not in_scope(viewer, project):
            raise NotFound("No such project.")
        allowed = viewer.is_admin or project.manager_id == viewer.person_id
        principal_id = project.manager_id
    else:
        assert manager is not None
        if manager.organisation_id != viewer.organisation_id or manager.company_id not in viewer.company_ids:
            raise NotFound("No such person.")
        allowed = viewer.is_admin or manager.pk == viewer.person_id
        principal_id = manager.pk
    if not allowed:
        raise Forbidden("Only the manager or an administrator may delegate these approvals.")
    if delegate.pk == principal_id:
        raise Invalid("The manager approves this time already.", field="delegate")
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise Invalid("The delegation must end on or after the day it starts.", field="valid_to")
    row = ApprovalDelegate.objects.create(
        organisation_id=viewer.organisation_id,
        project=project,
        manager=manager,
        delegate=delegate,
        valid_from=valid_from,
        valid_to=valid_to,
        created_by_id=viewer.user_id,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="approval_delegate.add",
        obj=row,
        after=audit.snapshot(row, DELEGATE_FIELDS),
    )
    return row


@transaction.atomic
def approval_delegate_remove(*, viewer: Viewer, row: ApprovalDelegate) -> None:
    if row.organisation_id != viewer.organisation_id:
        raise NotFound("No such delegation.")
    principal_id = row.project.manager_id if row.project is not None else row.manager_id
    if not (viewer.is_admin or principal_id == viewer.person_id):
        raise Forbidden("Only the manager or an administrator may remove this delegation.")
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="approval_delegate.remove",
        obj=row,
        before=audit.snapshot(row, DELEGATE_FIELDS),
    )
    row.delete()
