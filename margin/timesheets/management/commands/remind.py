"""`manage.py remind`: tell people with missing or unsubmitted time for the last period (run daily)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from margin.accounts.models import Organisation
from margin.core.periods import format_minutes
from margin.timesheets.jobs import remind_missing_time_run


class Command(BaseCommand):
    help = (
        "Notify (in the app and by e-mail) every active person who logged less than their capacity or left "
        "entries unsubmitted in the last complete week (or month). Safe to run more than once a day: each "
        "person is reminded once per period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="Act as if today were this day (YYYY-MM-DD); the default is today in TIME_ZONE.",
        )
        parser.add_argument("--organisation", default=None, help="Only this organisation (its slug).")
        parser.add_argument("--dry-run", action="store_true", help="List who would be reminded; notify nobody.")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation_id = None
        if options["organisation"]:
            organisation_id = (
                Organisation.objects.filter(slug=options["organisation"]).values_list("id", flat=True).first()
            )
            if organisation_id is None:
                raise CommandError(f"No organisation with the slug {options['organisation']!r}.")
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
