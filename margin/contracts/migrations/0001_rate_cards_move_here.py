"""Rate cards and bill rates move here from `rates`, keeping their tables (rates_ratecard, rates_billrate):
only Django's idea of which app owns them changes (ADR 0019). The next migrations reshape them."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0010_sign_in_failure"),
        ("projects", "0008_project_templates_and_archive"),
        ("rates", "0002_exchange_rates_and_increments"),
    ]

    state_operations = [
        migrations.CreateModel(
            name="RateCard",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("currency", models.CharField(max_length=3)),
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
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.organisation"
                    ),
                ),
                (
                    "project",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="rate_card", to="projects.project"
                    ),
                ),
            ],
            options={
                "db_table": "rates_ratecard",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("billing_increment_minutes__lte", 60)),
                        name="rate_card_billing_increment_range",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="BillRate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("valid_from", models.DateField()),
                ("hourly_rate", models.DecimalField(decimal_places=4, max_digits=14)),
                (
                    "person",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.person",
                    ),
                ),
                (
                    "role",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.role",
                    ),
                ),
                (
                    "rate_card",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="rates", to="contracts.ratecard"
                    ),
                ),
            ],
            options={
                "db_table": "rates_billrate",
                "ordering": ["valid_from"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("role__isnull", False), ("person__isnull", True)),
                            models.Q(("role__isnull", True), ("person__isnull", False)),
                            _connector="OR",
                        ),
                        name="bill_rate_role_xor_person",
                    ),
                    models.CheckConstraint(condition=models.Q(("hourly_rate__gte", 0)), name="bill_rate_gte_0"),
                    models.UniqueConstraint(
                        fields=("rate_card", "role", "valid_from"), name="bill_rate_role_unique_date"
                    ),
                    models.UniqueConstraint(
                        fields=("rate_card", "person", "valid_from"), name="bill_rate_person_unique_date"
                    ),
                ],
            },
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
