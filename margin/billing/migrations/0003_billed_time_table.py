"""Billed time moves from TimeEntry.invoice_line to its own table (ADR 0007).

Existing links are copied and each line's time value is computed from its entries. The
immutability triggers of 0002 are dropped first (0004 creates the new set) so the data can move
and SQLite can rebuild the tables.
"""

import django.db.models.deletion
from django.db import migrations, models

COPY_LINKS = """
    INSERT INTO billing_billedtime (time_entry_id, line_id)
    SELECT id, invoice_line_id FROM timesheets_timeentry WHERE invoice_line_id IS NOT NULL
"""
LINE_VALUES = """
    UPDATE billing_invoiceline SET time_value_minor = COALESCE((
        SELECT SUM(e.bill_amount_minor) FROM timesheets_timeentry e WHERE e.invoice_line_id = billing_invoiceline.id
    ), 0)
"""


def drop_old_triggers(apps, schema_editor):  # type: ignore[no-untyped-def]
    """0004 creates the whole set again; meanwhile SQLite can rebuild tables and the links move."""
    if schema_editor.connection.vendor == "postgresql":
        for trigger, table in [
            ("timesheets_timeentry_billed_frozen", "timesheets_timeentry"),
            ("billing_invoiceline_frozen", "billing_invoiceline"),
            ("billing_invoice_frozen", "billing_invoice"),
        ]:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS margin_timeentry_billed_frozen()")
    else:
        for trigger in [
            "timesheets_timeentry_billed_frozen",
            "billing_invoiceline_frozen_insert",
            "billing_invoiceline_frozen_update",
            "billing_invoice_frozen",
        ]:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}")


def copy_links(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute(LINE_VALUES)
    schema_editor.execute(COPY_LINKS)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_issued_invoices_are_frozen"),
        ("timesheets", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(drop_old_triggers, migrations.RunPython.noop),
        migrations.AddField(
            model_name="invoiceline",
            name="time_value_minor",
            field=models.BigIntegerField(default=0),
        ),
        migrations.CreateModel(
            name="BilledTime",
            fields=[
                (
                    "time_entry",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="billing",
                        serialize=False,
                        to="timesheets.timeentry",
                    ),
                ),
                (
                    "line",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="billed_time",
                        to="billing.invoiceline",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "billed time",
            },
        ),
        migrations.RunPython(copy_links, migrations.RunPython.noop),
    ]
