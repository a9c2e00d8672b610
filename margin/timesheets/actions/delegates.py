"""Period close and reopen, and approval delegates."""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.text import clean_text
from margin.projects.models import Project
from margin.projects.queries import in_scope
from margin.timesheets import rules
from margin.timesheets.actions.policy import EDITABLE, _today
from margin.timesheets.models import ApprovalDelegate, EntryStatus, PeriodLock, TimeEntry
from margin.timesheets.queries import locked_through
from margin.timesheets.signals import period_closing

# --- Period close and approval delegates (issue 4) -------------------------------------------------

PERIOD_LOCK_FIELDS = ["company", "through", "note", "closed_at", "closed_by", "reopened_at", "reopened_by"]


@transaction.atomic
def period_close(*, viewer: Viewer, company: Company, through: date, note: str = "") -> PeriodLock:
    """Close a company's books for time up to `through`, for everyone at once (finance, admins).

    The lock date only moves forward; the earlier close stays in the history beneath it."""
    if company.organisation_id != viewer.organisation_id or company.pk not in viewer.company_ids:
        raise NotFound("No such company.")
    if not viewer.is_finance:
        raise Forbidden("Only finance or an administrator may close a period.")
    if connection.vendor == "postgresql":
        # Wait for the time writes in flight to commit and hold new ones until the close commits, so no
        # write that checked the lock date before the close lands inside the closed period (the
        # triggers of migration 0006 then see the lock). SQLite already serialises write transactions.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {TimeEntry._meta.db_table} IN SHARE MODE")
    period_closing.send(sender=PeriodLock, company_id=company.pk, through=through)
    # Closes of one company queue behind each other.
    Company.objects.select_for_update().filter(pk=company.pk).first()
    rules.check_lock_date(through, today=_today(), standing=locked_through(company.pk))
    lock = PeriodLock.objects.create(
        organisation_id=company.organisation_id,
        company=company,
        through=through,
        note=clean_text(note, field="note", max_length=1000),
        closed_at=timezone.now(),
        closed_by_id=viewer.user_id,
    )
    open_entries = TimeEntry.objects.filter(
        company_id=company.pk, work_date__lte=through, status__in=[*EDITABLE, EntryStatus.SUBMITTED]
    ).count()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="period.close",
        obj=lock,
        after={"company": company.pk, "through": str(through), "note": lock.note, "unapproved_entries": open_entries},
    )
    return lock


@transaction.atomic
def period_reopen(*, viewer: Viewer, lock: PeriodLock, reason: str) -> PeriodLock:
    """Reopen a close: explicit (with a reason), audited, latest close first (locks stack)."""
    if lock.organisation_id != viewer.organisation_id or lock.company_id not in viewer.company_ids:
        raise NotFound("No such period close.")
    if not viewer.is_finance:
        raise Forbidden("Only finance or an administrator may reopen a period.")
    reason = clean_text(reason, field="reason", max_length=1000, required=True)
    Company.objects.select_for_update().filter(pk=lock.company_id).first()
    lock = PeriodLock.objects.select_for_update().get(pk=lock.pk)
    if lock.reopened_at is not None:
        raise Conflict("This period has been reopened already.")
    standing = locked_through(lock.company_id)
    if standing is not None and standing > lock.through:
        raise Conflict(f"The period up to {standing} is closed after this one; reopen that first.")
    lock.reopened_at = timezone.now()
    lock.reopened_by_id = viewer.user_id
    lock.reopen_reason = reason
    lock.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="period.reopen",
        obj=lock,
        before={"through": str(lock.through), "standing": True},
        after={"through": str(lock.through), "standing": False, "reason": reason},
    )
    return lock


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
