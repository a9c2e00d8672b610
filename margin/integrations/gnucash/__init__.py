"""GnuCash: the journal as a GnuCash SQLite book, written by piecash in a venv of its own (piecash pins
SQLAlchemy < 1.5; docs/adr/0030-ledger-exports.md)."""
