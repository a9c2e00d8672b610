"""Billed time's frozen columns include its billable minutes and category (timesheets 0005).

Adding those columns rebuilt timesheets_timeentry on SQLite, which drops its triggers: every trigger of
0004 is created again here, with the billed-entry trigger now also guarding `billable_minutes` (what the
invoice billed) and `category`.
"""

import importlib

from django.db import migrations

frozen = importlib.import_module("margin.billing.migrations.0004_billed_time_is_frozen")

COLUMNS_CHANGE = """(NEW.minutes <> OLD.minutes OR NEW.bill_amount_minor <> OLD.bill_amount_minor
               OR NEW.status <> OLD.status OR NEW.work_date <> OLD.work_date OR NEW.project_id <> OLD.project_id
               OR NEW.billable <> OLD.billable OR NEW.billable_minutes <> OLD.billable_minutes
               OR NEW.category <> OLD.category)"""


def _sqlite(entry_columns: str) -> dict[str, str]:
    triggers = dict(frozen.SQLITE_TRIGGERS)
    triggers["timesheets_timeentry_billed_frozen"] = f"""BEFORE UPDATE ON timesheets_timeentry
        WHEN {entry_columns} AND {frozen.ENTRY_BILLED_ON_ISSUED}
        BEGIN SELECT RAISE(ABORT, '{frozen.FROZEN}'); END"""
    return triggers


def _entry_function(entry_columns: str) -> str:
    return f"""
        BEGIN
          IF {entry_columns} AND {frozen.ENTRY_BILLED_ON_ISSUED}
          THEN RAISE EXCEPTION '{frozen.FROZEN}'; END IF;
          RETURN NEW;
        END"""


def _install(schema_editor, entry_columns: str) -> None:  # type: ignore[no-untyped-def]
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        run(
            "CREATE OR REPLACE FUNCTION margin_timeentry_billed_frozen() RETURNS trigger LANGUAGE plpgsql "
            f"AS $${_entry_function(entry_columns)}$$"
        )
    else:
        for name, body in _sqlite(entry_columns).items():
            run(f"DROP TRIGGER IF EXISTS {name}")
            run(f"CREATE TRIGGER {name} {body}")


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    _install(schema_editor, COLUMNS_CHANGE)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    _install(schema_editor, frozen.ENTRY_BILLED_COLUMNS_CHANGE)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_billed_expenses"),
        ("timesheets", "0005_billable_minutes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
