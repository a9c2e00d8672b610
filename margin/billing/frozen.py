"""The database's guard on issued documents (ARCHITECTURE §4, ADR 0007, ADR 0020).

An issued invoice or credit note never changes: its lines, its billed time, expenses, instalments and
retainer periods, and the billed columns of the time and expenses it took. Only what happens to it
afterwards may be written: when it was sent and to whom, how much was paid and credited, when a reminder
went out. The actions already keep to this; the triggers make it hold for any code path.

Migrations import this module to (re)install the whole set, so it is complete whatever an earlier
SQLite table rebuild dropped. Deletes are left to the actions on SQLite: Django's test flush empties
tables with DELETE there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

FROZEN = "issued invoices are immutable"

# Every column of billing_invoice an issued document may never change. Not here: the after-issue facts
# (sent_at, sent_to, paid_minor, credited_minor, reminded_at) and the users (set to NULL when deleted).
INVOICE_FROZEN_COLUMNS = [
    "organisation_id",
    "company_id",
    "client_id",
    "contract_id",
    "project_id",
    "kind",
    "credited_invoice_id",
    "reason",
    "currency",
    "company_currency",
    "exchange_rate",
    "exchange_rate_date",
    "tax_rounding",
    "buyer_reference",
    "note",
    "status",
    "period_end",
    "number",
    "issue_date",
    "due_date",
    "net_minor",
    "tax_minor",
    "total_minor",
    "total_minutes",
    "parties",
    "created_at",
    "issued_at",
]

LINE_ISSUED = """(SELECT i.status FROM billing_invoiceline l JOIN billing_invoice i ON i.id = l.invoice_id
                  WHERE l.id = {line}) = 'issued'"""
INVOICE_ISSUED = "(SELECT status FROM billing_invoice WHERE id = {invoice}) = 'issued'"
ENTRY_BILLED_ON_ISSUED = """EXISTS (SELECT 1 FROM billing_billedtime b
               JOIN billing_invoiceline l ON l.id = b.line_id JOIN billing_invoice i ON i.id = l.invoice_id
               WHERE b.time_entry_id = OLD.id AND i.status = 'issued')"""
ENTRY_BILLED_COLUMNS_CHANGE = """(NEW.minutes <> OLD.minutes OR NEW.bill_amount_minor <> OLD.bill_amount_minor
               OR NEW.status <> OLD.status OR NEW.work_date <> OLD.work_date OR NEW.project_id <> OLD.project_id
               OR NEW.billable <> OLD.billable OR NEW.billable_minutes <> OLD.billable_minutes
               OR NEW.category <> OLD.category)"""
EXPENSE_BILLED_ON_ISSUED = """EXISTS (SELECT 1 FROM billing_billedexpense b
               JOIN billing_invoiceline l ON l.id = b.line_id JOIN billing_invoice i ON i.id = l.invoice_id
               WHERE b.expense_line_id = OLD.id AND i.status = 'issued')"""
EXPENSE_BILLED_COLUMNS_CHANGE = """(NEW.bill_amount_minor <> OLD.bill_amount_minor OR NEW.billable <> OLD.billable
               OR NEW.date <> OLD.date OR NEW.project_id <> OLD.project_id OR NEW.bill_currency <> OLD.bill_currency)"""

# Tables whose rows point at an invoice line and are frozen with it (the line's invoice issued).
LINKED_TO_LINE = ("billing_billedtime", "billing_billedexpense", "billing_billedinstalment", "billing_billedperiod")
LINKED_TO_INVOICE = ("billing_invoiceline", "billing_invoicetaxrow")


def _changed(op: str, columns: Sequence[str] = INVOICE_FROZEN_COLUMNS) -> str:
    return " OR ".join(f"NEW.{c} {op} OLD.{c}" for c in columns)


def sqlite_triggers(columns: Sequence[str] = INVOICE_FROZEN_COLUMNS) -> dict[str, str]:
    triggers = {
        "billing_invoice_frozen": f"""BEFORE UPDATE ON billing_invoice
            WHEN OLD.status = 'issued' AND ({_changed("IS NOT", columns)})
            BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
        "timesheets_timeentry_billed_frozen": f"""BEFORE UPDATE ON timesheets_timeentry
            WHEN {ENTRY_BILLED_COLUMNS_CHANGE} AND {ENTRY_BILLED_ON_ISSUED}
            BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
        "expenses_expenseline_billed_frozen": f"""BEFORE UPDATE ON expenses_expenseline
            WHEN {EXPENSE_BILLED_COLUMNS_CHANGE} AND {EXPENSE_BILLED_ON_ISSUED}
            BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
    }
    for table in LINKED_TO_INVOICE:
        for event, row in (("insert", "NEW"), ("update", "OLD")):
            triggers[f"{table}_frozen_{event}"] = f"""BEFORE {event.upper()} ON {table}
                WHEN {INVOICE_ISSUED.format(invoice=f"{row}.invoice_id")}
                BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END"""
    for table in LINKED_TO_LINE:
        for event, row in (("insert", "NEW"), ("update", "OLD")):
            triggers[f"{table}_frozen_{event}"] = f"""BEFORE {event.upper()} ON {table}
                WHEN {LINE_ISSUED.format(line=f"{row}.line_id")}
                BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END"""
    return triggers


