"""The journal's guards on PostgreSQL check inserts per statement (books.guards): posting many entries at once is
one set-based check. SQLite's row triggers are reinstalled unchanged."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from margin.books import guards


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in guards.install(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("books", "0002_journal_guards")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
