"""Writes a GnuCash SQLite book with piecash. Run by `margin.integrations.gnucash.book` in the GnuCash venv
(`python writer.py BOOK < journal.jsonl`): it imports nothing of Margin, only piecash and the standard library.

Input, one JSON document a line: first the book (`currency`, `accounts`: key, code, name, type, description),
then one transaction a line (`date`, `num`, `description`, `notes`, `splits`: [account key, value, memo]).
Values are decimal strings in the book's currency, exact to its minor unit.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal

import piecash

# The five top-level accounts (placeholders) each account sits under, by its GnuCash type.
ROOTS = {
    "ASSET": ("Assets", "ASSET"),
    "BANK": ("Assets", "ASSET"),
    "LIABILITY": ("Liabilities", "LIABILITY"),
    "EQUITY": ("Equity", "EQUITY"),
    "INCOME": ("Income", "INCOME"),
    "EXPENSE": ("Expenses", "EXPENSE"),
}
FLUSH_EVERY = 500


def write(path: str) -> int:
    source = sys.stdin
    head = json.loads(source.readline())
    book = piecash.create_book(sqlite_file=path, currency=head["currency"], overwrite=True)
    currency = book.default_currency
    parents: dict[str, object] = {}
    accounts = {}
    for account in head["accounts"]:
        parent_name, parent_type = ROOTS[account["type"]]
        if parent_name not in parents:
            parents[parent_name] = piecash.Account(
                parent_name, parent_type, currency, parent=book.root_account, placeholder=True
            )
        accounts[account["key"]] = piecash.Account(
            account["name"],
            account["type"],
            currency,
            parent=parents[parent_name],
            code=account["code"],
            description=account["description"],
        )
    book.flush()
    count = 0
    for line in source:
        t = json.loads(line)
        splits = [
            piecash.Split(account=accounts[key], value=Decimal(value), memo=memo) for key, value, memo in t["splits"]
        ]
        piecash.Transaction(
            currency=currency,
            description=t["description"],
            num=t["num"],
            post_date=date.fromisoformat(t["date"]),
            notes=t["notes"],
            splits=splits,
        )
        count += 1
        if count % FLUSH_EVERY == 0:
            book.flush()
    book.save()
    book.close()
    return count


if __name__ == "__main__":
    print(write(sys.argv[1]))
