"""Contracts, billing lines, instalments and tax codes; rate cards gain their scopes (a contract's, a client's,
or the organisation's default). Generated, then split around the data migration (0003)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_sign_in_failure"),
        ("contracts", "0001_rate_cards_move_here"),
        ("crm", "0005_client_tax_treatment"),
        ("projects", "0008_project_templates_and_archive"),
    ]

    operations = [
        migrations.CreateModel(
            name="BillingLine",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveIntegerField(default=0)),
                (
                    "model",
                    models.CharField(
                        choices=[
                            ("time", "Time and materials"),
                            ("fixed", "Fixed fee"),
                            ("progress", "Progress billing"),
                            ("retainer", "Retainer"),
                            ("expenses", "Expenses"),
                        ],
                        max_length=8,
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                (
                    "cap_kind",
                    models.CharField(
                        choices=[("none", "No cap"), ("minutes", "Hours"), ("money", "Amount")],
                        default="none",
                        max_length=8,
                    ),
                ),
                ("cap_limit", models.BigIntegerField(blank=True, null=True)),
                ("price_minor", models.BigIntegerField(blank=True, null=True)),
                (
                    "progress_source",
                    models.CharField(
                        choices=[("plan", "From the plan"), ("entered", "Entered")], default="plan", max_length=8
                    ),
                ),
                ("entered_percent", models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True)),
                (
                    "frequency",
                    models.CharField(
                        choices=[("month", "Monthly"), ("quarter", "Quarterly")], default="month", max_length=8
                    ),
                ),
                (
                    "allowance_unit",
                    models.CharField(
                        choices=[("minutes", "Hours"), ("money", "Amount")], default="minutes", max_length=8
                    ),
                ),
                ("allowance", models.BigIntegerField(blank=True, null=True)),
                ("fee_minor", models.BigIntegerField(blank=True, null=True)),
                (
                    "rollover",
                    models.CharField(
                        choices=[("none", "None"), ("periods", "For some periods"), ("unlimited", "Unlimited")],
                        default="none",
                        max_length=10,
                    ),
                ),
                ("rollover_periods", models.PositiveSmallIntegerField(default=0)),
                ("overage_rate", models.DecimalField(blank=True, decimal_places=4, max_digits=14, null=True)),
                ("start_date", models.DateField(blank=True, null=True)),
                ("end_date", models.DateField(blank=True, null=True)),
                ("markup_percent", models.DecimalField(decimal_places=2, default=0, max_digits=7)),
            ],
            options={
                "ordering": ["contract", "position", "id"],
            },
        ),
        migrations.CreateModel(
            name="Contract",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reference", models.CharField(max_length=40)),
                ("name", models.CharField(max_length=200)),
                ("client_reference", models.CharField(blank=True, max_length=100)),
                ("currency", models.CharField(max_length=3)),
                ("payment_terms_days", models.PositiveSmallIntegerField(default=30)),
                ("start_date", models.DateField()),
                ("end_date", models.DateField(blank=True, null=True)),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "Draft"), ("active", "Active"), ("closed", "Closed")],
                        default="active",
                        max_length=8,
                    ),
                ),
                (
                    "invoice_grouping",
                    models.CharField(
                        choices=[
                            ("project", "One invoice per project"),
                            ("contract", "One invoice for all the contract's projects"),
                        ],
                        default="project",
                        max_length=8,
                    ),
                ),
                ("billing_increment_minutes", models.PositiveSmallIntegerField(blank=True, null=True)),
                (
                    "billing_rounding",
                    models.CharField(
                        blank=True,
                        choices=[("up", "Round up"), ("nearest", "Round to the nearest")],
                        max_length=8,
                        null=True,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "ordering": ["client__name", "reference"],
            },
        ),
        migrations.CreateModel(
            name="CoveredProject",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ],
        ),
        migrations.CreateModel(
            name="Instalment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveIntegerField(default=0)),
                ("description", models.CharField(max_length=200)),
                ("amount_minor", models.BigIntegerField()),
                ("due_date", models.DateField(blank=True, null=True)),
            ],
            options={
                "ordering": ["billing_line", "position", "id"],
            },
        ),
        migrations.CreateModel(
            name="TaxCode",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=20)),
                ("name", models.CharField(max_length=100)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("standard", "Standard rate"),
                            ("reduced", "Reduced rate"),
                            ("zero", "Zero rate"),
                            ("exempt", "Exempt"),
                            ("reverse_charge", "Reverse charge"),
                            ("export", "Export"),
                            ("outside_scope", "Outside the scope of VAT"),
                        ],
                        max_length=16,
                    ),
                ),
                ("rate", models.DecimalField(decimal_places=3, max_digits=6)),
                ("active", models.BooleanField(default=True)),
            ],
            options={
                "ordering": ["company", "-rate", "code"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="billrate",
            name="bill_rate_role_xor_person",
        ),
        migrations.AddField(
            model_name="ratecard",
            name="client",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="crm.client"
            ),
        ),
        migrations.AddConstraint(
            model_name="billrate",
            constraint=models.CheckConstraint(
                condition=models.Q(("role__isnull", True), ("person__isnull", True), _connector="OR"),
                name="bill_rate_role_or_person",
            ),
        ),
        migrations.AddConstraint(
            model_name="billrate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("person__isnull", True), ("role__isnull", True)),
                fields=("rate_card", "valid_from"),
                name="bill_rate_default_unique_date",
            ),
        ),
        migrations.AddField(
            model_name="contract",
            name="client",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="contracts", to="crm.client"
            ),
        ),
        migrations.AddField(
            model_name="contract",
            name="company",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="contracts", to="accounts.company"
            ),
        ),
        migrations.AddField(
            model_name="contract",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.organisation"
            ),
        ),
        migrations.AddField(
            model_name="billingline",
            name="contract",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="billing_lines", to="contracts.contract"
            ),
        ),
        migrations.AddField(
            model_name="ratecard",
            name="contract",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="rate_card",
                to="contracts.contract",
            ),
        ),
        migrations.AddConstraint(
            model_name="ratecard",
            constraint=models.CheckConstraint(
                condition=models.Q(("client__isnull", True), ("contract__isnull", True), _connector="OR"),
                name="rate_card_one_scope",
            ),
        ),
        migrations.AddConstraint(
            model_name="ratecard",
            constraint=models.UniqueConstraint(
                condition=models.Q(("client__isnull", False)),
                fields=("client", "currency"),
                name="rate_card_one_per_client_currency",
            ),
        ),
        migrations.AddField(
            model_name="coveredproject",
            name="contract",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="covered", to="contracts.contract"
            ),
        ),
        migrations.AddField(
            model_name="coveredproject",
            name="project",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE, related_name="coverage", to="projects.project"
            ),
        ),
        migrations.AddField(
            model_name="instalment",
            name="billing_line",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="instalments", to="contracts.billingline"
            ),
        ),
        migrations.AddField(
            model_name="instalment",
            name="milestone",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="projects.task"
            ),
        ),
        migrations.AddField(
            model_name="taxcode",
            name="company",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="tax_codes", to="accounts.company"
            ),
        ),
        migrations.AddField(
            model_name="taxcode",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.organisation"
            ),
        ),
        migrations.AddField(
            model_name="contract",
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
            model_name="billingline",
            name="tax_code",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contracts.taxcode",
            ),
        ),
        migrations.AddConstraint(
            model_name="instalment",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount_minor__gt", 0)), name="instalment_amount_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="instalment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("due_date__isnull", True), ("milestone__isnull", False)),
                    models.Q(("due_date__isnull", False), ("milestone__isnull", True)),
                    _connector="OR",
                ),
                name="instalment_date_xor_milestone",
            ),
        ),
        migrations.AddConstraint(
            model_name="taxcode",
            constraint=models.UniqueConstraint(fields=("company", "code"), name="tax_code_unique_per_company"),
        ),
        migrations.AddConstraint(
            model_name="taxcode",
            constraint=models.CheckConstraint(
                condition=models.Q(("rate__gte", 0), ("rate__lt", 100)), name="tax_code_rate_range"
            ),
        ),
        migrations.AddConstraint(
            model_name="contract",
            constraint=models.UniqueConstraint(
                fields=("company", "reference"), name="contract_reference_unique_per_company"
            ),
        ),
        migrations.AddConstraint(
            model_name="contract",
            constraint=models.CheckConstraint(
                condition=models.Q(("billing_increment_minutes__lte", 60)), name="contract_billing_increment_range"
            ),
        ),
        migrations.AddConstraint(
            model_name="contract",
            constraint=models.CheckConstraint(
                condition=models.Q(("payment_terms_days__lte", 365)), name="contract_payment_terms_range"
            ),
        ),
        migrations.AddConstraint(
            model_name="contract",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("end_date__isnull", True), ("end_date__gte", models.F("start_date")), _connector="OR"
                ),
                name="contract_ends_after_it_starts",
            ),
        ),
        migrations.AddConstraint(
            model_name="billingline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("cap_kind", "none"), ("cap_limit__isnull", True)),
                    models.Q(models.Q(("cap_kind", "none"), _negated=True), ("cap_limit__gt", 0)),
                    _connector="OR",
                ),
                name="billing_line_cap_limit_iff_capped",
            ),
        ),
        migrations.AddConstraint(
            model_name="billingline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("model__in", ["fixed", "progress"]), _negated=True),
                    ("price_minor__gt", 0),
                    _connector="OR",
                ),
                name="billing_line_fixed_price_positive",
            ),
        ),
        migrations.AddConstraint(
            model_name="billingline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("model", "retainer"), _negated=True),
                    models.Q(("allowance__gt", 0), ("fee_minor__gte", 0), ("start_date__isnull", False)),
                    _connector="OR",
                ),
                name="billing_line_retainer_terms",
            ),
        ),
        migrations.AddConstraint(
            model_name="billingline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("entered_percent__isnull", True),
                    models.Q(("entered_percent__gte", 0), ("entered_percent__lte", 100)),
                    _connector="OR",
                ),
                name="billing_line_percent_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="billingline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("end_date__isnull", True), ("end_date__gte", models.F("start_date")), _connector="OR"
                ),
                name="billing_line_ends_after_it_starts",
            ),
        ),
    ]
