"""The journal's database guards (books.guards, ADR 0029): balanced, chained, immutable, open period."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from margin.books import guards


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in guards.install(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def uninstall(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in guards.uninstall(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("books", "0001_journal"), ("accounts", "0012_company_locked_through")]

    operations = [migrations.RunPython(install, uninstall)]
