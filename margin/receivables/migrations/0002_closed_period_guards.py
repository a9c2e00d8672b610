"""Period close in the database for payments (ADR 0028): a payment received on or before its company's lock
date cannot be inserted, changed in what it is worth, when, whose or for which company, or (PostgreSQL)
deleted, whatever code path got past the actions' check (`receivables.actions`). Its note and reference may
still be corrected, and allocating it to invoices stays allowed (the allocation is not dated).

SQLite rebuilds a table for some schema changes and drops its triggers with it: a later migration that rebuilds
receivables_payment must create these triggers again (margin/closing/tests/test_guards.py fails if they are
missing).
"""

from django.db import migrations

CLOSED = "period closed: payments received on or before the lock date cannot change"
LOCKED = """EXISTS (SELECT 1 FROM accounts_company c WHERE c.id = {row}.company_id
               AND c.locked_through >= {row}.received_on)"""
CHANGED = """(NEW.received_on <> OLD.received_on OR NEW.amount_minor <> OLD.amount_minor
               OR NEW.bank_charges_minor <> OLD.bank_charges_minor OR NEW.currency <> OLD.currency
               OR NEW.client_id <> OLD.client_id OR NEW.company_id <> OLD.company_id)"""

SQLITE_TRIGGERS = {
    "receivables_payment_closed_insert": f"""BEFORE INSERT ON receivables_payment
        WHEN {LOCKED.format(row="NEW")}
        BEGIN SELECT RAISE(ABORT, '{CLOSED}'); END""",
    "receivables_payment_closed_update": f"""BEFORE UPDATE ON receivables_payment
        WHEN {CHANGED} AND ({LOCKED.format(row="OLD")} OR {LOCKED.format(row="NEW")})
        BEGIN SELECT RAISE(ABORT, '{CLOSED}'); END""",
}
# Deletes are left to the actions on SQLite: Django's test flush empties tables with DELETE there.

POSTGRES_FUNCTIONS = {
    "margin_payment_closed_insert": f"""
        BEGIN
          IF {LOCKED.format(row="NEW")} THEN RAISE EXCEPTION '{CLOSED}'; END IF;
          RETURN NEW;
        END""",
    "margin_payment_closed_update": f"""
        BEGIN
          IF {CHANGED} AND ({LOCKED.format(row="OLD")} OR {LOCKED.format(row="NEW")})
          THEN RAISE EXCEPTION '{CLOSED}'; END IF;
          RETURN NEW;
        END""",
    "margin_payment_closed_delete": f"""
        BEGIN
          IF {LOCKED.format(row="OLD")} THEN RAISE EXCEPTION '{CLOSED}'; END IF;
          RETURN OLD;
        END""",
}
POSTGRES_TRIGGERS = {
    "receivables_payment_closed_insert": ("BEFORE INSERT", "margin_payment_closed_insert"),
    "receivables_payment_closed_update": ("BEFORE UPDATE", "margin_payment_closed_update"),
    "receivables_payment_closed_delete": ("BEFORE DELETE", "margin_payment_closed_delete"),
}


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name, body in POSTGRES_FUNCTIONS.items():
            run(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
        for name, (events, function) in POSTGRES_TRIGGERS.items():
            run(f"DROP TRIGGER IF EXISTS {name} ON receivables_payment")
            run(f"CREATE TRIGGER {name} {events} ON receivables_payment FOR EACH ROW EXECUTE FUNCTION {function}()")
    else:
        for name, body in SQLITE_TRIGGERS.items():
            run(f"DROP TRIGGER IF EXISTS {name}")
            run(f"CREATE TRIGGER {name} {body}")


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name in POSTGRES_TRIGGERS:
            run(f"DROP TRIGGER IF EXISTS {name} ON receivables_payment")
        for name in POSTGRES_FUNCTIONS:
            run(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            run(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_company_locked_through"),
        ("receivables", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
