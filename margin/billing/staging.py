"""An invoice run's unbilled time, read once on PostgreSQL.

The run groups the plain contracts' unbilled entries to price the lines, then links each entry to its line.
Reading the entries twice (each time anti-joined with billed time and holds) was two thirds of a run's reads;
here the entries are copied once into a temporary table dropped at the commit: the grouping reads the copy,
and the linking joins the copy with the new lines, with no second look at billed time. The copy is taken
inside the run's transaction after its contracts are locked, so it is what the run priced; the primary key of
billed time still refuses a second billing. SQLite reads its covering index instead (ADR 0024).
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet

from margin.billing.models import BilledTime, InvoiceLine, LineKind
from margin.billing.queries import line_groups
from margin.billing.rules import LineGroup
from margin.core.errors import Conflict
from margin.timesheets.models import TimeEntry

STAGE = "margin_unbilled_time"
_COLUMNS = ("id", "project_id", "task_id", "role_id", "bill_rate", "billable_minutes", "bill_amount_minor")

# Plain equalities, once for time on a task and once without one (a NULL-safe comparison cannot be hashed).
_LINK = """
    INSERT INTO {billed} (time_entry_id, line_id)
    SELECT s.id, l.id FROM {stage} s
    JOIN {line} l ON l.project_id = s.project_id AND {task_match}
        AND l.role_id = s.role_id AND l.hourly_rate = s.bill_rate
    WHERE l.invoice_id IN ({invoice_ids}) AND l.kind = %s
"""
_ON_A_TASK = "l.task_id = s.task_id"
_WITHOUT_TASK = "l.task_id IS NULL AND s.task_id IS NULL"


def stage_and_group(entries: QuerySet[TimeEntry]) -> dict[int, list[LineGroup]]:
    """Copy the entries into the stage (inside the caller's transaction) and group the copy."""
    sql, params = entries.values_list(*_COLUMNS).order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} ON COMMIT DROP AS {sql}", params)
        cursor.execute(
            "SELECT project_id, task_id, role_id, bill_rate, SUM(billable_minutes), SUM(bill_amount_minor), "
            f"COUNT(*) FROM {STAGE} GROUP BY 1, 2, 3, 4"
        )
        rows = cursor.fetchall()
    return line_groups(rows)


def link_staged(invoice_ids: list[int], up_to: date) -> int:
    """Link the staged entries to the time lines of the new invoices; returns how many were linked."""
    del up_to  # the stage holds only entries up to the run's date (the same signature as the SQLite link)
    taken = 0
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for task_match in (_ON_A_TASK, _WITHOUT_TASK):
                cursor.execute(
                    _LINK.format(
                        billed=BilledTime._meta.db_table,
                        stage=STAGE,
                        line=InvoiceLine._meta.db_table,
                        task_match=task_match,
                        invoice_ids=", ".join(["%s"] * len(invoice_ids)),
                    ),
                    [*invoice_ids, LineKind.TIME],
                )
                taken += int(cursor.rowcount)
            cursor.execute(f"DROP TABLE {STAGE}")
    except IntegrityError:
        raise Conflict("Some of this time was invoiced at the same moment by someone else; try again.") from None
    return taken