def _row_function(issued: str) -> str:
    return f"""
        BEGIN
          IF {issued} THEN RAISE EXCEPTION '{FROZEN}'; END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END"""


def _row(column: str) -> str:
    return f"CASE WHEN TG_OP = 'INSERT' THEN NEW.{column} ELSE OLD.{column} END"


def _invoice_function(columns: Sequence[str]) -> str:
    return f"""
        BEGIN
          IF OLD.status = 'issued' AND ({_changed("IS DISTINCT FROM", columns)})
          THEN RAISE EXCEPTION '{FROZEN}'; END IF;
          RETURN NEW;
        END"""


POSTGRES_FUNCTIONS = {
    "margin_invoice_child_frozen": _row_function(INVOICE_ISSUED.format(invoice=_row("invoice_id"))),
    "margin_line_child_frozen": _row_function(LINE_ISSUED.format(line=_row("line_id"))),
    # Statement-level for billed time: one check per INSERT … SELECT of a thousand rows. A link may go
    # only when an issued credit note took that time back from that line (billing_creditedtime).
    "margin_billedtime_frozen": f"""
        BEGIN
          IF EXISTS (SELECT 1 FROM changed_rows b JOIN billing_invoiceline l ON l.id = b.line_id
                     JOIN billing_invoice i ON i.id = l.invoice_id WHERE i.status = 'issued'
                     AND NOT (TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM billing_creditedtime c
                              WHERE c.time_entry_id = b.time_entry_id AND c.original_line_id = b.line_id)))
          THEN RAISE EXCEPTION '{FROZEN}'; END IF;
          RETURN NULL;
        END""",
    "margin_billedexpense_frozen": f"""
        BEGIN
          IF {LINE_ISSUED.format(line=_row("line_id"))}
             AND NOT (TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM billing_creditedexpense c
                      WHERE c.expense_line_id = OLD.expense_line_id AND c.original_line_id = OLD.line_id))
          THEN RAISE EXCEPTION '{FROZEN}'; END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END""",
    # A fixed-fee instalment or a retainer period may leave an issued invoice's line only when an issued
    # credit note took it back in full from that line (billing_creditedinstalment, billing_creditedperiod).
    "margin_billedinstalment_frozen": _row_function(
        f"""{LINE_ISSUED.format(line=_row("line_id"))}
             AND NOT (TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM billing_creditedinstalment c
                      WHERE c.instalment_id = OLD.instalment_id AND c.original_line_id = OLD.line_id))"""
    ),
    "margin_billedperiod_frozen": _row_function(
        f"""{LINE_ISSUED.format(line=_row("line_id"))}
             AND NOT (TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM billing_creditedperiod c
                      WHERE c.billing_line_id = OLD.billing_line_id AND c.period_start = OLD.period_start
                      AND c.part = OLD.part AND c.original_line_id = OLD.line_id))"""
    ),
    "margin_timeentry_billed_frozen": f"""
        BEGIN
          IF {ENTRY_BILLED_COLUMNS_CHANGE} AND {ENTRY_BILLED_ON_ISSUED}
          THEN RAISE EXCEPTION '{FROZEN}'; END IF;
          RETURN NEW;
        END""",
    "margin_expenseline_billed_frozen": f"""
        BEGIN
          IF {EXPENSE_BILLED_COLUMNS_CHANGE} AND {EXPENSE_BILLED_ON_ISSUED}
          THEN RAISE EXCEPTION '{FROZEN}'; END IF;
          RETURN NEW;
        END""",
}


