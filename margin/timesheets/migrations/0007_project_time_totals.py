"""Running totals of time per project, status and billable, kept by triggers (ADR 0022).

Every INSERT, UPDATE and DELETE of timesheets_timeentry moves timesheets_projecttimetotal in the same
statement: PostgreSQL with one statement-level trigger per event that groups the transition table (a
COPY of 100,000 rows is one grouped upsert, its keys locked in order so concurrent writers queue rather
than deadlock), SQLite row by row. Profitability then reads a handful of rows per project instead of
every entry. The table is filled from the entries here.

SQLite rebuilds a table for some schema changes and drops its triggers with it: a later migration that
rebuilds timesheets_timeentry must create these again (margin/timesheets/tests/test_time_totals.py
fails if they are missing).
"""

import django.db.models.deletion
from django.db import migrations, models

TOTALS = "timesheets_projecttimetotal"
KEY = "project_id, status, billable"
SUMS = ("entries", "minutes", "cost_minor", "bill_minor")


def _add(stored: str) -> str:
    """The ON CONFLICT assignments: each stored sum plus the incoming one."""
    return ", ".join(f"{c} = {stored}{c} + EXCLUDED.{c}" for c in SUMS)


ADD = _add("t.")
UPSERT = f"INSERT INTO {TOTALS} AS t ({KEY}, entries, minutes, cost_minor, bill_minor)"


def _grouped(source: str, sign: str) -> str:
    return f"""SELECT {KEY}, {sign}COUNT(*), {sign}SUM(minutes), {sign}SUM(cost_amount_minor),
                      {sign}SUM(bill_amount_minor)
               FROM {source} GROUP BY {KEY}"""


POSTGRES_FUNCTIONS = {
    "margin_time_totals_insert": f"""
        BEGIN
          {UPSERT} {_grouped("new_rows", "")} ORDER BY {KEY}
          ON CONFLICT ({KEY}) DO UPDATE SET {ADD};
          RETURN NULL;
        END""",
    "margin_time_totals_delete": f"""
        BEGIN
          {UPSERT} {_grouped("old_rows", "-")} ORDER BY {KEY}
          ON CONFLICT ({KEY}) DO UPDATE SET {ADD};
          RETURN NULL;
        END""",
    # Old rows out, new rows in; keys whose sums do not move (a note edited) are not touched.
    "margin_time_totals_update": f"""
        BEGIN
          {UPSERT}
          SELECT {KEY}, SUM(n), SUM(m), SUM(c), SUM(b) FROM (
            SELECT {KEY}, 1 AS n, minutes AS m, cost_amount_minor AS c, bill_amount_minor AS b FROM new_rows
            UNION ALL
            SELECT {KEY}, -1, -minutes, -cost_amount_minor, -bill_amount_minor FROM old_rows
          ) AS moved
          GROUP BY {KEY} HAVING SUM(n) <> 0 OR SUM(m) <> 0 OR SUM(c) <> 0 OR SUM(b) <> 0
          ORDER BY {KEY}
          ON CONFLICT ({KEY}) DO UPDATE SET {ADD};
          RETURN NULL;
        END""",
}
POSTGRES_TRIGGERS = {
    "timesheets_timeentry_totals_insert": (
        "AFTER INSERT",
        "REFERENCING NEW TABLE AS new_rows",
        "margin_time_totals_insert",
    ),
    "timesheets_timeentry_totals_delete": (
        "AFTER DELETE",
        "REFERENCING OLD TABLE AS old_rows",
        "margin_time_totals_delete",
    ),
    "timesheets_timeentry_totals_update": (
        "AFTER UPDATE",
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "margin_time_totals_update",
    ),
}

# SQLite takes no alias on the target inside a trigger: unqualified names there are the stored row's.
SQLITE_ADD = f"""INSERT INTO {TOTALS} ({KEY}, entries, minutes, cost_minor, bill_minor) VALUES (NEW.project_id, NEW.status, NEW.billable, 1, NEW.minutes,
                                  NEW.cost_amount_minor, NEW.bill_amount_minor)
    ON CONFLICT ({KEY}) DO UPDATE SET {_add("")};"""
SQLITE_TAKE = f"""UPDATE {TOTALS} SET entries = entries - 1, minutes = minutes - OLD.minutes,
        cost_minor = cost_minor - OLD.cost_amount_minor, bill_minor = bill_minor - OLD.bill_amount_minor
    WHERE project_id = OLD.project_id AND status = OLD.status AND billable = OLD.billable;"""
SQLITE_MOVED = """OLD.project_id <> NEW.project_id OR OLD.status <> NEW.status OR OLD.billable <> NEW.billable
    OR OLD.minutes <> NEW.minutes OR OLD.cost_amount_minor <> NEW.cost_amount_minor
    OR OLD.bill_amount_minor <> NEW.bill_amount_minor"""
SQLITE_TRIGGERS = {
    "timesheets_timeentry_totals_insert": f"AFTER INSERT ON timesheets_timeentry BEGIN {SQLITE_ADD} END",
    "timesheets_timeentry_totals_delete": f"AFTER DELETE ON timesheets_timeentry BEGIN {SQLITE_TAKE} END",
    "timesheets_timeentry_totals_update": f"""AFTER UPDATE ON timesheets_timeentry WHEN {SQLITE_MOVED}
        BEGIN {SQLITE_TAKE} {SQLITE_ADD} END""",
}


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name, body in POSTGRES_FUNCTIONS.items():
            run(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
        for name, (events, transition, function) in POSTGRES_TRIGGERS.items():
            run(f"DROP TRIGGER IF EXISTS {name} ON timesheets_timeentry")
            run(
                f"CREATE TRIGGER {name} {events} ON timesheets_timeentry {transition} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
    else:
        for name, body in SQLITE_TRIGGERS.items():
            run(f"DROP TRIGGER IF EXISTS {name}")
            run(f"CREATE TRIGGER {name} {body}")
    run(
        f"INSERT INTO {TOTALS} ({KEY}, entries, minutes, cost_minor, bill_minor) "
        + _grouped("timesheets_timeentry", "")
    )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name in POSTGRES_TRIGGERS:
            run(f"DROP TRIGGER IF EXISTS {name} ON timesheets_timeentry")
        for name in POSTGRES_FUNCTIONS:
            run(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            run(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0008_project_templates_and_archive"),
        ("timesheets", "0006_period_lock_triggers"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProjectTimeTotal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("submitted", "Submitted"),
                            ("approved", "Approved"),
                            ("rejected", "Rejected"),
                        ],
                        max_length=16,
                    ),
                ),
                ("billable", models.BooleanField()),
                ("entries", models.BigIntegerField(default=0)),
                ("minutes", models.BigIntegerField(default=0)),
                ("cost_minor", models.BigIntegerField(default=0)),
                ("bill_minor", models.BigIntegerField(default=0)),
                (
                    "project",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("project", "status", "billable"), name="projecttimetotal_key")
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
