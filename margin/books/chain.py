"""Verification of a company's journal: walk the chain in `seq` order, recompute every entry's hash over its
stored lines and the previous hash, and report the first link that does not hold.

The guards refuse updates and deletes, so a break means someone wrote around them (a superuser who turned
the triggers off, an edited database file). What the walk finds: a missing or repeated `seq`, a `prev_hash`
that is not the previous entry's hash, an entry whose fields or lines no longer give its hash, an entry
that does not balance. It reads the entries and lines once, joined and ordered, as a stream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection

from margin.books.models import JournalEntry, JournalLine
from margin.books.rules import GENESIS, SEPARATORS, entry_hash


@dataclass(frozen=True)
class Break:
    seq: int
    entry_id: int
    reason: str


@dataclass(frozen=True)
class Verification:
    company_id: int
    entries: int
    lines: int
    first_break: Break | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def _rows(company_id: int) -> Iterator[tuple[Any, ...]]:
    entry, line = JournalEntry._meta.db_table, JournalLine._meta.db_table
    sql = f"""
        SELECT e.id, e.seq, e.date, e.description, e.source_kind, e.source_id, e.reverses_id, e.currency,
               e.prev_hash, e.hash, l.position, l.account_id, l.amount_minor, l.currency, l.amount_currency_minor,
               l.description, l.client_id, l.project_id, l.contract_id, l.person_id, l.company_id, l.date
        FROM {entry} e LEFT JOIN {line} l ON l.entry_id = e.id
        WHERE e.company_id = %s
        ORDER BY e.seq, l.position"""
    cursor = connection.chunked_cursor() if connection.vendor == "postgresql" else connection.cursor()
    with cursor:
        cursor.execute(sql, [company_id])
        while rows := cursor.fetchmany(10000):
            yield from rows


def ledger_verify(company_id: int, *, progress: Callable[[int], None] | None = None) -> Verification:
    """Walk the company's chain; `progress` is told the number of entries checked every 10,000."""
    expected_seq, prev = 1, GENESIS
    entries = lines = 0
    current: tuple[Any, ...] | None = None
    current_lines: list[tuple[Any, ...]] = []

    def check() -> Break | None:
        nonlocal expected_seq, prev
        assert current is not None
        entry_id, seq = current[0], current[1]
        if seq != expected_seq:
            what = "missing" if seq > expected_seq else "repeated"
            return Break(expected_seq, entry_id, f"Entry #{expected_seq} is {what}: the next entry found is #{seq}.")
        if current[8] != prev:
            return Break(seq, entry_id, f"Entry #{seq} does not follow entry #{seq - 1}: its previous hash differs.")
        if sum(int(x[2]) for x in current_lines) != 0 or len(current_lines) < 2:
            return Break(seq, entry_id, f"Entry #{seq} does not balance.")
        day = current[2]
        if any(x[10] != company_id or x[11] != day for x in current_lines):
            return Break(seq, entry_id, f"Entry #{seq} has a line of another company or date.")
        texts = [current[3], *(x[5] for x in current_lines)]
        if any(separator in text for text in texts for separator in SEPARATORS):
            return Break(seq, entry_id, f"Entry #{seq} holds a text no posting writes (a separator of the hash).")
        digest = entry_hash(
            prev_hash=prev,
            company_id=company_id,
            seq=seq,
            day=day,
            description=current[3],
            source_kind=current[4],
            source_id=current[5],
            reverses_id=current[6],
            currency=current[7],
            lines=(x[:10] for x in current_lines),
        )
        if digest != current[9]:
            return Break(seq, entry_id, f"Entry #{seq} or one of its lines was changed after it was posted.")
        expected_seq, prev = seq + 1, digest
        return None

    for row in _rows(company_id):
        if current is None or row[0] != current[0]:
            if current is not None:
                found = check()
                if found is not None:
                    return Verification(company_id, entries, lines, found)
                entries += 1
                if progress is not None and entries % 10000 == 0:
                    progress(entries)
            current, current_lines = row[:10], []
        if row[10] is not None:
            current_lines.append(row[10:])
            lines += 1
    if current is not None:
        found = check()
        if found is not None:
            return Verification(company_id, entries, lines, found)
        entries += 1
    return Verification(company_id, entries, lines, None)
