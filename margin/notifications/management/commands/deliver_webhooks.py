"""Send the due webhook, Slack and Teams deliveries (retries included): from cron every minute, or with
`--loop` as a small long-running worker when no task worker runs."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from margin.notifications.delivery import send_due


class Command(BaseCommand):
    help = "Send the due outgoing webhook deliveries (and retries)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running, checking every --interval seconds.")
        parser.add_argument("--interval", type=float, default=15.0)
        parser.add_argument("--limit", type=int, default=None, help="At most this many deliveries per run.")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            run = send_due(limit=options["limit"])
            if run.sent or not options["loop"]:
                self.stdout.write(
                    f"sent {run.sent}: {run.delivered} delivered, {run.failed} failed"
                    + (f", switched off endpoints {run.disabled}" if run.disabled else "")
                )
            if not options["loop"]:
                return
            time.sleep(options["interval"])
