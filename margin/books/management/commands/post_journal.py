"""`manage.py post_journal`: post every company's documents not yet in the journal (run daily, or before a close)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from margin.accounts.models import Company
from margin.books.actions import journal_sync_unattended


class Command(BaseCommand):
    help = (
        "Post the issued invoices and credit notes, payments (and what changed on them) and approved or reimbursed "
        "expense claims of every company that are not in its journal yet. Safe to run again: what is posted "
        "is never posted twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company", type=int, default=None, help="Only this company (its id).")
        parser.add_argument(
            "--up-to", type=date.fromisoformat, default=None, help="Documents dated up to this day (default today)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        companies = Company.objects.order_by("pk")
        if options["company"] is not None:
            companies = companies.filter(pk=options["company"])
            if not companies.exists():
                raise CommandError(f"No company with the id {options['company']}.")
        for company in companies:
            result = journal_sync_unattended(company=company, up_to=options["up_to"])
            seqs = f" (#{result.first_seq}–#{result.last_seq})" if result.posted else ""
            self.stdout.write(f"{company.name}: {result.posted} entries posted{seqs}.")
            for problem in result.problems:
                self.stdout.write(f"  not posted: {problem}")
