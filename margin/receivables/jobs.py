"""Background jobs of receivables: the daily overdue reminder.

`overdue_reminders` tells finance about invoices 1, 15 and 30 days past due with something still open, once per
invoice and stage (run it daily from a scheduler, or `manage.py remind_overdue` from cron; see docs/deploy.md).
"""

from __future__ import annotations

from datetime import date

from django_tasks import task

from margin.receivables.actions import invoices_remind_overdue


@task()
def overdue_reminders(*, today: str | None = None) -> int:
    """The daily overdue reminder as a background task; returns the notifications written."""
    run = invoices_remind_overdue(today=date.fromisoformat(today) if today else None)
    return run.notified
