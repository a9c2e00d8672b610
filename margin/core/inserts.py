"""Writing one row per id in one statement: an event fanned out to a whole firm.

`bulk_create` builds a model instance per row and prepares every value through its field: for the 10,000
notifications of one event, four fifths of the time; even a prepared `executemany` is 10,000 executions on
PostgreSQL. The rows of a fan-out differ only by the user, so the ids go in as one array and the database
repeats the rest. The callers have already checked and adapted the values, and need no ids back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, models


def insert_for_each(model: type[models.Model], fixed: Mapping[str, Any], column: str, ids: Sequence[int]) -> int:
    """Insert one row per id into `model`'s table: `column` takes the id, the other columns the `fixed` values
    (already adapted). One statement whatever the number of ids: the ids travel as one array parameter
    (PostgreSQL `unnest`, SQLite `json_each`), which is what an event fanned out to 10,000 people needs."""
    if not ids:
        return 0
    ops = connection.ops
    names = [*fixed, column]
    known = {f.column for f in model._meta.concrete_fields}
    unknown = [c for c in names if c not in known]
    if unknown:
        raise ValueError(f"{model._meta.label} has no column {unknown[0]}")
    table = ops.quote_name(model._meta.db_table)
    into = ", ".join(ops.quote_name(c) for c in names)
    picks = ", ".join(["%s"] * len(fixed))
    numbers = [int(i) for i in ids]
    array: list[int] | str
    if connection.vendor == "postgresql":
        source, value, array = "unnest(%s::bigint[]) AS ids(value)", "ids.value", numbers
    else:
        source, value, array = "json_each(%s)", "value", json.dumps(numbers)
    sql = f"INSERT INTO {table} ({into}) SELECT {picks}, {value} FROM {source}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*fixed.values(), array])
    return len(ids)


def adapted_now(value: Any) -> Any:
    """A timestamp as the database takes it as a parameter (SQLite: text; PostgreSQL: the datetime)."""
    return connection.ops.adapt_datetimefield_value(value)
