"""`manage.py remind_overdue`: tell finance about invoices 1, 15 and 30 days past due (run daily)."""

from __future__ import annotations

from typing import Any

from margin.accounts.management.reminders import ReminderCommand
from margin.receivables.actions import invoices_remind_overdue
from margin.receivables.rules import format_minor


class Command(ReminderCommand):
    help = (
        "Notify finance and administrators (in the app and by e-mail) of every invoice 1, 15 and 30 days past due "
        "with something still open, and stamp the invoice's reminded_at. Safe to run more than once a day: each "
        "invoice is reminded once per stage."
    )

    dry_run_help = "List the overdue invoices; notify nobody."

    def handle(self, *args: Any, **options: Any) -> None:
        organisation_id = self.organisation_id(options)
        run = invoices_remind_overdue(
            today=options["today"], organisation_id=organisation_id, dry_run=options["dry_run"]
        )
        if options["verbosity"] >= 2 or options["dry_run"]:
            for o in run.due:
                self.stdout.write(
                    f"{o.number} ({o.client_name}): {format_minor(o.open_minor, o.currency)} open, "
                    f"{o.days} days past due, stage {o.stage}"
                )
        if options["dry_run"]:
            self.stdout.write(f"{len(run.due)} invoices are overdue (dry run, nobody notified).")
        else:
            self.stdout.write(
                f"{len(run.due)} invoices are overdue; {len(run.invoices)} reminded now "
                f"({run.notified} notifications); the others were reminded earlier at the same stage."
            )
