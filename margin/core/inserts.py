"""Writing many rows of one table fast: one prepared INSERT run for every row (``executemany``).

`bulk_create` builds a model instance per row and prepares every value through its field: for the 10,000
notifications of one event fanned out to a whole firm, that is four fifths of the time. The callers here
write rows whose values they have already checked and adapted, and need no ids back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Insert `rows` (values in the order of `columns`, already adapted for the database) into `model`'s table.

    Only quoted constant identifiers (the model's table and its columns) are formatted into the statement;
    every value is a parameter. Returns the number of rows written."""
    if not rows:
        return 0
    ops = connection.ops
    known = {f.column for f in model._meta.concrete_fields}
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise ValueError(f"{model._meta.label} has no column {unknown[0]}")
    table = ops.quote_name(model._meta.db_table)
    names = ", ".join(ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return len(rows)


def adapted_now(value: Any) -> Any:
    """A timestamp as the database takes it as a parameter (SQLite: text; PostgreSQL: the datetime)."""
    return connection.ops.adapt_datetimefield_value(value)
