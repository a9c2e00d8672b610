"""Period close and reopen: the one writer of a company's lock date (ADR 0028).

A close locks everything of the company dated on or before its date: time, expense lines and claims,
invoices and credit notes (by issue date), payments (by the day received). It sits above every app it
locks, so it names their tables itself: on PostgreSQL it takes a SHARE lock on each before it writes the
lock date, which waits for the writes in flight to commit and holds new ones until the close commits, so no
write that read the lock date just before the close lands inside the closed period (the triggers then see
the new date). SQLite already serialises write transactions.
"""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from margin.accounts.models import Company
from margin.accounts.queries import Viewer
from margin.billing.models import Invoice
from margin.books.actions import journal_sync
from margin.closing import rules
from margin.closing.models import PeriodLock
from margin.closing.queries import close_checklist
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, NotFound
from margin.core.text import clean_text
from margin.expenses.models import ExpenseClaim, ExpenseLine
from margin.receivables.models import Payment
from margin.timesheets.models import TimeEntry

# Locked in this order, the order most writers touch them (a payment settles invoices; an invoice bills
# expenses and time), so a close waits behind a writer rather than deadlocking with it.
LOCKED_TABLES = (Payment, Invoice, ExpenseClaim, ExpenseLine, TimeEntry)


def _lock_dated_tables() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in LOCKED_TABLES:
            cursor.execute(f"LOCK TABLE {model._meta.db_table} IN SHARE MODE")


def _lock_company(company_id: int) -> Company:
    """Closes and reopens of one company queue behind each other on its row."""
    return Company.objects.select_for_update().get(pk=company_id)


def _standing_through(company_id: int) -> date | None:
    through: date | None = PeriodLock.objects.filter(company_id=company_id, reopened_at__isnull=True).aggregate(
        through=Max("through")
    )["through"]
    return through


@transaction.atomic
def period_close(
    *, viewer: Viewer, company: Company, through: date, note: str = "", override_reason: str = ""
) -> PeriodLock:
    """Close a company's books up to `through`, for everyone and everything dated at once (finance, admins).

    The close checklist runs first, after the locks: a blocking item (time not approved, instalments due
    but not drafted) refuses the close unless `override_reason` says why it closes anyway. The lock date
    only moves forward; the earlier close stays in the history beneath it."""
    if company.organisation_id != viewer.organisation_id or company.pk not in viewer.company_ids:
        raise NotFound("No such company.")
    if not viewer.is_finance:
        raise Forbidden("Only finance or an administrator may close a period.")
    note = clean_text(note, field="note", max_length=1000)
    override_reason = clean_text(override_reason, field="override_reason", max_length=1000)
    _lock_dated_tables()
    company = _lock_company(company.pk)
    rules.check_lock_date(through, today=timezone.localdate(), standing=company.locked_through)
    # What the period's documents owe the journal is posted before it is locked (dated in the period).
    posted = journal_sync(viewer=viewer, company=company, up_to=through)
    checklist = close_checklist(company, through)
    rules.check_not_blocked(checklist, override_reason=override_reason)
    lock = PeriodLock.objects.create(
        organisation_id=company.organisation_id,
        company=company,
        through=through,
        note=note,
        closed_at=timezone.now(),
        closed_by_id=viewer.user_id,
    )
    Company.objects.filter(pk=company.pk).update(locked_through=through)
    after = {
        "company": company.pk,
        "through": str(through),
        "note": lock.note,
        "checklist": {item.key: item.count for item in checklist},
        "journal_posted": posted.posted,
        "unapproved_entries": next((i.count for i in checklist if i.key == "unapproved_time"), 0),
    }
    if rules.blocking_items(checklist):
        after["override_reason"] = override_reason
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="period.close",
        obj=lock,
        before={"locked_through": str(company.locked_through) if company.locked_through else None},
        after=after,
    )
    return lock


@transaction.atomic
def period_reopen(*, viewer: Viewer, lock: PeriodLock, reason: str) -> PeriodLock:
    """Reopen a close: explicit (with a reason), audited, latest close first (locks stack). The company's
    lock date falls back to the latest close still standing, or to none."""
    if lock.organisation_id != viewer.organisation_id or lock.company_id not in viewer.company_ids:
        raise NotFound("No such period close.")
    if not viewer.is_finance:
        raise Forbidden("Only finance or an administrator may reopen a period.")
    reason = clean_text(reason, field="reason", max_length=1000, required=True)
    company = _lock_company(lock.company_id)
    lock = PeriodLock.objects.select_for_update().get(pk=lock.pk)
    if lock.reopened_at is not None:
        raise Conflict("This period has been reopened already.")
    standing = company.locked_through
    if standing is not None and standing > lock.through:
        raise Conflict(f"The period up to {standing} is closed after this one; reopen that first.")
    lock.reopened_at = timezone.now()
    lock.reopened_by_id = viewer.user_id
    lock.reopen_reason = reason
    lock.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    remaining = _standing_through(company.pk)
    Company.objects.filter(pk=company.pk).update(locked_through=remaining)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="period.reopen",
        obj=lock,
        before={"through": str(lock.through), "standing": True},
        after={
            "through": str(lock.through),
            "standing": False,
            "reason": reason,
            "locked_through": str(remaining) if remaining else None,
        },
    )
    return lock
