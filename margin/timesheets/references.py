"""What a time entry points at, checked once per statement on PostgreSQL (ADR 0026).

A time entry has seven references (organisation, company, project, task, person, role, the user who decided
it). PostgreSQL checks a foreign key row by row: a lookup and a `FOR KEY SHARE` lock of the referenced row,
queued until the commit. Loading 100,000 entries queued 700,000 checks: 2.5 s at the commit, as long as the
whole rest of the load. These triggers keep the same guarantees with a few set-based statements:

- rows inserted must point at existing rows: per reference, the distinct values are locked `FOR KEY SHARE`
  in id order (as the foreign key would lock them) and must all be found;
- rows updated are checked the same way, for the references the statement changed (a foreign key is not
  checked when its value stays, and neither are these: an approval of 100,000 entries locks nothing);
- a referenced row cannot be deleted while an entry points at it: a delete of organisations, companies,
  projects, tasks, people, roles or users looks for entries pointing at the deleted rows. A delete that
  races an insert waits on the insert's key-share lock (or the insert waits on the delete's row lock and
  then finds the row gone), so whichever commits first, no entry points at nothing.

Django deletes dependants before what they depend on (and sets `decided_by` to NULL before a user goes), so
checking at the end of each statement, not at the commit, refuses nothing Django does.

SQLite writes one transaction at a time and keeps its declared foreign keys (cheap there, and it has no
statement-level triggers).
"""

from __future__ import annotations

from typing import Any

TABLE = "timesheets_timeentry"

# (column, referenced table, what the message calls it)
REFERENCES = (
    ("organisation_id", "accounts_organisation", "organisation"),
    ("company_id", "accounts_company", "company"),
    ("project_id", "projects_project", "project"),
    ("task_id", "projects_task", "task"),
    ("person_id", "accounts_person", "person"),
    ("role_id", "accounts_role", "role"),
    ("decided_by_id", "auth_user", "user"),
)


def _check(column: str, parent: str, noun: str, rows: str) -> str:
    """Lock the distinct referenced rows in id order; all must exist."""
    return f"""
          SELECT coalesce(array_agg(v ORDER BY v), '{{}}') INTO wanted
            FROM (SELECT DISTINCT {column} AS v FROM {rows} WHERE {column} IS NOT NULL) AS d;
          IF cardinality(wanted) > 0 THEN
            PERFORM 1 FROM {parent} p WHERE p.id = ANY(wanted) ORDER BY p.id FOR KEY SHARE;
            GET DIAGNOSTICS locked = ROW_COUNT;
            IF locked <> cardinality(wanted) THEN
              RAISE EXCEPTION 'time entry must point at an existing {noun}' USING ERRCODE = 'foreign_key_violation';
            END IF;
          END IF;"""


def _inserted() -> str:
    checks = "".join(_check(column, parent, noun, "changed_rows") for column, parent, noun in REFERENCES)
    return f"""
        DECLARE
          wanted bigint[];
          locked integer;
        BEGIN{checks}
          RETURN NULL;
        END"""


def _updated() -> str:
    # Only the rows whose reference changed (usually none: approvals, notes and amounts change no reference).
    changed = " OR ".join(f"n.{column} IS DISTINCT FROM o.{column}" for column, _, _ in REFERENCES)
    checks = "".join(_check(column, parent, noun, _moved(column)) for column, parent, noun in REFERENCES)
    return f"""
        DECLARE
          wanted bigint[];
          locked integer;
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM changed_rows n JOIN old_rows o ON o.id = n.id WHERE {changed}) THEN
            RETURN NULL;
          END IF;{checks}
          RETURN NULL;
        END"""


def _moved(column: str) -> str:
    return (
        f"(SELECT n.{column} FROM changed_rows n JOIN old_rows o ON o.id = n.id"
        f" WHERE n.{column} IS DISTINCT FROM o.{column}) AS m"
    )


def _deleted(column: str, noun: str) -> str:
    return f"""
        BEGIN
          IF EXISTS (SELECT 1 FROM gone g JOIN {TABLE} e ON e.{column} = g.id) THEN
            RAISE EXCEPTION '{noun} cannot be deleted: time entries point at it'
              USING ERRCODE = 'foreign_key_violation';
          END IF;
          RETURN NULL;
        END"""


def functions() -> dict[str, str]:
    """Trigger functions by name."""
    out = {"margin_timeentry_references_insert": _inserted(), "margin_timeentry_references_update": _updated()}
    for column, parent, noun in REFERENCES:
        out[f"margin_{parent}_timeentry_delete"] = _deleted(column, noun)
    return out


def triggers() -> dict[str, tuple[str, str, str, str]]:
    """name: (table, when, scope, function)."""
    out = {
        f"{TABLE}_references_insert": (
            TABLE,
            "AFTER INSERT",
            "REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT",
            "margin_timeentry_references_insert",
        ),
        f"{TABLE}_references_update": (
            TABLE,
            "AFTER UPDATE",
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS changed_rows FOR EACH STATEMENT",
            "margin_timeentry_references_update",
        ),
    }
    for _column, parent, _noun in REFERENCES:
        out[f"{parent}_timeentry_delete"] = (
            parent,
            "AFTER DELETE",
            "REFERENCING OLD TABLE AS gone FOR EACH STATEMENT",
            f"margin_{parent}_timeentry_delete",
        )
    return out


def install(schema_editor: Any) -> None:
    """Drop the time entry's foreign keys and put the statement-level checks in their place (PostgreSQL)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, TABLE)
    ours = {column for column, _, _ in REFERENCES}
    for name, constraint in constraints.items():
        if constraint["foreign_key"] and set(constraint["columns"]) <= ours:
            run(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"')
    for name, body in functions().items():
        run(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
    for name, (table, when, scope, function) in triggers().items():
        run(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        run(f"CREATE TRIGGER {name} {when} ON {table} {scope} EXECUTE FUNCTION {function}()")


def uninstall(schema_editor: Any) -> None:
    """The foreign keys again, as Django declares them (deferred to the commit)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    for name, (table, *_how) in triggers().items():
        run(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for name in functions():
        run(f"DROP FUNCTION IF EXISTS {name}()")
    for column, parent, _noun in REFERENCES:
        run(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_{column}_fk "
            f"FOREIGN KEY ({column}) REFERENCES {parent} (id) DEFERRABLE INITIALLY DEFERRED"
        )
