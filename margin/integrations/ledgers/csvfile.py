"""CSV journals for the import screens of accounting tools (Xero, QuickBooks Online).

Every text cell goes through the project's formula guard (`timecsv.export.neutralise`: a cell starting with =, +,
-, @, a tab or a return gets a leading apostrophe), and is put on one line, since the import screens read a
journal line per row. Amounts stay numbers (`Decimal`), which the guard leaves alone: a credit of -1785.00 is
written as the number it is. No byte-order mark: the importers match the header cells by their exact text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from margin.integrations.timecsv.export import neutralise

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
BATCH = 1000


def text(value: str) -> str:
    """A text cell: on one line, and inert in a spreadsheet."""
    return str(neutralise(" ".join(value.split())))


def day_month_name(day: date) -> str:
    """`01 Dec 2026`: unambiguous in every region, and in English whatever the server's locale."""
    return f"{day.day:02d} {MONTHS[day.month - 1]} {day.year}"


def numeric_day(day: date, order: str) -> str:
    return day.strftime("%m/%d/%Y" if order == "mdy" else "%d/%m/%Y")


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    batch: list[str] = []
    for row in rows:
        batch.append(writer.writerow(row))
        if len(batch) >= BATCH:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)
