"""The GnuCash export read back by piecash (in the GnuCash venv, where it lives): the accounts' balances equal
the trial balance, one transaction per entry, the text as posted; a period's book opens with the balances
brought forward. A server without the writer's venv answers that it is not set up."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from margin.books.queries import trial_balance
from margin.core.errors import DomainError
from margin.integrations.gnucash.book import WriterUnavailable, gnucash_export, writer_python
from margin.integrations.ledgers.tests.journal import FORMULA, NASTY, posted_journal
from tests.firm import Firm

# Runs in the GnuCash venv: the book as piecash reads it, as JSON.
READER = """
import json, sys
import piecash
with piecash.open_book(sys.argv[1], readonly=True, open_if_lock=True, do_backup=False) as book:
    accounts = {
        a.code: {"name": a.fullname, "type": a.type, "balance": str(sum((s.value for s in a.splits), 0))}
        for a in book.accounts if a.code
    }
    transactions = [
        {"num": t.num, "date": t.post_date.isoformat(), "description": t.description, "notes": t.notes,
         "memos": [s.memo for s in t.splits]}
        for t in sorted(book.transactions, key=lambda t: (t.post_date, int(t.num or 0)))
    ]
    print(json.dumps({"currency": book.default_currency.mnemonic, "accounts": accounts,
                      "transactions": transactions}))
"""


def _read_back(tmp_path: Path, data: bytes) -> dict[str, Any]:
    book = tmp_path / "books.gnucash"
    book.write_bytes(data)
    done = subprocess.run(
        [str(writer_python()), "-c", READER, str(book)], capture_output=True, text=True, timeout=120, check=True
    )
    return dict(json.loads(done.stdout))


def _trial(company, **period) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    rows = trial_balance(company, **period).rows
    return {r.code: Decimal(r.closing_minor).scaleb(-2) for r in rows if r.closing_minor}


def _balances(book: dict[str, Any]) -> dict[str, Decimal]:
    """Balances as piecash sums them (GnuCash keeps fractions, so -500.00 reads back as -500)."""
    sums = {code: Decimal(a["balance"]) for code, a in book["accounts"].items()}
    return {code: value for code, value in sums.items() if value}


def test_piecash_reads_back_the_balances_and_the_entries(firm: Firm, tmp_path: Path) -> None:
    company = posted_journal(firm)
    book = _read_back(tmp_path, gnucash_export(company).read())
    assert book["currency"] == "EUR"
    assert _balances(book) == _trial(company, date_to=date(2027, 12, 31))
    assert book["accounts"]["1000"] == {"name": "Assets:Bank", "type": "BANK", "balance": "256.55"}
    assert book["accounts"]["2200"]["type"] == "LIABILITY"
    assert book["accounts"]["4000"]["name"] == "Income:Revenue - time and materials"
    transactions = book["transactions"]
    assert [t["num"] for t in transactions] == [str(n) for n in range(1, 8)]
    nasty = transactions[5]
    assert nasty["description"] == NASTY and nasty["date"] == "2026-12-11"
    assert sorted(nasty["memos"]) == sorted([FORMULA, "-2+3 tab\there"])
    assert nasty["notes"].startswith("Margin journal entry #6, hash ")


def test_a_period_book_opens_with_the_balances_brought_forward(firm: Firm, tmp_path: Path) -> None:
    company = posted_journal(firm)
    book = _read_back(tmp_path, gnucash_export(company, date(2027, 1, 1)).read())
    assert _balances(book) == _trial(company, date_to=date(2027, 12, 31))
    assert [t["description"] for t in book["transactions"]] == ["Balances brought forward", "January rent"]


def test_without_the_writers_venv_the_export_says_it_is_not_set_up(
    firm: Firm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARGIN_GNUCASH_PYTHON", str(tmp_path / "missing" / "python"))
    with pytest.raises(WriterUnavailable) as refused:
        gnucash_export(firm.eur)
    assert isinstance(refused.value, DomainError) and refused.value.status == 503
    assert "make setup" in refused.value.message
