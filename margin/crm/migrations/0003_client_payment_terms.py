"""A client's payment terms: days from an invoice's issue to its due date (30 by default, as before)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_billing_increment")]

    operations = [
        migrations.AddField(
            model_name="client", name="payment_terms_days", field=models.PositiveSmallIntegerField(default=30)
        ),
        migrations.AddConstraint(
            model_name="client",
            constraint=models.CheckConstraint(
                condition=models.Q(("payment_terms_days__lte", 365)), name="client_payment_terms_range"
            ),
        ),
    ]
