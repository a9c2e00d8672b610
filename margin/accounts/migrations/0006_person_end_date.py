"""A person's last day: no time may be logged after it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_company_bank_and_fiscal_year")]

    operations = [
        migrations.AddField(model_name="person", name="end_date", field=models.DateField(blank=True, null=True)),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.CheckConstraint(
                condition=models.Q(("start_date__isnull", True))
                | models.Q(("end_date__isnull", True))
                | models.Q(("end_date__gte", models.F("start_date"))),
                name="person_ends_after_start",
            ),
        ),
    ]
