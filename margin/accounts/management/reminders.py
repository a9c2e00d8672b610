"""What every daily reminder command shares (``remind``, ``remind_overdue``, ``remind_certifications``): the
options ``--today``, ``--organisation`` and ``--dry-run``, and the organisation a slug names."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from margin.accounts.models import Organisation


class ReminderCommand(BaseCommand):
    """A reminder run from cron: safe to run more than once a day, scoped to one organisation if asked."""

    dry_run_help = "List who would be reminded; notify nobody."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="Act as if today were this day (YYYY-MM-DD); the default is today in TIME_ZONE.",
        )
        parser.add_argument("--organisation", default=None, help="Only this organisation (its slug).")
        parser.add_argument("--dry-run", action="store_true", help=self.dry_run_help)

    @staticmethod
    def organisation_id(options: dict[str, Any]) -> int | None:
        """The organisation ``--organisation`` names (None: every organisation); an unknown slug stops the run."""
        slug = options["organisation"]
        if not slug:
            return None
        found = Organisation.objects.filter(slug=slug).values_list("id", flat=True).first()
        if found is None:
            raise CommandError(f"No organisation with the slug {slug!r}.")
        return found
