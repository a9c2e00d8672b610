"""Bulk inserts of time on SQLite: the per-row triggers stand aside, their work done once per import (ADR 0027).

SQLite has only row-level triggers. Two fire for every inserted entry: the period-close guard (a lookup of the
company's lock) and the running totals (an upsert into `timesheets_projecttimetotal`, ADR 0022): 1.1 s of a
100,000-entry import, a third of it. During a bulk import both stand aside and their work is done set-based
on the rows just inserted, in the same transaction:

- `bulk_rows(first_id, last_id)` writes a row into `timesheets_bulkwrite`; the two triggers fire only while that
  table is empty. SQLite has one writer at a time and the row is deleted again before the transaction ends, so
  no other connection ever sees it: every other insert, from any code path, still runs both triggers.
- At the end, one query looks for an inserted entry dated on or before its company's lock date (refused with the
  trigger's message, and the whole import rolls back), and one grouped upsert adds the inserted entries to the totals.

PostgreSQL's triggers are statement-level already (a COPY of 100,000 rows is one grouped upsert), so it does
none of this.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, connection

FLAG = "timesheets_bulkwrite"
CLOSED = "period closed: time dated on or before the lock date cannot change"
# The company's lock date (ADR 0028; migration timesheets/0012).
LOCKED = """EXISTS (SELECT 1 FROM accounts_company c WHERE c.id = NEW.company_id
               AND c.locked_through >= NEW.work_date)"""
QUIET = f"NOT EXISTS (SELECT 1 FROM {FLAG})"
TOTALS = "timesheets_projecttimetotal"
KEY = "project_id, status, billable"
_ADD = """entries = entries + EXCLUDED.entries, minutes = minutes + EXCLUDED.minutes,
            cost_minor = cost_minor + EXCLUDED.cost_minor, bill_minor = bill_minor + EXCLUDED.bill_minor"""


def sqlite_triggers(quiet: bool, locked: str = LOCKED) -> dict[str, str]:
    """The two insert triggers of migrations timesheets/0006 and 0007; with `quiet`, standing aside while the
    flag is up. `locked` is the closed-period test (a migration going back passes the one it had)."""
    when = f"{QUIET} AND " if quiet else ""
    totals_when = f"WHEN {QUIET}" if quiet else ""
    return {
        "timesheets_timeentry_closed_insert": f"""BEFORE INSERT ON timesheets_timeentry
        WHEN {when}{locked}
        BEGIN SELECT RAISE(ABORT, '{CLOSED}'); END""",
        "timesheets_timeentry_totals_insert": f"""AFTER INSERT ON timesheets_timeentry {totals_when}
        BEGIN INSERT INTO {TOTALS} ({KEY}, entries, minutes, cost_minor, bill_minor)
          VALUES (NEW.project_id, NEW.status, NEW.billable, 1, NEW.minutes, NEW.cost_amount_minor,
                  NEW.bill_amount_minor)
          ON CONFLICT ({KEY}) DO UPDATE SET {_ADD}; END""",
    }


_IN_A_CLOSED_PERIOD = """SELECT 1 FROM timesheets_timeentry e JOIN accounts_company c
    ON c.id = e.company_id AND c.locked_through >= e.work_date
    WHERE e.id BETWEEN %s AND %s LIMIT 1"""
# `WHERE true`: SQLite needs it to read ON CONFLICT after an INSERT … SELECT.
_ADD_TO_TOTALS = f"""INSERT INTO {TOTALS} ({KEY}, entries, minutes, cost_minor, bill_minor)
    SELECT {KEY}, COUNT(*), SUM(minutes), SUM(cost_amount_minor), SUM(bill_amount_minor)
    FROM timesheets_timeentry WHERE id BETWEEN %s AND %s GROUP BY {KEY} ORDER BY {KEY}
    ON CONFLICT ({KEY}) DO UPDATE SET {_ADD}"""


@contextmanager
def bulk_rows(first_id: int, last_id: int) -> Iterator[None]:
    """Insert entries with ids first_id..last_id inside; their period check and totals are done at the end.
    SQLite only, inside the caller's transaction."""
    assert connection.vendor == "sqlite" and connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {FLAG} (id) VALUES (1)")
        yield
        cursor.execute(f"DELETE FROM {FLAG}")
        cursor.execute(_IN_A_CLOSED_PERIOD, [first_id, last_id])
        if cursor.fetchone():
            raise IntegrityError(CLOSED)
        cursor.execute(_ADD_TO_TOTALS, [first_id, last_id])


def install(schema_editor: Any, locked: str = LOCKED) -> None:
    """The flag table and the two insert triggers that heed it (SQLite)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(f"CREATE TABLE IF NOT EXISTS {FLAG} (id integer NOT NULL PRIMARY KEY)")
    _recreate(schema_editor, quiet=True, locked=locked)


def uninstall(schema_editor: Any, locked: str = LOCKED) -> None:
    """The triggers as before, firing for every row, and no flag table (SQLite)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    _recreate(schema_editor, quiet=False, locked=locked)
    schema_editor.execute(f"DROP TABLE IF EXISTS {FLAG}")


def _recreate(schema_editor: Any, *, quiet: bool, locked: str = LOCKED) -> None:
    for name, body in sqlite_triggers(quiet, locked).items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(f"CREATE TRIGGER {name} {body}")
