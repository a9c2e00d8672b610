"""Statements PostgreSQL keeps planned for the session: prepared statements for hot, repeated reads.

Django binds parameters on the client (psycopg's `ClientCursor`), so nothing it runs is ever prepared, and
it turns psycopg's automatic preparation off (`prepare_threshold=None`) to keep transaction poolers working.
A report whose few grouped statements take longer to plan than to run (profitability: 3.4 ms of planning,
1.4 ms of execution on PostgreSQL) reads through `prepared_cursor()` instead: a server-binding cursor of the
same connection, on which psycopg prepares every statement at its first run (`prepare_threshold=0`, set in
`config/settings.py`; client cursors ignore it) and PostgreSQL settles on a generic plan after five runs.

Behind a pooler in transaction mode (PgBouncer before 1.21), set `DATABASE_PREPARED_STATEMENTS=off`: the
threshold stays off and this is a plain cursor. On SQLite it always is (SQLite caches its own statements).
While queries are logged (DEBUG, `CaptureQueriesContext`) it is a plain cursor too: a prepared run keeps no
query text for Django's log, and a log is for reading SQL, not for speed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.backends.utils import CursorWrapper


def prepares() -> bool:
    """Whether this connection prepares what `prepared_cursor` runs."""
    if connection.vendor != "postgresql":
        return False
    connection.ensure_connection()
    return connection.connection.prepare_threshold is not None


@contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A cursor whose statements run prepared on PostgreSQL (when enabled); a plain cursor otherwise."""
    if connection.queries_logged or not prepares():
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg  # PostgreSQL only

    with CursorWrapper(psycopg.Cursor(connection.connection), connection) as cursor:
        yield cursor
