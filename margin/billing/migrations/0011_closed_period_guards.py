"""Period close in the database for invoices and credit notes (ADR 0028): a document dated (issued) on or before
its company's lock date cannot be inserted as issued, issued, moved into or out of the closed period, changed
in its amount or company, or (PostgreSQL) deleted, whatever code path got past the actions' check
(`billing.actions.invoice_issue`). Drafts are not in the books and stay free. What happens to an issued
document later (sent, paid, credited, reminded) is not a change to the closed period and stays allowed;
`frozen` guards the rest of an issued document already.

SQLite rebuilds a table for some schema changes and drops its triggers with it: a later migration that rebuilds
billing_invoice must create these triggers again (margin/closing/tests/test_guards.py fails if they are missing).
"""

from django.db import migrations

CLOSED = "period closed: invoices and credit notes dated on or before the lock date cannot change"
LOCKED = """EXISTS (SELECT 1 FROM accounts_company c WHERE c.id = {row}.company_id
               AND c.locked_through >= {row}.issue_date)"""
MOVED = """(NEW.status <> OLD.status OR NEW.issue_date <> OLD.issue_date OR NEW.company_id <> OLD.company_id
               OR NEW.total_minor <> OLD.total_minor OR NEW.net_minor <> OLD.net_minor)"""
CHANGED = f"""(NEW.status = 'issued' AND {LOCKED.format(row="NEW")} AND (OLD.status <> 'issued' OR {MOVED}))
        OR (OLD.status = 'issued' AND {LOCKED.format(row="OLD")} AND {MOVED})"""

SQLITE_TRIGGERS = {
    "billing_invoice_closed_insert": f"""BEFORE INSERT ON billing_invoice
        WHEN NEW.status = 'issued' AND {LOCKED.format(row="NEW")}
        BEGIN SELECT RAISE(ABORT, '{CLOSED}'); END""",
    "billing_invoice_closed_update": f"""BEFORE UPDATE ON billing_invoice
        WHEN {CHANGED}
        BEGIN SELECT RAISE(ABORT, '{CLOSED}'); END""",
}
# Deletes are left to the actions on SQLite: Django's test flush empties tables with DELETE there.

POSTGRES_FUNCTIONS = {
    "margin_invoice_closed_insert": f"""
        BEGIN
          IF NEW.status = 'issued' AND {LOCKED.format(row="NEW")} THEN RAISE EXCEPTION '{CLOSED}'; END IF;
          RETURN NEW;
        END""",
    "margin_invoice_closed_update": f"""
        BEGIN
          IF {CHANGED} THEN RAISE EXCEPTION '{CLOSED}'; END IF;
          RETURN NEW;
        END""",
    "margin_invoice_closed_delete": f"""
        BEGIN
          IF OLD.status = 'issued' AND {LOCKED.format(row="OLD")} THEN RAISE EXCEPTION '{CLOSED}'; END IF;
          RETURN OLD;
        END""",
}
POSTGRES_TRIGGERS = {
    "billing_invoice_closed_insert": ("BEFORE INSERT", "margin_invoice_closed_insert"),
    "billing_invoice_closed_update": ("BEFORE UPDATE", "margin_invoice_closed_update"),
    "billing_invoice_closed_delete": ("BEFORE DELETE", "margin_invoice_closed_delete"),
}


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name, body in POSTGRES_FUNCTIONS.items():
            run(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
        for name, (events, function) in POSTGRES_TRIGGERS.items():
            run(f"DROP TRIGGER IF EXISTS {name} ON billing_invoice")
            run(f"CREATE TRIGGER {name} {events} ON billing_invoice FOR EACH ROW EXECUTE FUNCTION {function}()")
    else:
        for name, body in SQLITE_TRIGGERS.items():
            run(f"DROP TRIGGER IF EXISTS {name}")
            run(f"CREATE TRIGGER {name} {body}")


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name in POSTGRES_TRIGGERS:
            run(f"DROP TRIGGER IF EXISTS {name} ON billing_invoice")
        for name in POSTGRES_FUNCTIONS:
            run(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            run(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_company_locked_through"),
        ("billing", "0010_credited_instalments_and_periods"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
