"""Templates (``Project.is_template``) and archiving (``Project.archived_at``, only on a closed project).

On SQLite, adding a NOT NULL column and a check constraint rebuilds projects_project (create a copy, drop, rename),
and the rename fails while a trigger of another table names projects_project: the period-lock triggers on expense
lines and claims (expenses 0002). They are dropped before the rebuild and created again, unchanged, after it.
PostgreSQL alters the table in place and keeps them.
"""

import importlib

from django.db import migrations, models

expense_locks = importlib.import_module("margin.expenses.migrations.0002_period_lock_triggers")


def drop_sqlite_triggers(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        for name in expense_locks.SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def create_sqlite_triggers(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        expense_locks.forwards(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0007_assignee_becomes_assignment"),
        ("expenses", "0002_period_lock_triggers"),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, create_sqlite_triggers),
        migrations.AddField(
            model_name="project",
            name="archived_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="project",
            name="is_template",
            field=models.BooleanField(default=False),
        ),
        migrations.AddConstraint(
            model_name="project",
            constraint=models.CheckConstraint(
                condition=models.Q(("archived_at__isnull", True), ("status", "closed"), _connector="OR"),
                name="project_archived_only_when_closed",
            ),
        ),
        migrations.RunPython(create_sqlite_triggers, drop_sqlite_triggers),
    ]
