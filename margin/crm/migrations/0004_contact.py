"""Contacts: the people at a client (at most one primary per client)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_time_policies"), ("crm", "0003_client_payment_terms")]

    operations = [
        migrations.CreateModel(
            name="Contact",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200)),
                ("email", models.EmailField(blank=True, max_length=254)),
                ("phone", models.CharField(blank=True, max_length=40)),
                ("role", models.CharField(blank=True, max_length=100)),
                ("primary", models.BooleanField(default=False)),
                ("billing", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "client",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="contacts", to="crm.client"
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.organisation"
                    ),
                ),
            ],
            options={
                "ordering": ["-primary", "name", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("primary", True)), fields=("client",), name="contact_one_primary_per_client"
                    )
                ],
            },
        ),
    ]
