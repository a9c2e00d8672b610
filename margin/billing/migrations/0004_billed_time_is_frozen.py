"""The immutability triggers of 0002, rewritten for billed time in its own table (ADR 0007).

Issued invoices, their lines, their billed-time rows and the billed columns of their time entries
cannot change. Every trigger is dropped and created again here, so the set is complete whatever
SQLite's table rebuilds in earlier migrations dropped.
"""

from django.db import migrations

FROZEN = "issued invoices are immutable"
LINE_ISSUED = """(SELECT i.status FROM billing_invoiceline l JOIN billing_invoice i ON i.id = l.invoice_id
                  WHERE l.id = {line}) = 'issued'"""
ENTRY_BILLED_ON_ISSUED = """EXISTS (SELECT 1 FROM billing_billedtime b
               JOIN billing_invoiceline l ON l.id = b.line_id JOIN billing_invoice i ON i.id = l.invoice_id
               WHERE b.time_entry_id = OLD.id AND i.status = 'issued')"""
ENTRY_BILLED_COLUMNS_CHANGE = """(NEW.minutes <> OLD.minutes OR NEW.bill_amount_minor <> OLD.bill_amount_minor
               OR NEW.status <> OLD.status OR NEW.work_date <> OLD.work_date OR NEW.project_id <> OLD.project_id
               OR NEW.billable <> OLD.billable)"""

SQLITE_TRIGGERS = {
    "billing_invoice_frozen": f"""BEFORE UPDATE ON billing_invoice WHEN OLD.status = 'issued'
        BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
    "billing_invoiceline_frozen_insert": f"""BEFORE INSERT ON billing_invoiceline
        WHEN (SELECT status FROM billing_invoice WHERE id = NEW.invoice_id) = 'issued'
        BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
    "billing_invoiceline_frozen_update": f"""BEFORE UPDATE ON billing_invoiceline
        WHEN (SELECT status FROM billing_invoice WHERE id = OLD.invoice_id) = 'issued'
        BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
    "billing_billedtime_frozen_insert": f"""BEFORE INSERT ON billing_billedtime
        WHEN {LINE_ISSUED.format(line="NEW.line_id")}
        BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
    "billing_billedtime_frozen_update": f"""BEFORE UPDATE ON billing_billedtime
        WHEN {LINE_ISSUED.format(line="OLD.line_id")}
        BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
    "timesheets_timeentry_billed_frozen": f"""BEFORE UPDATE ON timesheets_timeentry
        WHEN {ENTRY_BILLED_COLUMNS_CHANGE} AND {ENTRY_BILLED_ON_ISSUED}
        BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
}
# Deletes are left to the actions on SQLite: Django's test flush empties tables with DELETE there.

POSTGRES_FUNCTIONS = {
    "margin_invoice_frozen": f"""
        BEGIN
          IF OLD.status = 'issued' THEN RAISE EXCEPTION '{FROZEN}'; END IF;
          RETURN NEW;
        END""",
    "margin_invoiceline_frozen": f"""
        BEGIN
          IF (SELECT status FROM billing_invoice
              WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.invoice_id ELSE OLD.invoice_id END) = 'issued'
          THEN RAISE EXCEPTION '{FROZEN}'; END IF;
          RETURN NEW;
        END""",
    # Statement-level: one check per INSERT … SELECT of a thousand rows, not a thousand checks.
    "margin_billedtime_frozen": f"""
        BEGIN
          IF EXISTS (SELECT 1 FROM changed_rows b JOIN billing_invoiceline l ON l.id = b.line_id
                     JOIN billing_invoice i ON i.id = l.invoice_id WHERE i.status = 'issued')
          THEN RAISE EXCEPTION '{FROZEN}'; END IF;
          RETURN NULL;
        END""",
    "margin_timeentry_billed_frozen": f"""
        BEGIN
          IF {ENTRY_BILLED_COLUMNS_CHANGE} AND {ENTRY_BILLED_ON_ISSUED}
          THEN RAISE EXCEPTION '{FROZEN}'; END IF;
          RETURN NEW;
        END""",
}
POSTGRES_TRIGGERS = {
    # name: (table, when and how, function)
    "billing_invoice_frozen": ("billing_invoice", "BEFORE UPDATE", "FOR EACH ROW", "margin_invoice_frozen"),
    "billing_invoiceline_frozen": (
        "billing_invoiceline",
        "BEFORE INSERT OR UPDATE",
        "FOR EACH ROW",
        "margin_invoiceline_frozen",
    ),
    # Transition tables allow one event per trigger: rows added, rows changed (as they were), rows removed.
    "billing_billedtime_frozen_insert": (
        "billing_billedtime",
        "AFTER INSERT",
        "REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT",
        "margin_billedtime_frozen",
    ),
    "billing_billedtime_frozen_update": (
        "billing_billedtime",
        "AFTER UPDATE",
        "REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT",
        "margin_billedtime_frozen",
    ),
    "billing_billedtime_frozen_delete": (
        "billing_billedtime",
        "AFTER DELETE",
        "REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT",
        "margin_billedtime_frozen",
    ),
    "timesheets_timeentry_billed_frozen": (
        "timesheets_timeentry",
        "BEFORE UPDATE",
        "FOR EACH ROW",
        "margin_timeentry_billed_frozen",
    ),
}


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name, body in POSTGRES_FUNCTIONS.items():
            run(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
        for name, (table, events, scope, function) in POSTGRES_TRIGGERS.items():
            run(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            run(f"CREATE TRIGGER {name} {events} ON {table} {scope} EXECUTE FUNCTION {function}()")
    else:
        for name, body in SQLITE_TRIGGERS.items():
            run(f"DROP TRIGGER IF EXISTS {name}")
            run(f"CREATE TRIGGER {name} {body}")


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name, (table, *_how) in POSTGRES_TRIGGERS.items():
            run(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    else:
        for name in SQLITE_TRIGGERS:
            run(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_billed_time_table"),
        ("timesheets", "0002_billing_moves_to_billed_time"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
