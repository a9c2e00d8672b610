"""The period-close guards of time read the company's lock date (`accounts_company.locked_through`, ADR 0028)
instead of the standing locks; the lock history (`PeriodLock`) moves to the `closing` app with its table.

One column read per row instead of a search of the locks. The triggers keep their names and their rules
(migration 0006; on SQLite the insert guard stands aside during a bulk import, migration 0011 and
`timesheets.bulk`, which now holds the new text). The PeriodLock model leaves this app's state only: its
table is renamed by migration closing/0001, which depends on this one.

SQLite rebuilds a table for some schema changes and drops its triggers with it, and refuses to rename a table
that a trigger of another table names: a later migration that rebuilds accounts_company must drop these
triggers first and create them again after.
"""

import importlib

from django.db import migrations

from margin.timesheets import bulk

before = importlib.import_module("margin.timesheets.migrations.0006_period_lock_triggers")
# The insert guard's test as migrations 0006 and 0011 had it (read from the standing locks), for going back.
LOCKED_BEFORE = before.LOCKED.format(row="NEW")

CLOSED = "period closed: time dated on or before the lock date cannot change"
LOCKED = """EXISTS (SELECT 1 FROM accounts_company c WHERE c.id = {row}.company_id
               AND c.locked_through >= {row}.work_date)"""
CHANGED = """(NEW.minutes <> OLD.minutes OR NEW.work_date <> OLD.work_date OR NEW.project_id <> OLD.project_id
               OR NEW.person_id <> OLD.person_id OR NEW.billable <> OLD.billable OR NEW.status <> OLD.status
               OR NEW.note <> OLD.note OR NEW.company_id <> OLD.company_id
               OR NEW.bill_amount_minor <> OLD.bill_amount_minor OR NEW.cost_amount_minor <> OLD.cost_amount_minor
               OR COALESCE(NEW.task_id, 0) <> COALESCE(OLD.task_id, 0))"""

SQLITE_UPDATE = f"""BEFORE UPDATE ON timesheets_timeentry
        WHEN {CHANGED} AND ({LOCKED.format(row="OLD")} OR {LOCKED.format(row="NEW")})
        BEGIN SELECT RAISE(ABORT, '{CLOSED}'); END"""

POSTGRES_FUNCTIONS = {
    "margin_timeentry_closed_rows": f"""
        BEGIN
          IF EXISTS (SELECT 1 FROM changed_rows n JOIN accounts_company c
                     ON c.id = n.company_id AND c.locked_through >= n.work_date)
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


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        # The triggers of 0006 call these functions by name: replacing the bodies is enough.
        for name, body in POSTGRES_FUNCTIONS.items():
            run(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
    else:
        run("DROP TRIGGER IF EXISTS timesheets_timeentry_closed_update")
        run(f"CREATE TRIGGER timesheets_timeentry_closed_update {SQLITE_UPDATE}")
        bulk.install(schema_editor)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The guards of 0006 and 0011 again, reading `timesheets_periodlock` (renamed back by closing/0001)."""
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name, body in before.POSTGRES_FUNCTIONS.items():
            run(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
    else:
        name = "timesheets_timeentry_closed_update"
        run(f"DROP TRIGGER IF EXISTS {name}")
        run(f"CREATE TRIGGER {name} {before.SQLITE_TRIGGERS[name]}")
        bulk.install(schema_editor, locked=LOCKED_BEFORE)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_company_locked_through"),
        ("timesheets", "0011_bulk_inserts_on_sqlite"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="PeriodLock")]),
    ]
