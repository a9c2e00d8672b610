"""Statements PostgreSQL keeps planned for the session: prepared statements for hot, repeated reads.

Django binds parameters on the client (psycopg's `ClientCursor`), so nothing it runs is ever prepared, and
it turns psycopg's automatic preparation off (`prepare_threshold=None`) to keep transaction poolers working.
A report whose few grouped statements take longer to plan than to run (profitability: 3.4 ms of planning,
1.4 ms of execution on PostgreSQL) reads through `fetch_prepared()` instead: the statement is bound on the
client exactly as Django binds it, then run through a server-binding cursor of the same connection, on which
psycopg prepares every statement at its first run (`prepare_threshold=0`, set in `config/settings.py`; client
cursors ignore it). A statement without parameters is planned once, generically, and the plan reused from its
second run (one with parameters would be planned afresh for its first five runs, longer than a connection
usually lives).

Behind a pooler in transaction mode (PgBouncer before 1.21), set `DATABASE_PREPARED_STATEMENTS=off`: the
threshold stays off and this is a plain query. On SQLite it always is (SQLite caches its own statements).
While queries are logged (DEBUG, `CaptureQueriesContext`) it is plain too: a prepared run keeps no query text
for Django's log, and a log is for reading SQL, not for speed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper


def prepares() -> bool:
    """Whether this connection prepares what `fetch_prepared` runs."""
    if connection.vendor != "postgresql":
        return False
    connection.ensure_connection()
    return connection.connection.prepare_threshold is not None


def fetch_prepared(sql: str, params: Sequence[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The column names and rows of a query, run prepared on PostgreSQL (when enabled)."""
    if connection.queries_logged or not prepares():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [column[0] for column in cursor.description], cursor.fetchall()
    import psycopg  # PostgreSQL only

    raw = connection.connection
    bound = psycopg.ClientCursor(raw).mogrify(sql, params)
    with CursorWrapper(psycopg.Cursor(raw), connection) as cursor:
        cursor.execute(bound)
        return [column[0] for column in cursor.description], cursor.fetchall()
