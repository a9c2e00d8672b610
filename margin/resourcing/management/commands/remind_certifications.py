"""`manage.py remind_certifications`: tell holders and their line managers of certifications lapsing within 30 days
(run daily)."""

from __future__ import annotations

from typing import Any

from margin.accounts.management.reminders import ReminderCommand
from margin.resourcing.actions import certifications_remind
from margin.resourcing.queries import LAPSING_DAYS


class Command(ReminderCommand):
    help = (
        f"Notify each holder and their line manager (in the app and by e-mail) of every certification lapsing within "
        f"{LAPSING_DAYS} days, and stamp its reminded_at. Safe to run more than once a day: each certification is "
        "reminded once per expiry (a renewal is reminded again)."
    )

    dry_run_help = "List the lapsing certifications; notify nobody."

    def handle(self, *args: Any, **options: Any) -> None:
        organisation_id = self.organisation_id(options)
        run = certifications_remind(today=options["today"], organisation_id=organisation_id, dry_run=options["dry_run"])
        if options["verbosity"] >= 2 or options["dry_run"]:
            for item in run.due:
                self.stdout.write(f"{item.person_name}: {item.name} lapses on {item.expires_on:%d %b %Y}")
        if options["dry_run"]:
            self.stdout.write(f"{len(run.due)} certifications lapse soon (dry run, nobody notified).")
        else:
            self.stdout.write(f"{len(run.certifications)} certifications reminded now ({run.notified} notifications).")