def postgres_triggers() -> dict[str, tuple[str, str, str, str]]:
    """name: (table, when and how, scope, function)."""
    triggers = {
        "billing_invoice_frozen": ("billing_invoice", "BEFORE UPDATE", "FOR EACH ROW", "margin_invoice_frozen"),
        "timesheets_timeentry_billed_frozen": (
            "timesheets_timeentry",
            "BEFORE UPDATE",
            "FOR EACH ROW",
            "margin_timeentry_billed_frozen",
        ),
        "expenses_expenseline_billed_frozen": (
            "expenses_expenseline",
            "BEFORE UPDATE",
            "FOR EACH ROW",
            "margin_expenseline_billed_frozen",
        ),
    }
    for table in LINKED_TO_INVOICE:
        triggers[f"{table}_frozen"] = (table, "BEFORE INSERT OR UPDATE", "FOR EACH ROW", "margin_invoice_child_frozen")
    for table in LINKED_TO_LINE:
        if table == "billing_billedexpense":
            triggers[f"{table}_frozen"] = (
                table,
                "BEFORE INSERT OR UPDATE OR DELETE",
                "FOR EACH ROW",
                "margin_billedexpense_frozen",
            )
        elif table == "billing_billedtime":
            for event, which in (("insert", "NEW"), ("update", "OLD"), ("delete", "OLD")):
                triggers[f"{table}_frozen_{event}"] = (
                    table,
                    f"AFTER {event.upper()}",
                    f"REFERENCING {which} TABLE AS changed_rows FOR EACH STATEMENT",
                    "margin_billedtime_frozen",
                )
        else:
            credited = {
                "billing_billedinstalment": "margin_billedinstalment_frozen",
                "billing_billedperiod": "margin_billedperiod_frozen",
            }
            triggers[f"{table}_frozen"] = (
                table,
                "BEFORE INSERT OR UPDATE OR DELETE",
                "FOR EACH ROW",
                credited.get(table, "margin_line_child_frozen"),
            )
    return triggers


# Names earlier migrations used that this set no longer does.
OLD_POSTGRES = {
    "billing_invoiceline_frozen": "billing_invoiceline",
    "billing_billedexpense_frozen": "billing_billedexpense",
}
OLD_SQLITE = ("billing_billedexpense_frozen_insert", "billing_billedexpense_frozen_update")


def drop_all(schema_editor: Any) -> None:
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name, (table, *_how) in postgres_triggers().items():
            run(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name, table in OLD_POSTGRES.items():
            run(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    else:
        for name in (*sqlite_triggers(), *OLD_SQLITE):
            run(f"DROP TRIGGER IF EXISTS {name}")


def _existing(schema_editor: Any) -> list[str]:
    """The frozen columns the invoice table has at this point of its migrations (an earlier migration
    installs the guards before a later one adds a column)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        names = {c.name for c in connection.introspection.get_table_description(cursor, "billing_invoice")}
    return [c for c in INVOICE_FROZEN_COLUMNS if c in names]


def install_all(schema_editor: Any) -> None:
    drop_all(schema_editor)
    run = schema_editor.execute
    columns = _existing(schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        functions = {"margin_invoice_frozen": _invoice_function(columns), **POSTGRES_FUNCTIONS}
        for name, body in functions.items():
            run(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
        for name, (table, events, scope, function) in postgres_triggers().items():
            run(f"CREATE TRIGGER {name} {events} ON {table} {scope} EXECUTE FUNCTION {function}()")
    else:
        for name, body in sqlite_triggers(columns).items():
            run(f"CREATE TRIGGER {name} {body}")
