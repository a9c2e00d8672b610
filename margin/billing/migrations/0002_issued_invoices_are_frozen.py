"""Issued invoices are immutable (ARCHITECTURE §4), enforced by the database itself.

The actions already refuse to change an issued invoice; these triggers make the rule hold for any
code path (a shell, a future bulk update, a bug). Deletes are left to the actions: Django's test
flush deletes rows on SQLite, and deleting an issued invoice is refused by `invoice_discard`.
Voiding and credit notes (a later issue) will extend, not remove, these rules.
"""

from django.db import migrations

FROZEN = "issued invoices are immutable"

SQLITE = [
    f"""CREATE TRIGGER billing_invoice_frozen BEFORE UPDATE ON billing_invoice
        WHEN OLD.status = 'issued'
        BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
    f"""CREATE TRIGGER billing_invoiceline_frozen_insert BEFORE INSERT ON billing_invoiceline
        WHEN (SELECT status FROM billing_invoice WHERE id = NEW.invoice_id) = 'issued'
        BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
    f"""CREATE TRIGGER billing_invoiceline_frozen_update BEFORE UPDATE ON billing_invoiceline
        WHEN (SELECT status FROM billing_invoice WHERE id = OLD.invoice_id) = 'issued'
        BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
    f"""CREATE TRIGGER timesheets_timeentry_billed_frozen BEFORE UPDATE ON timesheets_timeentry
        WHEN OLD.invoice_line_id IS NOT NULL
         AND (NEW.invoice_line_id IS NOT OLD.invoice_line_id OR NEW.minutes != OLD.minutes
              OR NEW.bill_amount_minor != OLD.bill_amount_minor OR NEW.status != OLD.status
              OR NEW.work_date != OLD.work_date OR NEW.project_id != OLD.project_id)
         AND (SELECT i.status FROM billing_invoiceline l JOIN billing_invoice i ON i.id = l.invoice_id
              WHERE l.id = OLD.invoice_line_id) = 'issued'
        BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS billing_invoice_frozen",
    "DROP TRIGGER IF EXISTS billing_invoiceline_frozen_insert",
    "DROP TRIGGER IF EXISTS billing_invoiceline_frozen_update",
    "DROP TRIGGER IF EXISTS timesheets_timeentry_billed_frozen",
]

POSTGRES = [
    f"""CREATE FUNCTION margin_invoice_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF OLD.status = 'issued' THEN RAISE EXCEPTION '{FROZEN}'; END IF;
          RETURN NEW;
        END $$""",
    """CREATE TRIGGER billing_invoice_frozen BEFORE UPDATE ON billing_invoice
        FOR EACH ROW EXECUTE FUNCTION margin_invoice_frozen()""",
    f"""CREATE FUNCTION margin_invoiceline_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF (SELECT status FROM billing_invoice
              WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.invoice_id ELSE OLD.invoice_id END) = 'issued'
          THEN RAISE EXCEPTION '{FROZEN}'; END IF;
          RETURN NEW;
        END $$""",
    """CREATE TRIGGER billing_invoiceline_frozen BEFORE INSERT OR UPDATE ON billing_invoiceline
        FOR EACH ROW EXECUTE FUNCTION margin_invoiceline_frozen()""",
    f"""CREATE FUNCTION margin_timeentry_billed_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF OLD.invoice_line_id IS NOT NULL
             AND (NEW.invoice_line_id IS DISTINCT FROM OLD.invoice_line_id OR NEW.minutes <> OLD.minutes
                  OR NEW.bill_amount_minor <> OLD.bill_amount_minor OR NEW.status <> OLD.status
                  OR NEW.work_date <> OLD.work_date OR NEW.project_id <> OLD.project_id)
             AND (SELECT i.status FROM billing_invoiceline l JOIN billing_invoice i ON i.id = l.invoice_id
                  WHERE l.id = OLD.invoice_line_id) = 'issued'
          THEN RAISE EXCEPTION '{FROZEN}'; END IF;
          RETURN NEW;
        END $$""",
    """CREATE TRIGGER timesheets_timeentry_billed_frozen BEFORE UPDATE ON timesheets_timeentry
        FOR EACH ROW EXECUTE FUNCTION margin_timeentry_billed_frozen()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS timesheets_timeentry_billed_frozen ON timesheets_timeentry",
    "DROP FUNCTION IF EXISTS margin_timeentry_billed_frozen()",
    "DROP TRIGGER IF EXISTS billing_invoiceline_frozen ON billing_invoiceline",
    "DROP FUNCTION IF EXISTS margin_invoiceline_frozen()",
    "DROP TRIGGER IF EXISTS billing_invoice_frozen ON billing_invoice",
    "DROP FUNCTION IF EXISTS margin_invoice_frozen()",
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
        ("timesheets", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
