"""Assertions that action tests share: a refused call changed nothing; a change wrote its audit row.

    with refused(Conflict, entry, match="billed"):
        time_entry_update(viewer=..., entry=entry, minutes=30)

`refused` counts the rows of every Margin table (and users) before and after, and compares the
stored columns of the given objects, so a refusal that wrote anything at all (an audit row, a
half-made invoice, a changed column) fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.db import DatabaseError, IntegrityError, connection, models, transaction

from margin.core.errors import PERIOD_CLOSED_MARK, DomainError
from margin.core.models import AuditEntry

APP_LABELS = {
    "auth",
    "core",
    "accounts",
    "crm",
    "projects",
    "rates",
    "timesheets",
    "expenses",
    "billing",
    "receivables",
    "closing",
    "contracts",
    "risks",
    "collaboration",
    "notifications",
}


def table_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in APP_LABELS
    }


def stored(*objects: models.Model) -> list[dict[str, Any] | None]:
    """The stored columns of each object, read from the database now."""
    return [type(obj)._default_manager.filter(pk=obj.pk).values().first() for obj in objects]


@contextmanager
def refused(
    error: type[DomainError], *objects: models.Model, match: str | None = None
) -> Iterator[pytest.ExceptionInfo[DomainError]]:
    """The block raises `error` (message matching `match`) and the database is exactly as before."""
    counts, rows = table_counts(), stored(*objects)
    with pytest.raises(error, match=match) as info:
        yield info
    assert info.value.message, "a refusal must say why"
    assert table_counts() == counts, "a refused call changed the number of rows"
    assert stored(*objects) == rows, "a refused call changed an object"


def audit_rows(action: str, obj: models.Model | None = None) -> list[AuditEntry]:
    """Audit rows of one action (for one object when given), oldest first."""
    rows = AuditEntry.objects.filter(action=action)
    if obj is not None:
        rows = rows.filter(object_type=obj._meta.label_lower, object_id=obj.pk)
    return list(rows.order_by("id"))


def audit_row(action: str, obj: models.Model | None = None) -> AuditEntry:
    """The one audit row of an action on an object (fails if there is none or several)."""
    rows = audit_rows(action, obj)
    assert len(rows) == 1, f"expected one {action} audit row, found {len(rows)}"
    return rows[0]


def assigned(task: models.Model) -> list[str]:
    """The names of the people a task's person assignments give it (ADR 0011), the lead first."""
    from margin.projects.planning import task_people

    return [p.name for p in task_people([task.pk]).get(task.pk, [])]


class _Undo(Exception):
    """Rolls back a statement the database accepted, so the test's database stays as it was."""


def database_refuses(sql: str, params: list[object], *, table: str) -> bool:
    """Whether the database refuses a raw statement on `table`, now (a trigger, PostgreSQL) or when its
    foreign keys are checked (SQLite defers them to the commit); either way nothing of it stays."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
            connection.check_constraints(table_names=[table])
            raise _Undo
    except IntegrityError:
        return True
    except _Undo:
        return False
    except DatabaseError as error:  # PostgreSQL: a guard trigger's RAISE EXCEPTION
        if PERIOD_CLOSED_MARK in str(error):
            return True
        raise


def set_lock_date(company: models.Model, through: date | None) -> None:
    """Set a company's lock date as `closing.actions.period_close` writes it (ADR 0028): for the tests of the
    apps below `closing` (time, expenses, billing, receivables), which may not import it."""
    type(company)._default_manager.filter(pk=company.pk).update(locked_through=through)
    company.refresh_from_db(fields=["locked_through"])
