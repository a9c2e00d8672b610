"""Period close in the database for expenses too: an expense line dated on or before the lock date of its
claim's company, or of its project's company, cannot be inserted, changed (in what it is worth, when, for
whom or on what) or (PostgreSQL) deleted, and a claim holding such a line cannot be submitted, approved or
rejected — whatever code path got past `expenses.actions.check_period_open`. Reimbursing (approved →
reimbursed) stays allowed: it is a payment, not a change to the closed period's accounts; so does a
rejected claim going back to draft. Notes and merchant may still be corrected.

SQLite rebuilds a table for some schema changes and drops its triggers with it: a later migration that
rebuilds expenses_expenseline or expenses_expenseclaim must create these triggers again (the test in
margin/expenses/tests/test_period_triggers.py fails if they are missing).
"""

from django.db import migrations

CLOSED = "period closed: expenses dated on or before the lock date cannot change"
# A line row ({row}: NEW or OLD) is in a closed period of its claim's company or its project's company.
LOCKED_LINE = """EXISTS (SELECT 1 FROM timesheets_periodlock l
               WHERE l.reopened_at IS NULL AND l.through >= {row}.date
               AND (l.company_id = (SELECT c.company_id FROM expenses_expenseclaim c WHERE c.id = {row}.claim_id)
                    OR l.company_id = (SELECT p.company_id FROM projects_project p WHERE p.id = {row}.project_id)))"""
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
               JOIN timesheets_periodlock l ON l.reopened_at IS NULL AND l.through >= e.date
               LEFT JOIN projects_project p ON p.id = e.project_id
               WHERE e.claim_id = NEW.id AND (l.company_id = NEW.company_id OR l.company_id = p.company_id))"""

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
# Deletes are left to the actions on SQLite: Django's test flush empties tables with DELETE there.

POSTGRES_FUNCTIONS = {
    # Statement-level on inserts and deletes: one check per statement, whatever the number of rows.
    "margin_expenseline_closed_rows": f"""
        BEGIN
          IF EXISTS (SELECT 1 FROM changed_rows n
                     JOIN timesheets_periodlock l ON l.reopened_at IS NULL AND l.through >= n.date
                     LEFT JOIN expenses_expenseclaim c ON c.id = n.claim_id
                     LEFT JOIN projects_project p ON p.id = n.project_id
                     WHERE l.company_id = c.company_id OR l.company_id = p.company_id)
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
POSTGRES_TRIGGERS = {
    "expenses_expenseline_closed_insert": (
        "expenses_expenseline",
        "AFTER INSERT",
        "REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT",
        "margin_expenseline_closed_rows",
    ),
    "expenses_expenseline_closed_delete": (
        "expenses_expenseline",
        "AFTER DELETE",
        "REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT",
        "margin_expenseline_closed_rows",
    ),
    "expenses_expenseline_closed_update": (
        "expenses_expenseline",
        "BEFORE UPDATE",
        "FOR EACH ROW",
        "margin_expenseline_closed_update",
    ),
    "expenses_expenseclaim_closed_decision": (
        "expenses_expenseclaim",
        "BEFORE UPDATE",
        "FOR EACH ROW",
        "margin_expenseclaim_closed_decision",
    ),
}


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name, body in POSTGRES_FUNCTIONS.items():
            run(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
        for name, (table, events, scope, function) in POSTGRES_TRIGGERS.items():
            run(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            run(f"CREATE TRIGGER {name} {events} ON {table} {scope} EXECUTE FUNCTION {function}()")
    else:
        for name, body in SQLITE_TRIGGERS.items():
            run(f"DROP TRIGGER IF EXISTS {name}")
            run(f"CREATE TRIGGER {name} {body}")


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name, (table, *_rest) in POSTGRES_TRIGGERS.items():
            run(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in POSTGRES_FUNCTIONS:
            run(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            run(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("expenses", "0001_initial"),
        ("timesheets", "0006_period_lock_triggers"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
