"""`manage.py demo`: load the demo firm (Northwind Consulting) into the database."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from margin.accounts.models import Organisation, Person
from margin.core.errors import Invalid
from margin.demo.firm import DEMO_LOGINS, DEMO_MANAGER, DEMO_PASSWORD, STEPS, build_demo_firm, demo_firm_exists


class Command(BaseCommand):
    help = (
        "Load the demo firm (Northwind Consulting: 2 companies, 25 people, 12 planned projects, half a year of "
        "time up to yesterday, invoices, expenses) into an empty database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds an organisation (safe to run every time).",
        )
        parser.add_argument(
            "--print-logins",
            action="store_true",
            help="Only print the demo logins and their password.",
        )
        parser.add_argument(
            "--anchor",
            type=date.fromisoformat,
            default=None,
            help="The day the demo is 'now' (YYYY-MM-DD, default today, not later): time ends the day before it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["print_logins"]:
            self.print_logins()
            return
        if Organisation.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database holds an organisation already: no demo firm loaded.")
                return
            raise CommandError(
                "The database holds an organisation already; the demo firm is loaded into an empty database "
                "only (use --if-empty to skip quietly)."
            )
        with tqdm(total=len(STEPS), desc="Demo firm", unit="step", disable=None) as bar:

            def step(name: str) -> None:
                bar.set_postfix_str(name)
                bar.update(1)

            try:
                build_demo_firm(anchor=options["anchor"], progress=step)
            except Invalid as error:
                raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS("Loaded the demo firm Northwind Consulting."))
        self.print_logins()

    def print_logins(self) -> None:
        if not demo_firm_exists():
            self.stdout.write("No demo firm in this database (load it with `manage.py demo`).")
            return
        names = dict(
            Person.objects.filter(user__username__in=[u for _, u in DEMO_LOGINS]).values_list("user__username", "name")
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for kind, username in DEMO_LOGINS:
            extra = " — the demo manager" if username == DEMO_MANAGER else ""
            self.stdout.write(f"  {kind:<8} {username:<6} {names.get(username, '')}{extra}")
