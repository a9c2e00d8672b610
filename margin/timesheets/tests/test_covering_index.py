"""`timeentry_project_figures` is the model's four columns on PostgreSQL and carries what the invoice run reads
on SQLite (migration timesheets/0009, ADR 0024). A later migration that rebuilds the table on SQLite recreates
the index from the model and loses the extra columns: this test says so."""

from __future__ import annotations

import pytest
from django.db import connection

NARROW = ["project_id", "status", "billable", "work_date"]
COVERING = [*NARROW, "task_id", "role_id", "bill_rate", "billable_minutes", "bill_amount_minor"]


def _columns() -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM pragma_index_info('timeentry_project_figures') ORDER BY seqno")
        else:
            cursor.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)"
                " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
                " WHERE c.relname = 'timeentry_project_figures' ORDER BY k.n"
            )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_the_project_index_covers_the_invoice_run_on_sqlite_only() -> None:
    assert _columns() == (COVERING if connection.vendor == "sqlite" else NARROW)
