"""`manage.py create_organisation`: an empty installation's first firm and its administrator.

Asks for what it is not given (when run in a terminal), or takes everything from flags and the password
from the environment variable MARGIN_ADMIN_PASSWORD, for scripts. The firm and the user are created by one
action (`accounts.actions.organisation_found`, which calls `organisation_create`): both or neither.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify

from margin.accounts.actions import organisation_found
from margin.core.errors import DomainError

PASSWORD_VARIABLE = "MARGIN_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create an organisation (the firm) and its first administrator, who signs in and sets up companies, "
        f"people and clients under Settings. The password is asked for, or read from ${PASSWORD_VARIABLE}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", help="The firm's name, e.g. 'Northwind Consulting'")
        parser.add_argument("--slug", help="Short name: lower-case letters, digits, dashes (default: from the name)")
        parser.add_argument("--username", help="The administrator's username")
        parser.add_argument("--email", help="The administrator's e-mail address")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help=f"Ask nothing: every flag is needed and the password comes from ${PASSWORD_VARIABLE}.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interactive = options["interactive"] and sys.stdin.isatty()
        name = options["name"] or self._ask(interactive, "Organisation name", "--name")
        slug = options["slug"] or (
            self._ask(interactive, "Slug", "--slug", default=slugify(name)[:64]) if interactive else slugify(name)[:64]
        )
        username = options["username"] or self._ask(interactive, "Administrator's username", "--username")
        email = options["email"] or self._ask(interactive, "Administrator's e-mail", "--email")
        password = self._password(interactive)
        try:
            organisation = organisation_found(name=name, slug=slug, username=username, email=email, password=password)
        except DomainError as error:
            where = f" ({error.field})" if error.field else ""
            raise CommandError(f"Nothing was created{where}: {error.message}") from None
        self.stdout.write(
            self.style.SUCCESS(f"Created the organisation {organisation.name} ({organisation.slug}) ")
            + f"and its administrator {username}.\n"
            "Sign in with that username, then open Settings → Organisation to add the first company, "
            "and Settings → Job roles, People and Clients."
        )

    def _ask(self, interactive: bool, label: str, flag: str, default: str = "") -> str:
        if not interactive:
            raise CommandError(f"Give {flag} (or run the command in a terminal to be asked).")
        while True:
            prompt = f"{label} [{default}]: " if default else f"{label}: "
            answer = input(prompt).strip() or default
            if answer:
                return answer
            self.stderr.write(f"{label} is required.")

    def _password(self, interactive: bool) -> str:
        from_environment = os.environ.get(PASSWORD_VARIABLE)
        if from_environment:
            return from_environment
        if not interactive:
            raise CommandError(f"Set ${PASSWORD_VARIABLE} to the administrator's password (or run in a terminal).")
        while True:
            first = getpass.getpass("Password: ")
            if first and first == getpass.getpass("Password (again): "):
                return first
            self.stderr.write("The passwords are empty or differ; try again.")
