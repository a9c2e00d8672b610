"""The period-close guards of expenses read the company's lock date (`accounts_company.locked_through`, ADR
0028) instead of the standing locks of `timesheets_periodlock` (migration 0002; same names, same rules): an
expense line counts against its claim's company and its project's company.

SQLite refuses to rename a table that a trigger of another table names: a later migration that rebuilds
projects_project or accounts_company must drop these triggers first and create them again after (as
projects/0008 did for 0002's).
"""

import importlib

from django.db import migrations

before = importlib.import_module("margin.expenses.migrations.0002_period_lock_triggers")

CLOSED = "period closed: expenses dated on or before the lock date cannot change"
# A line row ({row}: NEW or OLD) is in a closed period of its claim's company or its project's company.
LOCKED_LINE = """EXISTS (SELECT 1 FROM accounts_company k
               WHERE k.locked_through >= {row}.date
               AND (k.id = (SELECT c.company_id FROM expenses_expenseclaim c WHERE c.id = {row}.claim_id)
                    OR k.id = (SELECT p.company_id FROM projects_project p WHERE p.id = {row}.project_id)))"""
LINE_CHANGED = """(NEW.date <> OLD.date OR NEW.amount_minor <> OLD.amount_minor OR NEW.currency <> OLD.currency
               OR NEW.converted_minor <> OLD.converted_minor OR NEW.bill_amount_minor <> OLD.bill_amount_minor
               OR NEW.billable <> OLD.billable OR NEW.markup_percent <> OLD.markup_percent
               OR NEW.category_id <> OLD.category_id OR NEW.claim_id <> OLD.claim_id
               OR COALESCE(NEW.project_id, 0) <> COALESCE(OLD.project_id, 0)
               OR COALESCE(NEW.task_id, 0) <> COALESCE(OLD.task_id, 0)
               OR COALESCE(NEW.distance, -1) <> COALESCE(OLD.distance, -1)
               OR COALESCE(NEW.days, -1) <> COALESCE(OLD.days, -1))"""
# A claim (NEW) moving to submitted, approved or rejected while one of its lines is in a closed period.
CLAIM_DECIDED = """NEW.status <> OLD.status AND NEW.status IN ('submitted', 'approved', 'rejected')
        AND EXISTS (SELECT 1 FROM expenses_expenseline e
               LEFT JOIN projects_project p ON p.id = e.project_id
               JOIN accounts_company k ON (k.id = NEW.company_id OR k.id = p.company_id) AND k.locked_through >= e.date
               WHERE e.claim_id = NEW.id)"""

SQLITE_TRIGGERS = {
    "expenses_expenseline_closed_insert": f"""BEFORE INSERT ON expenses_expenseline
        WHEN {LOCKED_LINE.format(row="NEW")}
        BEGIN SELECT RAISE(ABORT, '{CLOSED}'); END""",
    "expenses_expenseline_closed_update": f"""BEFORE UPDATE ON expenses_expenseline
        WHEN {LINE_CHANGED} AND ({LOCKED_LINE.format(row="OLD")} OR {LOCKED_LINE.format(row="NEW")})
        BEGIN SELECT RAISE(ABORT, '{CLOSED}'); END""",
    "expenses_expenseclaim_closed_decision": f"""BEFORE UPDATE ON expenses_expenseclaim
        WHEN {CLAIM_DECIDED}
        BEGIN SELECT RAISE(ABORT, '{CLOSED}'); END""",
}

# The triggers of 0002 call these functions by name: replacing the bodies is enough.
POSTGRES_FUNCTIONS = {
    "margin_expenseline_closed_rows": f"""
        BEGIN
          IF EXISTS (SELECT 1 FROM changed_rows n
                     LEFT JOIN expenses_expenseclaim c ON c.id = n.claim_id
                     LEFT JOIN projects_project p ON p.id = n.project_id
                     JOIN accounts_company k ON (k.id = c.company_id OR k.id = p.company_id)
                                            AND k.locked_through >= n.date)
          THEN RAISE EXCEPTION '{CLOSED}'; END IF;
          RETURN NULL;
        END""",
    "margin_expenseline_closed_update": f"""
        BEGIN
          IF {LINE_CHANGED} AND ({LOCKED_LINE.format(row="OLD")} OR {LOCKED_LINE.format(row="NEW")})
          THEN RAISE EXCEPTION '{CLOSED}'; END IF;
          RETURN NEW;
        END""",
    "margin_expenseclaim_closed_decision": f"""
        BEGIN
          IF {CLAIM_DECIDED}
          THEN RAISE EXCEPTION '{CLOSED}'; END IF;
          RETURN NEW;
        END""",
}


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name, body in POSTGRES_FUNCTIONS.items():
            run(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
    else:
        for name, body in SQLITE_TRIGGERS.items():
            run(f"DROP TRIGGER IF EXISTS {name}")
            run(f"CREATE TRIGGER {name} {body}")


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The guards of 0002 again, reading `timesheets_periodlock` (renamed back by closing/0001)."""
    before.forwards(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_company_locked_through"),
        ("expenses", "0002_period_lock_triggers"),
        # projects/0008 creates 0002's triggers again after rebuilding projects_project: it must run first.
        ("projects", "0008_project_templates_and_archive"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
