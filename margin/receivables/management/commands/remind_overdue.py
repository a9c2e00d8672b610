"""`manage.py remind_overdue`: tell finance about invoices 1, 15 and 30 days past due (run daily)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from margin.accounts.models import Organisation
from margin.receivables.actions import invoices_remind_overdue
from margin.receivables.rules import format_minor


class Command(BaseCommand):
    help = (
        "Notify finance and administrators (in the app and by e-mail) of every invoice 1, 15 and 30 days past due "
        "with something still open, and stamp the invoice's reminded_at. Safe to run more than once a day: each "
        "invoice is reminded once per stage."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="Act as if today were this day (YYYY-MM-DD); the default is today in TIME_ZONE.",
        )
        parser.add_argument("--organisation", default=None, help="Only this organisation (its slug).")
        parser.add_argument("--dry-run", action="store_true", help="List the overdue invoices; notify nobody.")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation_id = None
        if options["organisation"]:
            organisation_id = (
                Organisation.objects.filter(slug=options["organisation"]).values_list("id", flat=True).first()
            )
            if organisation_id is None:
                raise CommandError(f"No organisation with the slug {options['organisation']!r}.")
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
