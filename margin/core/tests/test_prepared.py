"""Hot reports read through prepared statements on PostgreSQL (margin.core.prepared); Django's own queries
never are, and while queries are logged the reads are plain, so the log shows their SQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from margin.core.models import AuditEntry
from margin.core.prepared import fetch_prepared, prepares

SQL = 'SELECT COUNT(*) AS n FROM "core_auditentry" WHERE "organisation_id" = %s AND "action" <> %s'
PARAMS = [0, "it's 100%"]


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_while_queries_are_logged_the_read_is_plain_and_shows_its_sql() -> None:
    with CaptureQueriesContext(connection) as captured:
        assert fetch_prepared(SQL, PARAMS) == (["n"], [(0,)])
    (logged,) = captured.captured_queries
    assert '"core_auditentry"' in logged["sql"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite caches its own statements")
@pytest.mark.django_db
def test_on_postgresql_the_read_is_prepared_bound_and_django_queries_are_not() -> None:
    assert prepares()
    list(AuditEntry.objects.filter(organisation_id=0))  # Django's client-binding cursor
    assert fetch_prepared(SQL, PARAMS) == (["n"], [(0,)])
    assert fetch_prepared(SQL, PARAMS) == (["n"], [(0,)])  # the second run uses the prepared statement
    ours = [s for s in _prepared() if "core_auditentry" in s]
    # Bound on the client as Django binds (quotes and percent signs intact), so planned once, generically.
    assert ours == [SQL.replace("%s", "0", 1).replace("%s", "'it''s 100%'")]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL prepares")
def test_on_sqlite_it_is_a_plain_query() -> None:
    assert not prepares()
