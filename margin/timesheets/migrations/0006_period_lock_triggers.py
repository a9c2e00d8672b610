"""Period close in the database too: time dated on or before a company's standing lock date cannot be
inserted, changed or (PostgreSQL) deleted, whatever code path or race got past the actions' check
(`timesheets.actions.check_period_open`). Changes to `billable_minutes` and `category` only are let
through (recomputed by billing increments); the actions refuse those too for user edits.

SQLite rebuilds a table for some schema changes and drops its triggers with it: a later migration
that rebuilds timesheets_timeentry must create these triggers again (the test in
margin/timesheets/tests/test_period_triggers.py fails if they are missing).
"""

from django.db import migrations

CLOSED = "period closed: time dated on or before the lock date cannot change"
LOCKED = """EXISTS (SELECT 1 FROM timesheets_periodlock l WHERE l.company_id = {row}.company_id
               AND l.reopened_at IS NULL AND l.through >= {row}.work_date)"""
CHANGED = """(NEW.minutes <> OLD.minutes OR NEW.work_date <> OLD.work_date OR NEW.project_id <> OLD.project_id
               OR NEW.person_id <> OLD.person_id OR NEW.billable <> OLD.billable OR NEW.status <> OLD.status
               OR NEW.note <> OLD.note OR NEW.company_id <> OLD.company_id
               OR NEW.bill_amount_minor <> OLD.bill_amount_minor OR NEW.cost_amount_minor <> OLD.cost_amount_minor
               OR COALESCE(NEW.task_id, 0) <> COALESCE(OLD.task_id, 0))"""

SQLITE_TRIGGERS = {
    "timesheets_timeentry_closed_insert": f"""BEFORE INSERT ON timesheets_timeentry
        WHEN {LOCKED.format(row="NEW")}
        BEGIN SELECT RAISE(ABORT, '{CLOSED}'); END""",
    "timesheets_timeentry_closed_update": f"""BEFORE UPDATE ON timesheets_timeentry
        WHEN {CHANGED} AND ({LOCKED.format(row="OLD")} OR {LOCKED.format(row="NEW")})
        BEGIN SELECT RAISE(ABORT, '{CLOSED}'); END""",
}
# Deletes are left to the actions on SQLite: Django's test flush empties tables with DELETE there.

POSTGRES_FUNCTIONS = {
    # Statement-level on inserts and deletes: one check per COPY of 100,000 imported rows.
    "margin_timeentry_closed_rows": f"""
        BEGIN
          IF EXISTS (SELECT 1 FROM changed_rows n JOIN timesheets_periodlock l
                     ON l.company_id = n.company_id AND l.reopened_at IS NULL AND l.through >= n.work_date)
          THEN RAISE EXCEPTION '{CLOSED}'; END IF;
          RETURN NULL;
        END""",
    "margin_timeentry_closed_update": f"""
        BEGIN
          IF {CHANGED} AND ({LOCKED.format(row="OLD")} OR {LOCKED.format(row="NEW")})
          THEN RAISE EXCEPTION '{CLOSED}'; END IF;
          RETURN NEW;
        END""",
}
POSTGRES_TRIGGERS = {
    "timesheets_timeentry_closed_insert": (
        "AFTER INSERT",
        "REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT",
        "margin_timeentry_closed_rows",
    ),
    "timesheets_timeentry_closed_delete": (
        "AFTER DELETE",
        "REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT",
        "margin_timeentry_closed_rows",
    ),
    "timesheets_timeentry_closed_update": ("BEFORE UPDATE", "FOR EACH ROW", "margin_timeentry_closed_update"),
}


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name, body in POSTGRES_FUNCTIONS.items():
            run(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
        for name, (events, scope, function) in POSTGRES_TRIGGERS.items():
            run(f"DROP TRIGGER IF EXISTS {name} ON timesheets_timeentry")
            run(f"CREATE TRIGGER {name} {events} ON timesheets_timeentry {scope} EXECUTE FUNCTION {function}()")
    else:
        for name, body in SQLITE_TRIGGERS.items():
            run(f"DROP TRIGGER IF EXISTS {name}")
            run(f"CREATE TRIGGER {name} {body}")


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name in POSTGRES_TRIGGERS:
            run(f"DROP TRIGGER IF EXISTS {name} ON timesheets_timeentry")
        for name in POSTGRES_FUNCTIONS:
            run(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            run(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("timesheets", "0005_billable_minutes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
