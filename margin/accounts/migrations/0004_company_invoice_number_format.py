"""Invoice numbers follow a format per company ({YYYY}-{NNNN} by default) instead of a digit count. Each
company's format is made from its digits so the numbers it issues stay exactly as they were."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def digits_to_format(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Company = apps.get_model("accounts", "Company")
    for company in Company.objects.exclude(invoice_number_digits=4):
        company.invoice_number_format = "{YYYY}-{" + "N" * company.invoice_number_digits + "}"
        company.save(update_fields=["invoice_number_format"])


def format_to_digits(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Company = apps.get_model("accounts", "Company")
    for company in Company.objects.all():
        company.invoice_number_digits = max(company.invoice_number_format.count("N"), 1)
        company.save(update_fields=["invoice_number_digits"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_time_policies")]

    operations = [
        migrations.AddField(
            model_name="company",
            name="invoice_number_format",
            field=models.CharField(default="{YYYY}-{NNNN}", max_length=64),
        ),
        migrations.RunPython(digits_to_format, format_to_digits),
        migrations.RemoveField(model_name="company", name="invoice_number_digits"),
    ]
