"""Overdue reminders: finance and administrators hear about an invoice 1, 15 and 30 days past due, once per
stage, in the app and by e-mail; the invoice's `reminded_at` says when."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from margin.accounts import actions as accounts
from margin.core.models import Notification
from margin.receivables.actions import AllocationIn, invoices_remind_overdue, payment_record
from margin.receivables.jobs import overdue_reminders
from tests.firm import Firm

TODAY = timezone.localdate()


def _due(days_ago: int) -> dict[str, Any]:
    return {"issue_date": TODAY - timedelta(days=days_ago + 30), "due_date": TODAY - timedelta(days=days_ago)}


def test_each_stage_once(firm: Firm, invoice_of: Any, django_capture_on_commit_callbacks: Any) -> None:
    late = invoice_of(10_000, number="LATE-1", **_due(1))
    invoice_of(20_000, number="NOT-YET", **_due(0))
    paid = invoice_of(5_000, number="PAID-1", **_due(40))
    payment_record(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        received_on=TODAY,
        currency="USD",
        amount_minor=5_000,
        allocations=[AllocationIn(paid)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = invoices_remind_overdue(today=TODAY)
    assert [o.number for o in run.due] == ["LATE-1"]
    # The administrator and finance (both see every company), not the manager or the members.
    told = Notification.objects.filter(kind="receivables.overdue")
    assert sorted(told.values_list("user__username", flat=True)) == ["acme-admin", "finn"]
    assert "LATE-1 of Globex is 1 day past due" in told.first().text  # type: ignore[union-attr]
    assert sorted(m.to[0] for m in mail.outbox) == ["acme-admin@example.test", "finn@example.test"]
    late.refresh_from_db()
    assert late.reminded_at is not None
    stamped = late.reminded_at
    # The same day again, and the next days of the same stage: nobody hears twice about LATE-1 (NOT-YET, due
    # today, reaches its first stage tomorrow).
    assert invoices_remind_overdue(today=TODAY).notified == 0
    later = invoices_remind_overdue(today=TODAY + timedelta(days=13))
    assert later.notified == 2 and [o.number for o in later.due if o.invoice_id in later.invoices] == ["NOT-YET"]
    late.refresh_from_db()
    assert late.reminded_at == stamped
    # Day 15 and day 30 are new stages; a job that missed days sends only the latest stage.
    assert invoices_remind_overdue(today=TODAY + timedelta(days=14)).notified == 2
    assert invoices_remind_overdue(today=TODAY + timedelta(days=60)).notified == 4  # LATE-1 at 30, NOT-YET at 30
    assert overdue_reminders.enqueue().return_value == 0  # the job: nothing new today


def test_finance_of_other_companies_is_not_told(firm: Firm, invoice_of: Any) -> None:
    accounts.user_access_set(
        viewer=firm.admin,
        user_id=firm.finance_user.pk,
        access_role="finance",
        company_ids=[firm.eur.pk],
        can_log_for_others=False,
    )
    invoice_of(10_000, **_due(3))
    invoices_remind_overdue(today=TODAY)
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["acme-admin"]


def test_the_command(firm: Firm, invoice_of: Any) -> None:
    invoice_of(10_000, number="LATE-2", **_due(20))
    out = StringIO()
    call_command("remind_overdue", "--dry-run", stdout=out)
    assert "LATE-2 (Globex)" in out.getvalue() and "stage 15" in out.getvalue()
    assert not Notification.objects.exists()
    call_command("remind_overdue", stdout=out)
    assert Notification.objects.count() == 2
