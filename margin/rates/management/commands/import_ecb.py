"""`manage.py import_ecb <file|url> --user <username>`: store the ECB euro reference rates.

Accepts the files as the ECB publishes them (eurofxref-daily.xml, eurofxref-hist-90d.xml, eurofxref-hist.xml,
eurofxref.csv, eurofxref-hist.csv and the .zip files around the CSVs), from a path or an http(s) URL, e.g.
https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml. The rates are stored for the organisation of
--user, who must be an administrator or in finance (the import is audited as theirs). Safe to run daily:
importing the same rates again changes nothing.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any
from urllib.error import URLError

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from margin.accounts.queries import viewer_for
from margin.core.errors import DomainError
from margin.rates.actions import exchange_rates_import_ecb
from margin.rates.ecb import MAX_FILE_BYTES

DOWNLOAD_TIMEOUT_SECONDS = 60


def _read(source: str) -> bytes:
    if source.startswith(("https://", "http://")):
        try:
            with urllib.request.urlopen(source, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:  # noqa: S310
                data: bytes = response.read(MAX_FILE_BYTES + 1)
        except (URLError, OSError, ValueError) as error:
            raise CommandError(f"Could not download {source}: {error}") from None
        return data
    if "://" in source:
        raise CommandError("Give a file path or an http(s) URL.")
    try:
        with Path(source).open("rb") as stream:
            return stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise CommandError(f"Could not read {source}: {error.strerror}") from None


class Command(BaseCommand):
    help = "Import the ECB euro foreign exchange reference rates (XML, CSV or zip; a file or an http(s) URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="A path, or a URL such as the ECB's eurofxref-daily.xml.")
        parser.add_argument(
            "--user", required=True, help="Username of an administrator or finance user of the organisation."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        data = _read(options["source"])
        try:
            viewer = viewer_for(user)
            with tqdm(desc="ECB rates", unit="rate", disable=None) as bar:

                def progress(done: int, total: int) -> None:
                    bar.total = total
                    bar.update(done - bar.n)

                result = exchange_rates_import_ecb(viewer=viewer, data=data, progress=progress)
        except DomainError as error:
            raise CommandError(error.message) from None
        span = f"{result.first_day} to {result.last_day}" if result.first_day else "no days"
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.stored} rates stored ({result.new} new) for {result.days} days, {span}"
                + (f"; {result.kept_manual} rates entered by hand kept" if result.kept_manual else "")
                + "."
            )
        )
        if result.skipped_currencies:
            self.stdout.write(
                f"Skipped withdrawn currencies (not ISO 4217 any more): {', '.join(result.skipped_currencies)}."
            )
