"""Invoices of contracts (issue 10, ADR 0020): an invoice belongs to a contract and may cover several
of its projects; lines of every kind with their project, billing line, quantity and tax; a tax summary;
credit notes in their own sequence; time held or written off; instalments and retainer periods billed
once each; the conversion into the company's currency kept on the invoice.

Existing invoices get their project's contract, net = total (no tax was charged), their lines their
project and kind. The guard triggers are dropped first (the backfill writes issued rows) and the whole
set is installed again at the end, now letting an issued invoice record what happens after issue.
"""

import importlib

import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models
from django.db.models import Value
from django.db.models.functions import Cast

from margin.billing import frozen


def drop_guards(apps, schema_editor):  # type: ignore[no-untyped-def]
    frozen.drop_all(schema_editor)


def install_guards(apps, schema_editor):  # type: ignore[no-untyped-def]
    frozen.install_all(schema_editor)


def restore_earlier_guards(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Going back: the triggers of 0004–0006, as they were."""
    frozen.drop_all(schema_editor)
    for name in ("0004_billed_time_is_frozen", "0005_billed_expenses", "0006_billable_minutes_are_frozen"):
        importlib.import_module(f"margin.billing.migrations.{name}").forwards(apps, schema_editor)


def drop_new_guards(apps, schema_editor):  # type: ignore[no-untyped-def]
    frozen.drop_all(schema_editor)


BACKFILL = [
    # Each invoice belongs to its project's contract (contracts 0003 gave every project one).
    """UPDATE billing_invoice SET contract_id = (SELECT c.contract_id FROM contracts_coveredproject c
        WHERE c.project_id = billing_invoice.project_id)""",
    """UPDATE billing_invoice SET net_minor = total_minor, tax_minor = 0,
        company_currency = (SELECT base_currency FROM accounts_company c WHERE c.id = billing_invoice.company_id)""",
    """UPDATE billing_invoiceline SET project_id = (SELECT i.project_id FROM billing_invoice i
        WHERE i.id = billing_invoiceline.invoice_id), standard_minor = amount_minor,
        quantity = minutes / 60.0, unit = 'HUR', unit_price = hourly_rate""",
    """UPDATE billing_invoiceline SET kind = 'expense', quantity = 1, unit = 'C62', unit_price = 0
        WHERE id IN (SELECT line_id FROM billing_billedexpense)""",
]


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    for sql in BACKFILL:
        schema_editor.execute(sql)
    # An expense line's unit price is its amount in major units: the currency's minor digits are needed.
    from margin.core.money import minor_units

    Line = apps.get_model("billing", "InvoiceLine")
    exact = models.DecimalField(max_digits=24, decimal_places=4)
    for currency in set(Line.objects.filter(kind="expense").values_list("invoice__currency", flat=True)):
        Line.objects.filter(kind="expense", invoice__currency=currency).update(
            unit_price=Cast("amount_minor", exact) / Value(10 ** minor_units(currency), output_field=exact)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_company_invoicing_settings"),
        ("billing", "0006_billable_minutes_are_frozen"),
        ("contracts", "0004_rate_cards_lose_project_and_increment"),
        ("crm", "0005_client_tax_treatment"),
        ("projects", "0008_project_templates_and_archive"),
        ("timesheets", "0006_period_lock_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_guards, restore_earlier_guards),
        migrations.CreateModel(
            name="BilledInstalment",
            fields=[
                (
                    "instalment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="billing",
                        serialize=False,
                        to="contracts.instalment",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="BilledPeriod",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("period_start", models.DateField()),
                ("part", models.CharField(choices=[("fee", "Fee"), ("usage", "Usage")], max_length=5)),
            ],
        ),
        migrations.CreateModel(
            name="InvoiceTaxRow",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("category", models.CharField(max_length=2)),
                ("rate", models.DecimalField(decimal_places=4, max_digits=7)),
                ("taxable_minor", models.BigIntegerField()),
                ("tax_minor", models.BigIntegerField()),
                ("exemption_reason", models.CharField(blank=True, max_length=200)),
            ],
            options={
                "ordering": ["invoice", "category", "rate"],
            },
        ),
        migrations.CreateModel(
            name="TimeHold",
            fields=[
                (
                    "time_entry",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="hold",
                        serialize=False,
                        to="timesheets.timeentry",
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("held", "Held for a later invoice"),
                            ("over_cap", "Over the cap: waiting for a decision"),
                            ("bill_over_cap", "Over the cap: to be billed"),
                            ("written_off", "Written off"),
                        ],
                        max_length=16,
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=400)),
                ("decided_at", models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.RemoveConstraint(
            model_name="invoicesequence",
            name="one_sequence_per_company_year",
        ),
        migrations.AddField(
            model_name="invoice",
            name="buyer_reference",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="invoice",
            name="company_currency",
            field=models.CharField(blank=True, max_length=3),
        ),
        migrations.AddField(
            model_name="invoice",
            name="contract",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="invoices",
                to="contracts.contract",
            ),
        ),
        migrations.AddField(
            model_name="invoice",
            name="credited_invoice",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="credit_notes",
                to="billing.invoice",
            ),
        ),
        migrations.AddField(
            model_name="invoice",
            name="credited_minor",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="invoice",
            name="exchange_rate",
            field=models.DecimalField(decimal_places=12, default=1, max_digits=24),
        ),
        migrations.AddField(
            model_name="invoice",
            name="exchange_rate_date",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="invoice",
            name="kind",
            field=models.CharField(
                choices=[("invoice", "Invoice"), ("credit_note", "Credit note")], default="invoice", max_length=12
            ),
        ),
        migrations.AddField(
            model_name="invoice",
            name="net_minor",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="invoice",
            name="note",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="invoice",
            name="paid_minor",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="invoice",
            name="parties",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="invoice",
            name="reason",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="invoice",
            name="reminded_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="invoice",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="invoice",
            name="sent_to",
            field=models.CharField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="invoice",
            name="tax_minor",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="invoice",
            name="tax_rounding",
            field=models.CharField(
                choices=[("per_line", "Per line"), ("per_document", "Per document")], default="per_line", max_length=12
            ),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="adjustment_reason",
            field=models.CharField(blank=True, max_length=400),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="billing_line",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="invoice_lines",
                to="contracts.billingline",
            ),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="credited_line",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="credit_lines",
                to="billing.invoiceline",
            ),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="kind",
            field=models.CharField(
                choices=[
                    ("time", "Time"),
                    ("expense", "Expense"),
                    ("fixed", "Fixed fee instalment"),
                    ("progress", "Progress billing"),
                    ("retainer", "Retainer fee"),
                    ("usage", "Retainer usage and overage"),
                    ("manual", "Manual line"),
                    ("discount", "Discount"),
                ],
                default="time",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="period_end",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="period_start",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="project",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="projects.project",
            ),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="quantity",
            field=models.DecimalField(decimal_places=4, default=1, max_digits=16),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="standard_minor",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="tax_category",
            field=models.CharField(blank=True, max_length=2),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="tax_code",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contracts.taxcode",
            ),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="tax_minor",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="tax_rate",
            field=models.DecimalField(decimal_places=4, default=0, max_digits=7),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="unit",
            field=models.CharField(default="HUR", max_length=3),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="unit_price",
            field=models.DecimalField(decimal_places=4, default=0, max_digits=16),
        ),
        migrations.AddField(
            model_name="invoicesequence",
            name="kind",
            field=models.CharField(
                choices=[("invoice", "Invoice"), ("credit_note", "Credit note")], default="invoice", max_length=12
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="project",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="invoices",
                to="projects.project",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "invoice"), ("credited_invoice__isnull", True)),
                    models.Q(("kind", "credit_note"), ("credited_invoice__isnull", False)),
                    _connector="OR",
                ),
                name="credit_note_iff_credited_invoice",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "total_minor",
                        django.db.models.expressions.CombinedExpression(
                            models.F("net_minor"), "+", models.F("tax_minor")
                        ),
                    )
                ),
                name="invoice_total_is_net_plus_tax",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoicesequence",
            constraint=models.UniqueConstraint(
                fields=("company", "kind", "year"), name="one_sequence_per_company_kind_year"
            ),
        ),
        migrations.AddField(
            model_name="billedinstalment",
            name="line",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="billed_instalments", to="billing.invoiceline"
            ),
        ),
        migrations.AddField(
            model_name="billedperiod",
            name="billing_line",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="contracts.billingline"
            ),
        ),
        migrations.AddField(
            model_name="billedperiod",
            name="line",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="billed_periods", to="billing.invoiceline"
            ),
        ),
        migrations.AddField(
            model_name="invoicetaxrow",
            name="invoice",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="tax_rows", to="billing.invoice"
            ),
        ),
        migrations.AddField(
            model_name="timehold",
            name="billing_line",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="contracts.billingline",
            ),
        ),
        migrations.AddField(
            model_name="timehold",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="billedperiod",
            constraint=models.UniqueConstraint(
                fields=("billing_line", "period_start", "part"), name="retainer_period_billed_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="invoicetaxrow",
            constraint=models.UniqueConstraint(fields=("invoice", "category", "rate"), name="one_tax_row_per_rate"),
        ),
        migrations.RunPython(install_guards, drop_new_guards),
    ]
