"""A company's bank account (printed on invoices) and the month its fiscal year starts."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_company_invoice_number_format")]

    operations = [
        migrations.AddField(model_name="company", name="bank_name", field=models.CharField(blank=True, max_length=200)),
        migrations.AddField(model_name="company", name="iban", field=models.CharField(blank=True, max_length=34)),
        migrations.AddField(model_name="company", name="bic", field=models.CharField(blank=True, max_length=11)),
        migrations.AddField(
            model_name="company",
            name="fiscal_year_start_month",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddConstraint(
            model_name="company",
            constraint=models.CheckConstraint(
                condition=models.Q(("fiscal_year_start_month__gte", 1), ("fiscal_year_start_month__lte", 12)),
                name="company_fiscal_year_start_month_range",
            ),
        ),
    ]
