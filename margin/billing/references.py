"""What billed time points at, checked once per statement on PostgreSQL (ADR 0023).

`billing_billedtime` has a row per billed time entry: an invoice run of 100,000 entries writes 100,000
rows. A foreign key checks each row on its own (a lookup and a row lock on the entry and on the line):
200,000 checks took twice as long as the whole rest of the run. These triggers keep the same guarantees
with a few set-based statements:

- rows written to billed time must point at an existing time entry and invoice line: one anti-join per
  statement, after locking the few lines (as a foreign key would) and the entries' few projects;
- a time entry or an invoice line that billed time points at cannot be deleted. A delete of entries
  first locks their projects, which waits for any transaction that is billing time of those projects
  (it holds them in share mode), and only then looks for billed rows, so it sees that transaction's
  rows once it has committed. An invoice line is row-locked by the billing transaction itself.

SQLite writes one transaction at a time and keeps its declared foreign keys (they cost little there;
`test_references.py` proves them on both databases).
"""

from __future__ import annotations

from typing import Any

MISSING = "billed time must point at an existing time entry and invoice line"
STILL_BILLED = "billed time points at it"

POSTGRES_FUNCTIONS = {
    # The lines first (one per invoice line, few): locked as a foreign key would, and all must exist.
    # Then the projects the entries belong to, locked in share mode: the lines' projects, which are the
    # entries' own unless something is wrong, so one pass over the entries checks that they exist and
    # finds any stray project to lock before checking again.
    "margin_billedtime_references": f"""
        DECLARE
          line_ids bigint[];
          projects bigint[];
          found bigint[];
          strays bigint[];
          locked integer;
        BEGIN
          SELECT array_agg(line_id) INTO line_ids FROM (SELECT DISTINCT line_id FROM changed_rows) AS lines;
          PERFORM 1 FROM billing_invoiceline l WHERE l.id = ANY(line_ids) ORDER BY l.id FOR KEY SHARE;
          GET DIAGNOSTICS locked = ROW_COUNT;
          IF locked <> coalesce(cardinality(line_ids), 0)
          THEN RAISE EXCEPTION '{MISSING}' USING ERRCODE = 'foreign_key_violation'; END IF;
          SELECT coalesce(array_agg(DISTINCT project_id) FILTER (WHERE project_id IS NOT NULL), '{{}}')
            INTO projects FROM billing_invoiceline WHERE id = ANY(line_ids);
          LOOP
            PERFORM 1 FROM projects_project p WHERE p.id = ANY(projects) ORDER BY p.id FOR SHARE;
            -- After the locks: an entry deleted by a transaction we waited for is missing now.
            -- The entries' distinct projects, NULL for an entry that does not exist.
            SELECT array_agg(project_id) INTO found FROM (
              SELECT DISTINCT e.project_id
              FROM changed_rows c LEFT JOIN timesheets_timeentry e ON e.id = c.time_entry_id
            ) AS entry_projects;
            IF array_position(found, NULL) IS NOT NULL
            THEN RAISE EXCEPTION '{MISSING}' USING ERRCODE = 'foreign_key_violation'; END IF;
            strays := ARRAY(SELECT unnest(found) EXCEPT SELECT unnest(projects));
            EXIT WHEN cardinality(strays) = 0;
            projects := projects || strays;
          END LOOP;
          RETURN NULL;
        END""",
    "margin_timeentry_unbilled_delete": f"""
        BEGIN
          PERFORM 1 FROM projects_project p WHERE p.id IN (SELECT DISTINCT project_id FROM gone)
            ORDER BY p.id FOR NO KEY UPDATE;
          IF EXISTS (SELECT 1 FROM gone g JOIN billing_billedtime b ON b.time_entry_id = g.id)
          THEN RAISE EXCEPTION 'time entry cannot be deleted: {STILL_BILLED}'
               USING ERRCODE = 'foreign_key_violation'; END IF;
          RETURN NULL;
        END""",
    "margin_invoiceline_unbilled_delete": f"""
        BEGIN
          IF EXISTS (SELECT 1 FROM gone g JOIN billing_billedtime b ON b.line_id = g.id)
          THEN RAISE EXCEPTION 'invoice line cannot be deleted: {STILL_BILLED}'
               USING ERRCODE = 'foreign_key_violation'; END IF;
          RETURN NULL;
        END""",
}

# name: (table, when, scope, function)
POSTGRES_TRIGGERS = {
    "billing_billedtime_references_insert": (
        "billing_billedtime",
        "AFTER INSERT",
        "REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT",
        "margin_billedtime_references",
    ),
    "billing_billedtime_references_update": (
        "billing_billedtime",
        "AFTER UPDATE",
        "REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT",
        "margin_billedtime_references",
    ),
    "timesheets_timeentry_unbilled_delete": (
        "timesheets_timeentry",
        "AFTER DELETE",
        "REFERENCING OLD TABLE AS gone FOR EACH STATEMENT",
        "margin_timeentry_unbilled_delete",
    ),
    "billing_invoiceline_unbilled_delete": (
        "billing_invoiceline",
        "AFTER DELETE",
        "REFERENCING OLD TABLE AS gone FOR EACH STATEMENT",
        "margin_invoiceline_unbilled_delete",
    ),
}

# The foreign keys the triggers replace: (column, referenced table), named as Django named them.
FOREIGN_KEYS = (("time_entry_id", "timesheets_timeentry"), ("line_id", "billing_invoiceline"))


def install(schema_editor: Any) -> None:
    """Drop billed time's foreign keys and put the statement-level checks in their place (PostgreSQL)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, "billing_billedtime")
    for name, constraint in constraints.items():
        if constraint["foreign_key"]:
            run(f'ALTER TABLE billing_billedtime DROP CONSTRAINT "{name}"')
    for name, body in POSTGRES_FUNCTIONS.items():
        run(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
    for name, (table, when, scope, function) in POSTGRES_TRIGGERS.items():
        run(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        run(f"CREATE TRIGGER {name} {when} ON {table} {scope} EXECUTE FUNCTION {function}()")


def uninstall(schema_editor: Any) -> None:
    """The foreign keys again, as Django declares them (deferred to commit)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    for name, (table, *_how) in POSTGRES_TRIGGERS.items():
        run(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for name in POSTGRES_FUNCTIONS:
        run(f"DROP FUNCTION IF EXISTS {name}()")
    for column, table in FOREIGN_KEYS:
        run(
            f"ALTER TABLE billing_billedtime ADD CONSTRAINT billing_billedtime_{column}_fk "
            f"FOREIGN KEY ({column}) REFERENCES {table} (id) DEFERRABLE INITIALLY DEFERRED"
        )
