# API tokens expire. Tokens made before this migration get 90 days from their creation, but at least
# 30 days from the upgrade, so integrations do not stop without warning (ADR 0013).

from datetime import timedelta

from django.db import migrations, models
from django.utils import timezone


def set_expiry(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    floor = timezone.now() + timedelta(days=30)
    for token in ApiToken.objects.filter(expires_at__isnull=True).iterator():
        token.expires_at = max(token.created_at + timedelta(days=90), floor)
        token.save(update_fields=["expires_at"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_two_factor")]

    operations = [
        migrations.AddField(model_name="apitoken", name="expires_at", field=models.DateTimeField(null=True)),
        migrations.RunPython(set_expiry, migrations.RunPython.noop),
        migrations.AlterField(model_name="apitoken", name="expires_at", field=models.DateTimeField()),
    ]
