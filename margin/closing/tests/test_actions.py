"""Period close and reopen (moved here from timesheets with the close): the lock date on the company, the
history of closes, the audit rows, the refusals, and the checklist that blocks a close."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from margin.accounts.queries import company_locked_through as locked_through
from margin.closing import rules
from margin.closing.actions import LOCKED_TABLES, period_close, period_reopen
from margin.closing.models import PeriodLock
from margin.closing.queries import changes_since_close
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.models import AuditEntry
from margin.core.periods import week_start
from margin.timesheets.actions import time_entries_submit, time_entry_create, time_entry_delete, time_entry_update
from margin.timesheets.models import TimeEntry
from tests.checks import audit_row, refused
from tests.firm import Firm

TODAY = timezone.localdate()
MONDAY = week_start(TODAY) - timedelta(days=7)  # last week: every day of it is in the past


def log(firm: Firm, *, minutes: int = 60, day: int = 0, **extra: object) -> TimeEntry:
    values: dict[str, object] = {"project": firm.project, "task": firm.build, **extra}
    return time_entry_create(
        viewer=firm.member,
        work_date=MONDAY + timedelta(days=day),
        minutes=minutes,
        **values,  # type: ignore[arg-type]
    )


def test_pure_lock_date_rules() -> None:
    with pytest.raises(Invalid, match="future"):
        rules.check_lock_date(date(2026, 2, 2), today=date(2026, 2, 1), standing=None)
    with pytest.raises(Conflict, match="closed already"):
        rules.check_lock_date(date(2026, 1, 15), today=date(2026, 2, 1), standing=date(2026, 1, 31))
    rules.check_lock_date(date(2026, 2, 1), today=date(2026, 2, 1), standing=date(2026, 1, 31))


def test_period_close_and_reopen_are_audited(firm: Firm) -> None:
    entry = log(firm, day=0)  # a draft left in the period: it blocks the close
    through = MONDAY + timedelta(days=2)
    with refused(Conflict, match="Time not yet approved: 1") as info:
        period_close(viewer=firm.finance, company=firm.usd, through=through)
    assert (info.value.code, info.value.status) == ("close_blocked", 409)
    lock = period_close(
        viewer=firm.finance, company=firm.usd, through=through, note="Month end", override_reason="Tom is away"
    )
    assert (lock.through, lock.closed_by_id, lock.standing) == (through, firm.finance_user.pk, True)
    assert locked_through(firm.usd.pk) == through and locked_through(firm.eur.pk) is None
    row = audit_row("period.close", lock)
    assert row.actor_id == firm.finance_user.pk
    assert row.before == {"locked_through": None}
    assert row.after == {
        "company": firm.usd.pk,
        "through": str(through),
        "note": "Month end",
        "checklist": {
            "unapproved_time": 1,
            "unbilled_time": 0,
            "undrafted_instalments": 0,
            "revenue_not_run": 0,
            "not_in_journal": 0,
        },
        "journal_posted": 0,
        "unapproved_entries": 1,
        "override_reason": "Tom is away",
    }
    with refused(Invalid, lock, match="Reason is required"):
        period_reopen(viewer=firm.finance, lock=lock, reason="  ")
    with refused(Forbidden, lock):
        period_reopen(viewer=firm.manager, lock=lock, reason="please")
    reopened = period_reopen(viewer=firm.admin, lock=lock, reason="Late timesheet from Tom")
    assert (reopened.standing, reopened.reopened_by_id, reopened.reopen_reason) == (
        False,
        firm.admin_user.pk,
        "Late timesheet from Tom",
    )
    assert audit_row("period.reopen", lock).after["reason"] == "Late timesheet from Tom"
    assert locked_through(firm.usd.pk) is None
    with refused(Conflict, lock, match="reopened already"):
        period_reopen(viewer=firm.admin, lock=lock, reason="again")
    time_entry_update(viewer=firm.member, entry=entry, minutes=75)  # open again


def test_a_close_with_nothing_blocking_needs_no_reason(firm: Firm) -> None:
    lock = period_close(viewer=firm.finance, company=firm.usd, through=MONDAY, override_reason="not needed")
    assert "override_reason" not in audit_row("period.close", lock).after


def test_period_close_refusals(firm: Firm) -> None:
    with refused(Forbidden, match="finance"):
        period_close(viewer=firm.manager, company=firm.usd, through=MONDAY)
    with refused(Forbidden, match="finance"):
        period_close(viewer=firm.member, company=firm.usd, through=MONDAY)
    with refused(NotFound):
        period_close(viewer=firm.other_admin, company=firm.usd, through=MONDAY)
    with refused(Invalid, match="future"):
        period_close(viewer=firm.finance, company=firm.usd, through=TODAY + timedelta(days=1))
    lock = period_close(viewer=firm.finance, company=firm.usd, through=MONDAY)
    with refused(Conflict, match="closed already"):
        period_close(viewer=firm.finance, company=firm.usd, through=MONDAY)
    with refused(Conflict, match="closed already"):
        period_close(viewer=firm.finance, company=firm.usd, through=MONDAY - timedelta(days=30))
    with refused(NotFound, lock):
        period_reopen(viewer=firm.other_admin, lock=lock, reason="x")


def test_locks_stack_and_reopen_latest_first(firm: Firm) -> None:
    january = period_close(viewer=firm.finance, company=firm.usd, through=MONDAY - timedelta(days=30))
    later = period_close(viewer=firm.finance, company=firm.usd, through=MONDAY)
    assert locked_through(firm.usd.pk) == MONDAY
    with refused(Conflict, january, match="reopen that first"):
        period_reopen(viewer=firm.finance, lock=january, reason="oops")
    period_reopen(viewer=firm.finance, lock=later, reason="Fix Monday")
    assert locked_through(firm.usd.pk) == MONDAY - timedelta(days=30)  # the earlier close still stands
    assert PeriodLock.objects.count() == 2  # the history keeps both
    period_reopen(viewer=firm.finance, lock=january, reason="Audit adjustment")
    assert locked_through(firm.usd.pk) is None


def test_changes_since_close_list_what_happened_after_a_reopen(firm: Firm) -> None:
    kept = log(firm, day=0, minutes=60)
    gone = log(firm, day=1, minutes=30, task=firm.design)
    outside = log(firm, day=4, minutes=30)
    lock = period_close(
        viewer=firm.finance, company=firm.usd, through=MONDAY + timedelta(days=2), override_reason="Drafts stay"
    )
    assert list(changes_since_close(lock)) == []
    period_reopen(viewer=firm.finance, lock=lock, reason="Corrections")

    time_entry_update(viewer=firm.member, entry=kept, minutes=90)
    time_entry_delete(viewer=firm.member, entry=gone)
    added = log(firm, day=2, minutes=15, task=firm.design)
    time_entry_update(viewer=firm.member, entry=outside, minutes=45)  # not dated in the period
    time_entries_submit(viewer=firm.member, day=MONDAY)

    changes = list(changes_since_close(lock))
    seen = {(c.action, c.object_id) for c in changes}
    assert ("time_entry.update", kept.pk) in seen
    assert ("time_entry.delete", gone.pk) in seen
    assert ("time_entry.create", added.pk) in seen
    assert ("time_entry.submit", kept.pk) in seen and ("time_entry.submit", added.pk) in seen
    assert all(c.object_id != outside.pk for c in changes)
    assert changes == sorted(changes, key=lambda c: (c.at, c.id), reverse=True)
    # Another organisation's activity never shows.
    assert all(c.organisation_id == firm.admin.organisation_id for c in changes)
    assert AuditEntry.objects.filter(action="period.reopen").count() == 1


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="table locks are PostgreSQL's")
def test_a_close_holds_every_dated_write_until_it_commits(firm: Firm) -> None:
    """A close takes a SHARE lock on every table it closes (time, expense lines and claims, invoices and
    credit notes, payments), so a write in flight commits first (and is counted) or waits and then meets the
    lock date. It names them itself: no signal reaches down to the apps."""
    tables = [model._meta.db_table for model in LOCKED_TABLES]
    with transaction.atomic():
        period_close(viewer=firm.finance, company=firm.usd, through=date(2026, 1, 31))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE l.mode = 'ShareLock' AND l.pid = pg_backend_pid()"
            )
            locked = {row[0] for row in cursor.fetchall()}
    assert set(tables) <= locked
