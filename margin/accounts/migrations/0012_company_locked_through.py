"""The company's lock date (ADR 0028): one column every dated app and its triggers read. Filled from the
standing period locks by migration closing/0001."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_company_invoicing_settings"),
    ]

    operations = [
        migrations.AddField(
            model_name="company",
            name="locked_through",
            field=models.DateField(blank=True, null=True),
        ),
    ]
