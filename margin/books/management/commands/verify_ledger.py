"""`manage.py verify_ledger`: walk every company's journal chain and report the first entry that does not hold."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from margin.accounts.models import Company
from margin.books.chain import ledger_verify
from margin.books.models import JournalEntry


class Command(BaseCommand):
    help = (
        "Recompute the hash of every posted journal entry over its lines and the previous entry's hash, company "
        "by company, and report the first break (a missing, repeated or changed entry). Exits with status 1 when a "
        "company's journal is broken."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company", type=int, default=None, help="Only this company (its id).")

    def handle(self, *args: Any, **options: Any) -> None:
        companies = Company.objects.order_by("pk")
        if options["company"] is not None:
            companies = companies.filter(pk=options["company"])
            if not companies.exists():
                raise CommandError(f"No company with the id {options['company']}.")
        broken = []
        for company in companies:
            total = JournalEntry.objects.filter(company=company).count()
            with tqdm(total=total, desc=company.name, unit="entry", disable=None) as bar:

                def progress(done: int, bar: Any = bar) -> None:
                    bar.update(done - bar.n)

                found = ledger_verify(company.pk, progress=progress)
                bar.update(found.entries - bar.n)
            if found.first_break is None:
                self.stdout.write(f"{company.name}: intact, {found.entries} entries and {found.lines} lines.")
            else:
                broken.append(company.name)
                self.stdout.write(
                    f"{company.name}: BROKEN at entry #{found.first_break.seq} (id {found.first_break.entry_id}): "
                    f"{found.first_break.reason} {found.entries} entries before it hold."
                )
        if broken:
            raise CommandError(f"The journal of {', '.join(broken)} does not verify.", returncode=1)
