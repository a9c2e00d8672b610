"""`manage.py send_digests`: e-mail each person their waiting digest (run daily from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from margin.accounts.models import Organisation
from margin.notifications.digest import digests_send


class Command(BaseCommand):
    help = (
        "Send one e-mail per person with the events waiting for their daily digest, grouped by project, and mark "
        "them sent. Safe to run twice: what was sent is not sent again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", default=None, help="Only this organisation (its slug).")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation_id = None
        if options["organisation"]:
            organisation_id = (
                Organisation.objects.filter(slug=options["organisation"]).values_list("id", flat=True).first()
            )
            if organisation_id is None:
                raise CommandError(f"No organisation with the slug {options['organisation']!r}.")
        run = digests_send(organisation_id=organisation_id)
        self.stdout.write(f"{run.people} digests sent ({run.items} updates).")
