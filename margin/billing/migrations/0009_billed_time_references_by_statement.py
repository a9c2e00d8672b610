"""Billed time's references checked once per statement on PostgreSQL, not by a foreign key per row (ADR 0023).

The model says `db_constraint=False`; the database keeps the guarantees: on PostgreSQL the foreign keys
give way to the triggers of `billing.references`; SQLite keeps the foreign keys it declared (no table
rebuild here, so nothing else of the table changes).
"""

from django.db import migrations, models

from margin.billing import references


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    references.install(schema_editor)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    references.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_credited_work"),
        ("timesheets", "0008_narrower_project_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="billedtime",
                    name="time_entry",
                    field=models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.deletion.PROTECT,
                        primary_key=True,
                        related_name="billing",
                        serialize=False,
                        to="timesheets.timeentry",
                    ),
                ),
                migrations.AlterField(
                    model_name="billedtime",
                    name="line",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="billed_time",
                        to="billing.invoiceline",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        )
    ]
