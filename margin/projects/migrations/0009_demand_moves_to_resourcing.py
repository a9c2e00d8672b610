"""Pools, assignments and leveling proposals now belong to `resourcing` (its 0001 takes them over with their
rows and renames their tables); this app only forgets them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0008_project_templates_and_archive"),
        ("resourcing", "0001_demand_moves_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Assignment"),
                migrations.DeleteModel(name="LevelingProposal"),
                migrations.DeleteModel(name="ResourcePool"),
            ]
        )
    ]
