"""`manage.py export_openapi docs/openapi.json`: write the API's OpenAPI document (`make schema`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from margin.api.openapi import openapi_document


class Command(BaseCommand):
    help = "Write the OpenAPI document of /api/v1 (deterministic: sorted keys, indent 2)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="Where to write it; standard output when omitted.")

    def handle(self, *args: Any, **options: Any) -> None:
        document = openapi_document()
        if not options["path"]:
            self.stdout.write(document, ending="")
            return
        path = Path(options["path"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(document, encoding="utf-8")
        self.stdout.write(f"Wrote {path}")
