"""The lock history (`PeriodLock`) moves here from `timesheets` with its rows: the model joins this app's
state (its table still `timesheets_periodlock`), then the table is renamed `closing_periodlock` on both
databases. Every company's lock date (`accounts.Company.locked_through`, ADR 0028) is set from its standing
locks, the latest one.

Runs after the guards of time and expenses read the company's column instead (timesheets/0012, expenses/0003):
no trigger names the old table when it is renamed.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Max


def set_lock_dates(apps, schema_editor):  # type: ignore[no-untyped-def]
    PeriodLock = apps.get_model("closing", "PeriodLock")
    Company = apps.get_model("accounts", "Company")
    standing = (
        PeriodLock.objects.filter(reopened_at__isnull=True)
        .values_list("company_id")
        .annotate(through=Max("through"))
        .order_by()
    )
    for company_id, through in standing:
        Company.objects.filter(pk=company_id).update(locked_through=through)


def clear_lock_dates(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("accounts", "Company").objects.update(locked_through=None)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0012_company_locked_through"),
        ("timesheets", "0012_lock_date_on_the_company"),
        ("expenses", "0003_lock_date_on_the_company"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PeriodLock",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("through", models.DateField()),
                        ("note", models.TextField(blank=True)),
                        ("closed_at", models.DateTimeField()),
                        ("reopened_at", models.DateTimeField(blank=True, null=True)),
                        ("reopen_reason", models.TextField(blank=True)),
                        (
                            "closed_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "company",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="period_locks",
                                to="accounts.company",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="accounts.organisation",
                            ),
                        ),
                        (
                            "reopened_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "timesheets_periodlock",
                        "ordering": ["company_id", "-closed_at", "-id"],
                        "indexes": [models.Index(fields=["company", "through"], name="periodlock_company_through")],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("reopened_at__isnull", True)),
                                fields=("company", "through"),
                                name="periodlock_one_standing_per_date",
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="periodlock", table=None),
        migrations.RunPython(set_lock_dates, clear_lock_dates),
    ]
