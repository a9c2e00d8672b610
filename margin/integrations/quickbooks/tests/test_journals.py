"""The QuickBooks Online journal entry CSV of a real journal: the import's columns, one journal number per
entry, debits and credits as positive numbers that balance, names without the sub-account separator, the
date in the region's order, formula-like text made inert."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

from margin.accounts.models import Company
from margin.integrations.ledgers.csvfile import csv_chunks
from margin.integrations.ledgers.journal import journal_of
from margin.integrations.ledgers.tests.journal import FORMULA, posted_journal
from margin.integrations.quickbooks.journals import HEADER, quickbooks_rows
from tests.firm import Firm


def _csv(company: Company, **options: str) -> list[dict[str, str]]:
    text = "".join(csv_chunks(HEADER, quickbooks_rows(journal_of(company), **options)))
    assert text.splitlines()[0] == "Journal No.,Journal Date,Account Name,Debits,Credits,Description,Name"
    return list(csv.DictReader(io.StringIO(text)))


def test_each_entry_is_one_balanced_journal_of_positive_debits_and_credits(firm: Firm) -> None:
    rows = _csv(posted_journal(firm))
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for row in rows:
        assert (row["Debits"] == "") != (row["Credits"] == "")
        totals[row["Journal No."]][0] += Decimal(row["Debits"] or 0)
        totals[row["Journal No."]][1] += Decimal(row["Credits"] or 0)
    assert list(totals) == [str(n) for n in range(1, 8)]
    assert all(debit == credit > 0 for debit, credit in totals.values())
    invoice = [r for r in rows if r["Journal No."] == "1"]
    assert [(r["Account Name"], r["Debits"], r["Credits"]) for r in invoice] == [
        ("Accounts receivable", "1785.00", ""),
        ("Sales tax payable", "", "285.00"),
        ("Revenue - fixed fees", "", "500.00"),
        ("Revenue - time and materials", "", "1000.00"),
    ]
    assert invoice[0]["Journal Date"] == "12/01/2026" and invoice[0]["Name"] == 'Kunde "Quote" & Söhne'
    claim = [r for r in rows if r["Journal No."] == "4"]
    assert [r["Name"] for r in claim] == ["", "Tom"]


def test_text_cells_are_inert_and_dates_follow_the_region(firm: Firm) -> None:
    rows = [r for r in _csv(posted_journal(firm), date_order="dmy") if r["Journal No."] == "6"]
    assert [r["Description"] for r in rows] == ["'" + FORMULA, "'-2+3 tab here"]
    assert [(r["Debits"], r["Credits"]) for r in rows] == [("123.45", ""), ("", "123.45")]
    assert rows[0]["Journal Date"] == "11/12/2026"
