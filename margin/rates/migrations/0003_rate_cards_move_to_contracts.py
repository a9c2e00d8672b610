"""Rate cards and bill rates now belong to `contracts` (its 0001 takes them over, tables unchanged)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("rates", "0002_exchange_rates_and_increments"),
        ("contracts", "0001_rate_cards_move_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="BillRate"),
                migrations.DeleteModel(name="RateCard"),
            ]
        )
    ]
