"""The beancount export read by beancount itself: `bean-check` accepts the ledger of a real journal (and refuses
a copy with one amount edited, so the check is real), the loader's balances equal the trial balance, hostile
text comes back exactly as it was posted, and account names follow beancount's rules."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data

from margin.books.models import Account
from margin.books.queries import trial_balance
from margin.integrations.beancount.ledger import account_names, beancount_export, quoted
from margin.integrations.ledgers.tests.journal import FORMULA, NASTY, posted_journal
from tests.firm import Firm

BEAN_CHECK = Path(sys.executable).with_name("bean-check")


def _check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True, timeout=120)


def _balances(path: Path) -> dict[str, Decimal]:
    entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    sums: dict[str, Decimal] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                sums[posting.account] = sums.get(posting.account, Decimal(0)) + posting.units.number
    return {k: v for k, v in sums.items() if v}


def _trial(company, names, **period) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    rows = trial_balance(company, **period).rows
    return {names[r.account_id]: Decimal(r.closing_minor).scaleb(-2) for r in rows if r.closing_minor}


def test_bean_check_accepts_the_ledger_and_refuses_an_unbalanced_copy(firm: Firm, tmp_path: Path) -> None:
    company = posted_journal(firm)
    ledger = tmp_path / "books.beancount"
    ledger.write_text(beancount_export(company), encoding="utf-8")
    good = _check(ledger)
    assert (good.returncode, good.stdout, good.stderr) == (0, "", "")

    edited = tmp_path / "edited.beancount"
    text = ledger.read_text(encoding="utf-8")
    assert text.count("  Assets:1000-Bank  -500.00 EUR\n") == 1
    edited.write_text(text.replace("  Assets:1000-Bank  -500.00 EUR\n", "  Assets:1000-Bank  -499.00 EUR\n"))
    bad = _check(edited)
    assert bad.returncode != 0
    assert "does not balance" in bad.stdout + bad.stderr


def test_the_loaders_balances_are_the_trial_balance_and_text_comes_back_intact(firm: Firm, tmp_path: Path) -> None:
    company = posted_journal(firm)
    ledger = tmp_path / "books.beancount"
    ledger.write_text(beancount_export(company), encoding="utf-8")
    names = account_names(Account.objects.filter(company=company))
    assert _balances(ledger) == _trial(company, names, date_to=date(2027, 12, 31))

    entries, _, options = loader.load_file(str(ledger))
    transactions = [e for e in entries if isinstance(e, data.Transaction)]
    assert [t.meta["seq"] for t in transactions] == list(range(1, 8))
    nasty = transactions[5]
    assert nasty.narration == NASTY
    assert [p.meta.get("memo") for p in nasty.postings] == [FORMULA, "-2+3 tab\there"]
    assert options["title"] == "Acme EU: journal" and options["operating_currency"] == ["EUR"]


def test_a_period_opens_with_the_balances_brought_forward(firm: Firm, tmp_path: Path) -> None:
    company = posted_journal(firm)
    ledger = tmp_path / "january.beancount"
    ledger.write_text(beancount_export(company, date(2027, 1, 1), date(2027, 1, 31)), encoding="utf-8")
    assert _check(ledger).returncode == 0
    names = account_names(Account.objects.filter(company=company))
    assert _balances(ledger) == _trial(company, names, date_to=date(2027, 1, 31))
    entries, _, _ = loader.load_file(str(ledger))
    narrations = [e.narration for e in entries if isinstance(e, data.Transaction)]
    assert narrations == ["Balances brought forward", "January rent"]
    opens = {e.date for e in entries if isinstance(e, data.Open)}
    assert opens == {date(2027, 1, 1)}


def test_an_empty_journal_is_a_valid_ledger(firm: Firm, tmp_path: Path) -> None:
    ledger = tmp_path / "empty.beancount"
    ledger.write_text(beancount_export(firm.usd), encoding="utf-8")
    assert _check(ledger).returncode == 0


def test_account_names_follow_beancounts_rules_and_stay_unique() -> None:
    accounts = [
        Account(pk=1, code="1.1", name="Créances clients", kind="asset"),
        Account(pk=2, code="1-1", name="Créances clients", kind="asset"),
        Account(pk=3, code="ab", name="über: *special* 😀", kind="expense"),
        Account(pk=4, code="", name="***", kind="liability"),
        Account(pk=5, code="4000", name="Revenue: time and materials", kind="income"),
    ]
    names = account_names(accounts)
    assert names == {
        1: "Assets:1-1-Creances-Clients-1",  # "1-1" sorts first and keeps the plain name
        2: "Assets:1-1-Creances-Clients",
        3: "Expenses:Ab-Uber-Special",
        4: "Liabilities:Account-4",
        5: "Income:4000-Revenue-Time-And-Materials",
    }
    text = "".join(f"2026-01-01 open {name} EUR\n" for name in names.values())
    _, errors, _ = loader.load_string(text)
    assert errors == []


@pytest.mark.parametrize("text", ['a "b" \\ c', "line\nbreak\r\ttab", "\\", '"', "\x01ctl\x7f", "😀 é 中"])
def test_any_text_survives_as_a_beancount_string(text: str) -> None:
    ledger = (
        "2026-01-01 open Assets:A EUR\n2026-01-01 open Assets:B EUR\n"
        f"2026-01-02 * {quoted(text)}\n  Assets:A  1 EUR\n  Assets:B  -1 EUR\n"
    )
    entries, errors, _ = loader.load_string(ledger)
    assert errors == []
    expected = text.replace("\x01", " ").replace("\x7f", " ")
    assert entries[-1].narration == expected
