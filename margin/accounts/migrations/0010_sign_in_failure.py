# Failed sign-ins, kept for a day to throttle guessing per account and per address.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_invitation")]

    operations = [
        migrations.CreateModel(
            name="SignInFailure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("username", models.CharField(db_index=True, max_length=150)),
                ("address", models.GenericIPAddressField(db_index=True)),
                ("at", models.DateTimeField(db_index=True)),
            ],
        ),
    ]
