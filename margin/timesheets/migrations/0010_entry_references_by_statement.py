"""A time entry's references checked once per statement on PostgreSQL, not by a foreign key per row (ADR 0026).

The model says `db_constraint=False`; the database keeps the guarantees: on PostgreSQL the foreign keys give
way to the triggers of `timesheets.references`; SQLite keeps the foreign keys it declared (no table rebuild,
which would drop its triggers and the covering index of 0009).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from margin.timesheets import references


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    references.install(schema_editor)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    references.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_company_invoicing_settings"),
        ("projects", "0008_project_templates_and_archive"),
        ("timesheets", "0009_covering_project_index_on_sqlite"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="timeentry",
                    name="company",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.company",
                    ),
                ),
                migrations.AlterField(
                    model_name="timeentry",
                    name="decided_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="timeentry",
                    name="organisation",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="timeentry",
                    name="person",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="time_entries",
                        to="accounts.person",
                    ),
                ),
                migrations.AlterField(
                    model_name="timeentry",
                    name="project",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="time_entries",
                        to="projects.project",
                    ),
                ),
                migrations.AlterField(
                    model_name="timeentry",
                    name="role",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.role",
                    ),
                ),
                migrations.AlterField(
                    model_name="timeentry",
                    name="task",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="time_entries",
                        to="projects.task",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        )
    ]
