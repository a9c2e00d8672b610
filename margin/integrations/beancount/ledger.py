"""The journal as a beancount ledger: options, an `open` for every account used, the balances brought forward
(when the file starts at a date), then one transaction per journal entry, in the order of the chain.

Account names: beancount wants `Root:Component` with one of five roots and components that start with a capital
letter or a digit and hold only letters, digits and dashes. We use the account kind's root and the code and name
folded to ASCII words (`Assets:1100-Accounts-Receivable`): readable, stable from one export to the next (it
depends on the account alone, not on the period) and unique (a clash after folding takes the account's id).

Text: every user string is written as a beancount string with `\\`, `"`, newlines, returns and tabs escaped (the
parser reads those escapes back) and other control characters as spaces, so no description can end a string or
start a directive. Amounts are exact decimals from the minor units, in the company's currency.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date

from margin.accounts.models import Company
from margin.books.models import Account
from margin.books.rules import Kind
from margin.integrations.ledgers.journal import Entry, Journal, journal_of

ROOTS = {
    Kind.ASSET: "Assets",
    Kind.LIABILITY: "Liabilities",
    Kind.EQUITY: "Equity",
    Kind.INCOME: "Income",
    Kind.EXPENSE: "Expenses",
}
_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"}
_ESCAPES.update({c: " " for c in [*range(32), 127] if c not in _ESCAPES})
_WORD = re.compile(r"[A-Za-z0-9]+")
BATCH = 500  # entries a chunk of the stream holds


def quoted(text: str) -> str:
    return '"' + text.translate(_ESCAPES) + '"'


def _component(account: Account) -> str:
    folded = unicodedata.normalize("NFKD", f"{account.code} {account.name}").encode("ascii", "ignore").decode()
    return "-".join(word[:1].upper() + word[1:] for word in _WORD.findall(folded)) or f"Account-{account.pk}"


def account_names(accounts: Iterable[Account]) -> dict[int, str]:
    """Each account's beancount name, unique within the company."""
    names: dict[int, str] = {}
    taken: set[str] = set()
    for account in sorted(accounts, key=lambda a: (a.code, a.pk)):
        name = f"{ROOTS[account.kind]}:{_component(account)}"
        if name in taken:
            name = f"{name}-{account.pk}"
        names[account.pk] = name
        taken.add(name)
    return names


def _amount(journal: Journal, minor: int) -> str:
    return f"{journal.amount(minor):f} {journal.currency}"


def _transaction(journal: Journal, names: dict[int, str], entry: Entry) -> str:
    out = [f"{entry.date.isoformat()} * {quoted(entry.description)}", f"  seq: {entry.seq}"]
    out.append(f"  hash: {quoted(entry.hash)}")
    out.append(f"  source: {quoted(entry.source_kind)}")
    if entry.source_id is not None:
        out.append(f"  source_id: {entry.source_id}")
    for line in entry.lines:
        out.append(f"  {names[line.account_id]}  {_amount(journal, line.amount_minor)}")
        if line.description:
            out.append(f"    memo: {quoted(line.description)}")
        if line.currency != journal.currency:
            document = f"{journal.amount(line.amount_currency_minor, line.currency):f} {line.currency}"
            out.append(f"    document_amount: {quoted(document)}")
        for key, value in (("client", line.client), ("project", line.project), ("person", line.person)):
            if value:
                out.append(f"    {key}: {quoted(value)}")
    return "\n".join(out) + "\n\n"


def _header(journal: Journal, names: dict[int, str]) -> str:
    title = f"{journal.company.name}: journal"
    out = [f'option "title" {quoted(title)}', f'option "operating_currency" "{journal.currency}"', ""]
    if journal.first is not None:
        out += [f"{journal.first.isoformat()} open {names[pk]} {journal.currency}" for pk in journal.used]
        out.append("")
    if journal.opening and journal.date_from is not None:
        out.append(f"{journal.date_from.isoformat()} * {quoted('Balances brought forward')}")
        out += [f"  {names[pk]}  {_amount(journal, minor)}" for pk, minor in journal.opening]
        out.append("")
    return "\n".join(out) + "\n"


def beancount_lines(journal: Journal) -> Iterator[str]:
    """The ledger in chunks of text, for a streamed download of any size."""
    names = account_names(journal.accounts.values())
    yield _header(journal, names)
    batch: list[str] = []
    for entry in journal.entries():
        batch.append(_transaction(journal, names, entry))
        if len(batch) >= BATCH:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def beancount_export(company: Company, date_from: date | None = None, date_to: date | None = None) -> str:
    return "".join(beancount_lines(journal_of(company, date_from=date_from, date_to=date_to)))
