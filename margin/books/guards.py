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
FOREIGN_ACCOUNT = "journal line account belongs to another company"
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
_FOREIGN_ACCOUNT = "(SELECT company_id FROM books_account WHERE id = NEW.account_id) <> NEW.company_id"
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


POSTGRES_FUNCTIONS = {
    "margin_journalentry_guard": f"""
        BEGIN
          IF TG_OP = 'DELETE' THEN RAISE EXCEPTION '{IMMUTABLE}'{_AS_INTEGRITY}; END IF;
          IF TG_OP = 'UPDATE' THEN
            IF {_changed("IS DISTINCT FROM")} THEN RAISE EXCEPTION '{IMMUTABLE}'{_AS_INTEGRITY}; END IF;
            RETURN NEW;
          END IF;
          IF {_UNBALANCED} THEN RAISE EXCEPTION '{UNBALANCED}'{_AS_INTEGRITY}; END IF;
          IF {_NOT_NEXT} THEN RAISE EXCEPTION '{CHAIN}'{_AS_INTEGRITY}; END IF;
          IF {_CLOSED} THEN RAISE EXCEPTION '{CLOSED}'{_AS_INTEGRITY}; END IF;
          RETURN NEW;
        END""",
    "margin_journalline_guard": f"""
        BEGIN
          IF TG_OP <> 'INSERT' OR {_ENTRY_EXISTS} THEN RAISE EXCEPTION '{IMMUTABLE}'{_AS_INTEGRITY}; END IF;
          IF {_FOREIGN_ACCOUNT} THEN RAISE EXCEPTION '{FOREIGN_ACCOUNT}'{_AS_INTEGRITY}; END IF;
          RETURN NEW;
        END""",
}

POSTGRES_TRIGGERS = {
    "books_journalentry_guard": ("books_journalentry", "margin_journalentry_guard"),
    "books_journalline_guard": ("books_journalline", "margin_journalline_guard"),
}


def install(vendor: str) -> list[str]:
    """The statements that (re)install every guard on this database."""
    if vendor == "sqlite":
        drops = [f"DROP TRIGGER IF EXISTS {name}" for name in sqlite_triggers()]
        return drops + [f"CREATE TRIGGER {name} {body}" for name, body in sqlite_triggers().items()]
    statements = [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$"
        for name, body in POSTGRES_FUNCTIONS.items()
    ]
    for name, (table, function) in POSTGRES_TRIGGERS.items():
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        statements.append(
            f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
    return statements


def uninstall(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in sqlite_triggers()]
    statements = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, (table, _) in POSTGRES_TRIGGERS.items()]
    return statements + [f"DROP FUNCTION IF EXISTS {name}()" for name in POSTGRES_FUNCTIONS]
