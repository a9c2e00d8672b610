"""The database's guards on the journal (ARCHITECTURE §4: journals balance; ADR 0029).

An entry's lines are inserted first and the entry row last, in one transaction (the foreign key from a
line to its entry is checked at commit). The triggers then make these hold for any code path:

- an entry is stored only if its lines balance (debits = credits), number at least two, and carry the
  entry's company and date;
- an entry is stored only as the next link of its company's chain: `seq` one past the last, `prev_hash`
  the last entry's hash;
- lines are never added to a stored entry, and neither entries nor lines are ever updated (PostgreSQL
  also refuses deletes; on SQLite Django's test flush empties tables with DELETE, so deletes are left to
  the actions, which never delete);
- a line's account belongs to the line's company;
- nothing is dated on or before the company's lock date (`accounts_company.locked_through`).

Migrations import this module and install the whole set, so each migration that changes them installs
the current version. Both databases report a refusal as an integrity error (SQLite's RAISE(ABORT) in a
trigger is a constraint failure; PostgreSQL's is raised with that SQLSTATE).
"""

from __future__ import annotations

from margin.books.rules import GENESIS

UNBALANCED = "journal entry does not balance"
IMMUTABLE = "posted journal entries are immutable"
CHAIN = "journal entry is not the next link of the company chain"
FOREIGN_ACCOUNT = "journal line account is not one of its company"
CLOSED = "journal entry dated in a closed period"

# Columns an entry keeps for ever (posted_by may still become NULL when a user is deleted).
ENTRY_COLUMNS = [
    "organisation_id",
    "company_id",
    "seq",
    "date",
    "description",
    "source_kind",
    "source_id",
    "reverses_id",
    "currency",
    "prev_hash",
    "hash",
    "posted_at",
]

_LINES_OF_NEW = "FROM books_journalline WHERE entry_id = NEW.id"
_UNBALANCED = f"""(SELECT COALESCE(SUM(amount_minor), 0) {_LINES_OF_NEW}) <> 0
               OR (SELECT COUNT(*) {_LINES_OF_NEW}) < 2
               OR EXISTS (SELECT 1 {_LINES_OF_NEW} AND (company_id <> NEW.company_id OR date <> NEW.date))"""
_NOT_NEXT = f"""NEW.seq <> COALESCE((SELECT MAX(seq) FROM books_journalentry WHERE company_id = NEW.company_id), 0) + 1
               OR NEW.prev_hash <> COALESCE((SELECT hash FROM books_journalentry
                                             WHERE company_id = NEW.company_id AND seq = NEW.seq - 1), '{GENESIS}')"""
_CLOSED = "NEW.date <= (SELECT locked_through FROM accounts_company WHERE id = NEW.company_id)"
_FOREIGN_ACCOUNT = "(SELECT company_id FROM books_account WHERE id = NEW.account_id) IS NOT NEW.company_id"
_AS_INTEGRITY = " USING ERRCODE = 'integrity_constraint_violation'"
_ENTRY_EXISTS = "EXISTS (SELECT 1 FROM books_journalentry WHERE id = NEW.entry_id)"


def _changed(op: str) -> str:
    return " OR ".join(f"NEW.{c} {op} OLD.{c}" for c in ENTRY_COLUMNS)


def sqlite_triggers() -> dict[str, str]:
    def raising(when: str, message: str) -> str:
        return f"WHEN {when} BEGIN SELECT RAISE(ABORT, '{message}'); END"

    return {
        "books_journalentry_balanced": f"BEFORE INSERT ON books_journalentry {raising(_UNBALANCED, UNBALANCED)}",
        "books_journalentry_chained": f"BEFORE INSERT ON books_journalentry {raising(_NOT_NEXT, CHAIN)}",
        "books_journalentry_open_period": f"BEFORE INSERT ON books_journalentry {raising(_CLOSED, CLOSED)}",
        "books_journalentry_immutable": f"BEFORE UPDATE ON books_journalentry {raising(_changed('IS NOT'), IMMUTABLE)}",
        "books_journalline_insert": f"BEFORE INSERT ON books_journalline {raising(_ENTRY_EXISTS, IMMUTABLE)}",
        "books_journalline_account": f"BEFORE INSERT ON books_journalline {raising(_FOREIGN_ACCOUNT, FOREIGN_ACCOUNT)}",
        "books_journalline_immutable": f"BEFORE UPDATE ON books_journalline {raising('1', IMMUTABLE)}",
    }


# PostgreSQL checks inserts once per statement, over the statement's new rows (a transition table): posting a
# hundred thousand entries is one set-based check, not a hundred thousand lookups planned on stale statistics.
# The functions run with nested loops off, so the planner hashes the new rows whatever it believes of the tables.
_NEW_ENTRY_LINES = """SELECT l.entry_id, SUM(l.amount_minor) AS total, COUNT(*) AS n,
                        BOOL_OR(l.company_id <> e.company_id OR l.date <> e.date) AS stray
                      FROM books_journalline l JOIN new_entries e ON e.id = l.entry_id GROUP BY l.entry_id"""
