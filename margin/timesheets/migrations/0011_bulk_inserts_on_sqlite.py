"""On SQLite, the per-row insert triggers of time stand aside during a bulk import (ADR 0027).

`timesheets.bulk` keeps the flag table and the triggers' text: the period-close guard and the running totals
fire only while `timesheets_bulkwrite` is empty, which it is for every statement but those of a bulk import,
which does their work set-based before its transaction ends. Nothing changes on PostgreSQL.
"""

import importlib

from django.db import migrations

from margin.timesheets import bulk

# The closed-period test as it was then (the standing locks; 0012 moves it to the company's lock date).
LOCKED = importlib.import_module("margin.timesheets.migrations.0006_period_lock_triggers").LOCKED.format(row="NEW")


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    bulk.install(schema_editor, locked=LOCKED)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    bulk.uninstall(schema_editor, locked=LOCKED)


class Migration(migrations.Migration):
    dependencies = [("timesheets", "0010_entry_references_by_statement")]

    operations = [migrations.RunPython(forwards, backwards)]
