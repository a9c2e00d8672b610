"""The journal in the layout of Xero's manual journal import template: Narration, Date, Description,
AccountCode, TaxRate, Amount, TrackingName1, TrackingOption1, TrackingName2, TrackingOption2.

Xero makes one manual journal of the rows that share a narration and a date, so each narration starts with the
entry's number (`#12 Invoice 2026-0001`). Amounts are signed (debit positive, credit negative), as the template
reads them. The tax lines of our entries are posted already, so every row names a rate that adds no tax: Xero
wants its display name, which differs by region (the `tax_rate` argument, defaulting by the company's country).
Tracking (project, client) is filled only when asked for: Xero refuses a row naming an option it does not have.
Xero imports at most 300 rows a file; a longer export is split by period (date_from, date_to).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from margin.integrations.ledgers.csvfile import day_month_name, text
from margin.integrations.ledgers.journal import Journal

HEADER = [
    "Narration",
    "Date",
    "Description",
    "AccountCode",
    "TaxRate",
    "Amount",
    "TrackingName1",
    "TrackingOption1",
    "TrackingName2",
    "TrackingOption2",
]
NO_TAX = {"GB": "No VAT", "AU": "BAS Excluded", "NZ": "No GST"}
DEFAULT_NO_TAX = "Tax Exempt"


def no_tax_rate(country: str) -> str:
    return NO_TAX.get(country.upper(), DEFAULT_NO_TAX)


def xero_rows(journal: Journal, *, tax_rate: str = "", tracking: bool = False) -> Iterator[list[Any]]:
    rate = text(tax_rate or no_tax_rate(journal.company.country))
    for entry in journal.entries():
        narration = text(f"#{entry.seq} {entry.description}")
        day = day_month_name(entry.date)
        for line in entry.lines:
            account = journal.accounts[line.account_id]
            project = ("Project", text(line.project)) if tracking and line.project else ("", "")
            client = ("Client", text(line.client)) if tracking and line.client else ("", "")
            description = text(line.description or entry.description)
            amount = journal.amount(line.amount_minor)
            yield [narration, day, description, text(account.code), rate, amount, *project, *client]
