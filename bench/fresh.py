"""An empty, migrated database for a benchmark, and Django set up on it.

``fresh_database(url)`` deletes the SQLite file (and its WAL files) or drops and creates the PostgreSQL database
named by ``url``; ``django_on(url)`` points the settings at it, sets Django up and runs the migrations.
"""

from __future__ import annotations

import os
from pathlib import Path


def fresh_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite://"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def django_on(url: str) -> None:
    """A fresh database at ``url``, Django set up on it, migrated."""
    fresh_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
