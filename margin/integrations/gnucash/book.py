"""The journal as a GnuCash SQLite book (`.gnucash`), which GnuCash opens as it is.

piecash writes it, in a venv of its own: piecash 1.2.1 pins SQLAlchemy < 1.5, and Margin's environment stays free
of it (docs/adr/0030-ledger-exports.md). `make setup` makes that venv (.venv-gnucash, from requirements.txt
beside this module); MARGIN_GNUCASH_PYTHON names another interpreter that has piecash. Here we only read the
journal and send it to `writer.py` as JSON lines on its standard input, so the book is written as the journal is
read, whatever its size, and the writer sees nothing of Margin (no settings, no environment but its own).

The book: the five top-level accounts as placeholders, every account used under its kind's (the bank account as a
GnuCash bank account) with its code, the balances brought forward when the book starts at a date, then one
transaction per entry (number: the entry's `seq`, notes: its hash), one split per line with its description.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO

from django.conf import settings

from margin.accounts.models import Company
from margin.books.models import Account
from margin.books.rules import Kind, Role
from margin.core.errors import DomainError
from margin.integrations.ledgers.journal import Journal, journal_of, plain_name

WRITER = Path(__file__).with_name("writer.py")
TIMEOUT_SECONDS = 900
TYPES = {
    Kind.ASSET: "ASSET",
    Kind.LIABILITY: "LIABILITY",
    Kind.EQUITY: "EQUITY",
    Kind.INCOME: "INCOME",
    Kind.EXPENSE: "EXPENSE",
}


class WriterUnavailable(DomainError):
    """The server has no interpreter with piecash: nothing the caller can change."""

    status = 503
    code = "unavailable"


class WriterFailed(RuntimeError):
    """piecash refused the journal or the writer died: a fault of ours, with the writer's output."""


def writer_python() -> Path:
    configured = os.environ.get("MARGIN_GNUCASH_PYTHON")
    python = Path(configured) if configured else Path(settings.BASE_DIR) / ".venv-gnucash" / "bin" / "python"
    if not python.exists():
        raise WriterUnavailable(f"GnuCash export is not set up on this server ({python} is missing): run make setup.")
    return python


def _type(account: Account) -> str:
    return "BANK" if account.role == Role.BANK else TYPES[account.kind]


def _account(account: Account) -> dict[str, str]:
    name = plain_name(account.name) or account.code
    return {"key": str(account.pk), "code": account.code, "name": name, "type": _type(account), "description": ""}


def _documents(journal: Journal) -> Iterator[str]:
    accounts = [_account(journal.accounts[pk]) for pk in journal.used]
    yield json.dumps({"currency": journal.currency, "accounts": accounts})
    if journal.opening and journal.date_from is not None:
        splits = [[str(pk), f"{journal.amount(minor):f}", ""] for pk, minor in journal.opening]
        yield json.dumps(
            {
                "date": journal.date_from.isoformat(),
                "num": "",
                "description": "Balances brought forward",
                "notes": "",
                "splits": splits,
            }
        )
    for entry in journal.entries():
        splits = [[str(x.account_id), f"{journal.amount(x.amount_minor):f}", x.description] for x in entry.lines]
        yield json.dumps(
            {
                "date": entry.date.isoformat(),
                "num": str(entry.seq),
                "description": entry.description,
                "notes": f"Margin journal entry #{entry.seq}, hash {entry.hash}",
                "splits": splits,
            }
        )


def _run(python: Path, book: Path, documents: Iterator[str]) -> None:
    env = {key: os.environ[key] for key in ("PATH", "TZ") if key in os.environ} | {"LC_ALL": "C.UTF-8"}
    with tempfile.TemporaryFile() as log:
        # The interpreter and script are ours (settings or the project's venv); the journal goes in as data.
        process = subprocess.Popen(  # noqa: S603
            [str(python), str(WRITER), str(book)],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            cwd=book.parent,
            env=env,
            text=True,
            encoding="ascii",  # json.dumps escapes every other character
        )
        assert process.stdin is not None
        try:
            for document in documents:
                process.stdin.write(document + "\n")
            process.stdin.close()
            code = process.wait(timeout=TIMEOUT_SECONDS)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            process.kill()
            code = process.wait()
        if code != 0:
            log.seek(0)
            raise WriterFailed(f"The GnuCash writer stopped ({code}): {log.read()[-4000:].decode(errors='replace')}")


def gnucash_book(journal: Journal) -> IO[bytes]:
    """The book as a rewound temporary file (in memory up to 16 MB)."""
    python = writer_python()
    with tempfile.TemporaryDirectory(prefix="margin-gnucash-") as folder:
        book = Path(folder) / "book.gnucash"
        _run(python, book, _documents(journal))
        out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned open
        with book.open("rb") as written:
            shutil.copyfileobj(written, out)
    out.seek(0)
    return out


def gnucash_export(company: Company, date_from: date | None = None, date_to: date | None = None) -> IO[bytes]:
    return gnucash_book(journal_of(company, date_from=date_from, date_to=date_to))
