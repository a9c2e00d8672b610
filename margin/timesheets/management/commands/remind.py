"""`manage.py remind`: tell people with missing or unsubmitted time for the last period (run daily)."""

from __future__ import annotations

from typing import Any

from margin.accounts.management.reminders import ReminderCommand
from margin.core.periods import format_minutes
from margin.timesheets.jobs import remind_missing_time_run


class Command(ReminderCommand):
    help = (
        "Notify (in the app and by e-mail) every active person who logged less than their capacity or left "
        "entries unsubmitted in the last complete week (or month). Safe to run more than once a day: each "
        "person is reminded once per period."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        organisation_id = self.organisation_id(options)
        run = remind_missing_time_run(
            today=options["today"], organisation_id=organisation_id, dry_run=options["dry_run"]
        )
        verbose = options["verbosity"] >= 2 or options["dry_run"]
        if verbose:
            for r in run.due:
                self.stdout.write(
                    f"{r.name} <{r.email}>: {r.period.first}..{r.period.last} logged "
                    f"{format_minutes(r.logged_minutes)} of {format_minutes(r.expected_minutes)}, "
                    f"{r.unsubmitted} unsubmitted"
                )
        if options["dry_run"]:
            self.stdout.write(f"{len(run.due)} people would be reminded (dry run, nobody notified).")
        else:
            self.stdout.write(
                f"{len(run.due)} people have missing or unsubmitted time; {run.notified} reminded now "
                f"(the others were reminded earlier for the same period)."
            )
