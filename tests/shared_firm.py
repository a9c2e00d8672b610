"""One test firm for a module's tests: built once, each test in its own savepoint above it.

`build_firm()` makes about 270 queries (0.14 CPU s), and some 1,500 tests ask for a firm on each database. A
module's tests that ask for `firm` now share one: the first of them builds it inside a transaction that stays open,
every test then runs in pytest-django's own transaction nested in it (a savepoint, rolled back after the test), and
gets a deep copy of the firm's objects as they were built, so nothing one test changes reaches the next.

The shared firm is rolled back before any test of the module that does not ask for it (that test sees the database
as it always did), and before a test that commits for real (`transactional_db`, `live_server`,
`django_db(transaction=True)`: threads and the live server read through other connections, which could not see an
uncommitted firm); those tests build their own, as before.
"""

from __future__ import annotations

import copy
from types import ModuleType
from typing import Any

import pytest
from django.db import connection, connections, transaction

from tests.firm import Firm, build_firm

FIXTURE = "_shared_firm"


def commits_for_real(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    marker = item.get_closest_marker("django_db")
    marked = marker is not None and bool(marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    return marked or bool(names & {"transactional_db", "live_server", "django_db_reset_sequences"})


def shares_the_firm(item: pytest.Item) -> bool:
    return "firm" in getattr(item, "fixturenames", ()) and not commits_for_real(item)


class SharedFirm:
    """The open transaction holding the firm of one module (at most one at a time per process)."""

    def __init__(self) -> None:
        self.module: ModuleType | None = None
        self.firm: Firm | None = None
        self._atomic: Any = None
        self._connection: Any = None
        self.builds = 0

    def for_module(self, module: ModuleType, blocker: Any) -> Firm:
        if self._atomic is not None and self._atomic not in connection.atomic_blocks:
            raise RuntimeError(
                "the shared test firm's transaction ended under a test (a rollback or a closed connection in the"
                " previous test?): that test must ask for transactional_db"
            )
        if self.module is not module:
            self.close(blocker)
            with blocker.unblock():
                self._connection = connections["default"]
                self._atomic = transaction.atomic()
                self._atomic.__enter__()
                self.firm = build_firm()
            self.builds += 1
            self.module = module
        assert self.firm is not None
        return copy.deepcopy(self.firm)

    def close(self, blocker: Any) -> None:
        if self._atomic is None:
            return
        with blocker.unblock():
            if self._atomic in connection.atomic_blocks:
                transaction.set_rollback(True)
                self._atomic.__exit__(None, None, None)
            else:
                # Seen only in the session's last teardown of an xdist worker that ran the browser tests: "default"
                # then resolves to another connection object than the one the firm was built on (Django keeps them
                # per context). Closing that one ends its transaction (the server rolls it back).
                self._connection.close()
        self._atomic = self.firm = self.module = self._connection = None


shared = SharedFirm()
