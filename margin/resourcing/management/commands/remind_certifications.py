"""`manage.py remind_certifications`: tell holders and their line managers of certifications lapsing within 30 days
(run daily)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from margin.accounts.models import Organisation
from margin.resourcing.actions import certifications_remind
from margin.resourcing.queries import LAPSING_DAYS


class Command(BaseCommand):
    help = (
        f"Notify each holder and their line manager (in the app and by e-mail) of every certification lapsing within "
        f"{LAPSING_DAYS} days, and stamp its reminded_at. Safe to run more than once a day: each certification is "
        "reminded once per expiry (a renewal is reminded again)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="Act as if today were this day (YYYY-MM-DD); the default is today in TIME_ZONE.",
        )
        parser.add_argument("--organisation", default=None, help="Only this organisation (its slug).")
        parser.add_argument("--dry-run", action="store_true", help="List the lapsing certifications; notify nobody.")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation_id = None
        if options["organisation"]:
            organisation_id = (
                Organisation.objects.filter(slug=options["organisation"]).values_list("id", flat=True).first()
            )
            if organisation_id is None:
                raise CommandError(f"No organisation with the slug {options['organisation']!r}.")
        run = certifications_remind(today=options["today"], organisation_id=organisation_id, dry_run=options["dry_run"])
        if options["verbosity"] >= 2 or options["dry_run"]:
            for item in run.due:
                self.stdout.write(f"{item.person_name}: {item.name} lapses on {item.expires_on:%d %b %Y}")
        if options["dry_run"]:
            self.stdout.write(f"{len(run.due)} certifications lapse soon (dry run, nobody notified).")
        else:
            self.stdout.write(f"{len(run.certifications)} certifications reminded now ({run.notified} notifications).")
