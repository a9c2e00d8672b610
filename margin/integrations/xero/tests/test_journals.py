"""The Xero manual journal CSV of a real journal: the template's columns, one narration and date per entry,
signed amounts that balance and stay numbers, formula-like text made inert, the tax rate and tracking."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

from margin.accounts.models import Company
from margin.integrations.ledgers.csvfile import csv_chunks
from margin.integrations.ledgers.journal import journal_of
from margin.integrations.ledgers.tests.journal import FORMULA, posted_journal
from margin.integrations.xero.journals import HEADER, xero_rows
from tests.firm import Firm


def _csv(company: Company, **options: object) -> list[dict[str, str]]:
    text = "".join(csv_chunks(HEADER, xero_rows(journal_of(company), **options)))  # type: ignore[arg-type]
    assert text.startswith("Narration,Date,Description,AccountCode,TaxRate,Amount,TrackingName1,")
    return list(csv.DictReader(io.StringIO(text)))


def test_each_entry_is_one_balanced_journal_of_signed_numbers(firm: Firm) -> None:
    rows = _csv(posted_journal(firm))
    journals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        journals[row["Narration"], row["Date"]] += Decimal(row["Amount"])
    assert len(journals) == 7 and set(journals.values()) == {Decimal(0)}
    first = rows[0]
    assert (first["Narration"], first["Date"], first["AccountCode"], first["Amount"]) == (
        "#1 Invoice 2026-0001",
        "01 Dec 2026",
        "1100",
        "1785.00",
    )
    assert [r["Amount"] for r in rows if r["Narration"] == "#1 Invoice 2026-0001"][1:] == [
        "-285.00",
        "-500.00",
        "-1000.00",
    ]
    assert {r["TaxRate"] for r in rows} == {"Tax Exempt"}
    assert {r["TrackingName1"] + r["TrackingOption1"] + r["TrackingName2"] for r in rows} == {""}


def test_text_cells_are_inert_and_on_one_line(firm: Firm) -> None:
    rows = [r for r in _csv(posted_journal(firm)) if r["Narration"].startswith("#6 ")]
    assert rows[0]["Narration"] == "#6 He said \"stop\" \\ back\\slash second line 😀 =cmd|'/c calc'!A0"
    assert [r["Description"] for r in rows] == ["'" + FORMULA, "'-2+3 tab here"]
    assert [r["Amount"] for r in rows] == ["123.45", "-123.45"]  # a credit is a negative number, not text
    assert rows[0]["Date"] == "11 Dec 2026"


def test_the_tax_rate_follows_the_country_or_the_caller_and_tracking_is_asked_for(firm: Firm) -> None:
    company = posted_journal(firm)
    Company.objects.filter(pk=company.pk).update(country="GB")
    company.refresh_from_db()
    assert {r["TaxRate"] for r in _csv(company)} == {"No VAT"}
    assert {r["TaxRate"] for r in _csv(company, tax_rate="=Zero Rated")} == {"'=Zero Rated"}
    tracked = [r for r in _csv(company, tracking=True) if r["Narration"] == "#1 Invoice 2026-0001"]
    assert [(r["TrackingName1"], r["TrackingOption1"]) for r in tracked] == [("", "")] * 2 + [("Project", "EXP1")] * 2
    # The client is a dimension of the receivable line only (the tax and revenue lines carry none).
    client = ("Client", 'Kunde "Quote" & Söhne')
    assert [(r["TrackingName2"], r["TrackingOption2"]) for r in tracked] == [client] + [("", "")] * 3
