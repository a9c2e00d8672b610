"""The journal in the layout of QuickBooks Online's journal entry import: Journal No., Journal Date, Account Name,
Debits, Credits, Description, Name.

QuickBooks groups rows by journal number (the entry's `seq`), matches accounts by name (with account numbers
turned off, as Intuit asks for the import; a ":" in a name would mean a sub-account, so it is written as " -"),
and wants a customer or supplier in Name on receivable and payable lines (the line's client, else its person).
Debits and credits are positive numbers in their own columns. The date follows the company's region: MM/DD/YYYY
in the US (default), DD/MM/YYYY elsewhere (`date_order`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from margin.integrations.ledgers.csvfile import numeric_day, text
from margin.integrations.ledgers.journal import Journal, plain_name

HEADER = ["Journal No.", "Journal Date", "Account Name", "Debits", "Credits", "Description", "Name"]


def quickbooks_rows(journal: Journal, *, date_order: str = "mdy") -> Iterator[list[Any]]:
    for entry in journal.entries():
        day = numeric_day(entry.date, date_order)
        for line in entry.lines:
            amount = journal.amount(abs(line.amount_minor))
            debit, credit = (amount, "") if line.amount_minor > 0 else ("", amount)
            account = text(plain_name(journal.accounts[line.account_id].name))
            description = text(line.description or entry.description)
            yield [entry.seq, day, account, debit, credit, description, text(line.client or line.person)]
