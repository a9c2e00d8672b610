"""CSV reading and the neutral task row that every tool's parser produces (no Django)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

MAX_ROWS = 5_000
STATUSES = ("todo", "in_progress", "review", "done")


class SheetError(ValueError):
    """The whole file is unusable (encoding, missing columns, not CSV): nothing is imported."""


@dataclass
class TaskRow:
    line: int  # the line of the CSV file (the header is line 1)
    key: str  # the tool's id of the row, unique in the file
    name: str
    parent_key: str = ""
    status: str = "todo"
    estimate_minutes: int = 0
    due: date | None = None
    assignee: str = ""  # a name or an e-mail, matched to project members on import
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def decode(data: bytes) -> str:
    """The file as text: UTF-8 (with or without a byte-order mark), as Jira and Trello write it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SheetError(
            f"The file is not UTF-8 text (byte {error.start + 1} cannot be read); export it again as UTF-8 CSV."
        ) from None


def read_table(text: str, required: list[list[str]]) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and rows of a CSV text, each row a dict by column (the first of duplicated columns wins, as
    Jira repeats some) with its line number. ``required`` lists alternatives: one name of each must exist."""
    if "\x00" in text:
        raise SheetError("The file is not a CSV text file.")
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise SheetError("The file is empty: a header row is expected.")
        header = [h.strip() for h in header]
        missing = [" or ".join(names) for names in required if not any(n in header for n in names)]
        if missing:
            raise SheetError(f"Columns missing: {', '.join(missing)} (found: {', '.join(header[:12])}).")
        rows: list[tuple[int, dict[str, str]]] = []
        end = reader.line_num
        for values in reader:
            start, end = end + 1, reader.line_num  # a quoted value may span lines: name the first
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise SheetError(f"More than {MAX_ROWS} rows: split the file.")
            row: dict[str, str] = {}
            for name, value in zip(header, values, strict=False):
                row.setdefault(name, value.strip())
            rows.append((start, row))
    except csv.Error as error:
        raise SheetError(f"The file is not valid CSV: {error}.") from None
    return header, rows


def first(row: dict[str, str], *names: str) -> str:
    for name in names:
        if row.get(name):
            return row[name]
    return ""


DATE_FORMATS = (
    "%d/%b/%y %I:%M %p",  # Jira's default: 12/Mar/26 5:00 PM
    "%d/%b/%y %H:%M",
    "%d/%b/%y",
    "%d/%b/%Y",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
)


def parse_day(text: str) -> date:
    """A date as Jira or Trello writes it (also ISO 8601 with a time and zone, e.g. 2026-03-12T17:00:00.000Z)."""
    value = text.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date")


def check_keys(rows: list[TaskRow]) -> list[TaskRow]:
    """Errors for duplicate keys, unknown parents and parent cycles."""
    seen: dict[str, int] = {}
    for row in rows:
        if row.key in seen:
            row.errors.append(f"the id {row.key!r} is also on line {seen[row.key]}")
        else:
            seen[row.key] = row.line
        if not row.name:
            row.errors.append("the name is empty")
    parents = {row.key: row.parent_key for row in rows}
    for row in rows:
        if row.parent_key and row.parent_key not in parents:
            row.errors.append(f"the parent {row.parent_key!r} is not in the file")
            continue
        walked, key = {row.key}, row.parent_key
        while key:
            if key in walked:
                row.errors.append("its parents form a loop")
                break
            walked.add(key)
            key = parents.get(key, "")
    return rows


def in_tree_order(rows: list[TaskRow]) -> list[TaskRow]:
    """Parents before their children, otherwise the file's order."""
    by_key = {row.key: row for row in rows}

    def depth(row: TaskRow) -> int:
        level, key = 0, row.parent_key
        while key and key in by_key and level <= len(rows):
            level, key = level + 1, by_key[key].parent_key
        return level

    return sorted(rows, key=lambda r: (depth(r), r.line))