POSTGRES_FUNCTIONS = {
    "margin_journalentry_inserted": f"""
        BEGIN
          IF EXISTS (SELECT 1 FROM new_entries e LEFT JOIN ({_NEW_ENTRY_LINES}) t ON t.entry_id = e.id
                     WHERE t.entry_id IS NULL OR t.total <> 0 OR t.n < 2 OR t.stray)
          THEN RAISE EXCEPTION '{UNBALANCED}'{_AS_INTEGRITY}; END IF;
          IF EXISTS (SELECT 1 FROM new_entries e
                     LEFT JOIN books_journalentry p ON p.company_id = e.company_id AND p.seq = e.seq - 1
                     WHERE NOT COALESCE((e.seq = 1 AND e.prev_hash = '{GENESIS}') OR p.hash = e.prev_hash, FALSE))
          THEN RAISE EXCEPTION '{CHAIN}'{_AS_INTEGRITY}; END IF;
          IF EXISTS (SELECT 1 FROM new_entries e JOIN accounts_company c ON c.id = e.company_id
                     WHERE e.date <= c.locked_through)
          THEN RAISE EXCEPTION '{CLOSED}'{_AS_INTEGRITY}; END IF;
          RETURN NULL;
        END""",
    "margin_journalline_inserted": f"""
        BEGIN
          IF EXISTS (SELECT 1 FROM new_lines l JOIN books_journalentry e ON e.id = l.entry_id)
          THEN RAISE EXCEPTION '{IMMUTABLE}'{_AS_INTEGRITY}; END IF;
          IF EXISTS (SELECT 1 FROM new_lines l LEFT JOIN books_account a ON a.id = l.account_id
                     WHERE a.company_id IS DISTINCT FROM l.company_id)
          THEN RAISE EXCEPTION '{FOREIGN_ACCOUNT}'{_AS_INTEGRITY}; END IF;
          RETURN NULL;
        END""",
    "margin_journalentry_frozen": f"""
        BEGIN
          IF TG_OP = 'DELETE' OR ({_changed("IS DISTINCT FROM")})
          THEN RAISE EXCEPTION '{IMMUTABLE}'{_AS_INTEGRITY}; END IF;
          RETURN NEW;
        END""",
    "margin_journalline_frozen": f"""
        BEGIN
          RAISE EXCEPTION '{IMMUTABLE}'{_AS_INTEGRITY};
        END""",
}

# name: (table, when, scope, function)
POSTGRES_TRIGGERS = {
    "books_journalentry_inserted": (
        "books_journalentry",
        "AFTER INSERT",
        "REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT",
        "margin_journalentry_inserted",
    ),
    "books_journalline_inserted": (
        "books_journalline",
        "AFTER INSERT",
        "REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT",
        "margin_journalline_inserted",
    ),
    "books_journalentry_frozen": (
        "books_journalentry",
        "BEFORE UPDATE OR DELETE",
        "FOR EACH ROW",
        "margin_journalentry_frozen",
    ),
    "books_journalline_frozen": (
        "books_journalline",
        "BEFORE UPDATE OR DELETE",
        "FOR EACH ROW",
        "margin_journalline_frozen",
    ),
}
# Names of an earlier version of the guards, dropped when the current ones are installed.
OLD_POSTGRES = {"books_journalentry_guard": "books_journalentry", "books_journalline_guard": "books_journalline"}
OLD_FUNCTIONS = ("margin_journalentry_guard", "margin_journalline_guard")


def install(vendor: str) -> list[str]:
    """The statements that (re)install every guard on this database."""
    if vendor == "sqlite":
        drops = [f"DROP TRIGGER IF EXISTS {name}" for name in sqlite_triggers()]
        return drops + [f"CREATE TRIGGER {name} {body}" for name, body in sqlite_triggers().items()]
    statements = uninstall(vendor)
    statements += [
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SET enable_nestloop = off AS $$ {body} $$"
        for name, body in POSTGRES_FUNCTIONS.items()
    ]
    statements += [
        f"CREATE TRIGGER {name} {when} ON {table} {scope} EXECUTE FUNCTION {function}()"
        for name, (table, when, scope, function) in POSTGRES_TRIGGERS.items()
    ]
    return statements


def uninstall(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in sqlite_triggers()]
    triggers = {**OLD_POSTGRES, **{name: table for name, (table, *_rest) in POSTGRES_TRIGGERS.items()}}
    statements = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in triggers.items()]
    return statements + [f"DROP FUNCTION IF EXISTS {name}()" for name in (*OLD_FUNCTIONS, *POSTGRES_FUNCTIONS)]
