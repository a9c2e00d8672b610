"""Rate cards lose what contracts now hold: the project (a card is a contract's, a client's or the default) and the
billing increment (the contract's). Runs after 0003 moved both."""

import django.db.models.deletion  # noqa: F401
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("contracts", "0003_every_project_gets_a_contract")]

    operations = [
        migrations.RemoveConstraint(
            model_name="ratecard",
            name="rate_card_billing_increment_range",
        ),
        migrations.RemoveField(
            model_name="ratecard",
            name="billing_increment_minutes",
        ),
        migrations.RemoveField(
            model_name="ratecard",
            name="billing_rounding",
        ),
        migrations.RemoveField(
            model_name="ratecard",
            name="project",
        ),
        migrations.AddConstraint(
            model_name="ratecard",
            constraint=models.UniqueConstraint(
                condition=models.Q(("client__isnull", True), ("contract__isnull", True)),
                fields=("organisation", "currency"),
                name="rate_card_one_default_per_currency",
            ),
        ),
    ]
