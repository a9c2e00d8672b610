"""Background jobs of notifications: the daily digest (run it from a scheduler, or `manage.py send_digests` from
cron; see docs/deploy.md)."""

from __future__ import annotations

from django_tasks import task

from margin.notifications.digest import digests_send


@task()
def digests_daily(*, organisation_id: int | None = None) -> int:
    """Send the waiting digests; returns the number of items sent."""
    return digests_send(organisation_id=organisation_id).items
