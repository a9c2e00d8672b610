"""A bulk import on SQLite does the per-row triggers' work once (ADR 0027): the totals stay the entries' sums
(test_time_totals.py checks them after imports on both databases), a row dated in a closed period is still
refused by the database, and the flag that sets the triggers aside never outlives the import."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from margin.timesheets.bulk import FLAG, bulk_rows
from margin.timesheets.models import ProjectTimeTotal, TimeEntry
from margin.timesheets.tests.test_references import INSERT, _values
from tests.checks import set_lock_date
from tests.firm import Firm

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's triggers are per statement")
INSERT_WITH_ID = INSERT.replace("(organisation_id", "(id, organisation_id").replace("VALUES (", "VALUES (%s, ")


def _flag_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {FLAG}")
        return int(cursor.fetchone()[0])


def _insert(firm: Firm, pk: int, work_date: date) -> None:
    with connection.cursor() as cursor:
        cursor.execute(INSERT_WITH_ID, [pk, *_values(firm, work_date=work_date)])


@pytest.mark.django_db
def test_inside_a_bulk_insert_the_totals_are_added_once_at_the_end(firm: Firm) -> None:
    with transaction.atomic(), bulk_rows(9001, 9003):
        for pk in (9001, 9002, 9003):
            _insert(firm, pk, date(2026, 1, 5))
        assert not ProjectTimeTotal.objects.filter(project=firm.project).exists()  # the trigger stood aside
    total = ProjectTimeTotal.objects.get(project=firm.project)
    assert (total.entries, total.minutes) == (3, 180)
    assert _flag_rows() == 0
    # Outside a bulk insert the trigger adds each row again.
    _insert(firm, 9004, date(2026, 1, 5))
    assert ProjectTimeTotal.objects.get(project=firm.project).entries == 4


@pytest.mark.django_db
def test_a_bulk_insert_into_a_closed_period_is_refused_and_leaves_nothing(firm: Firm) -> None:
    set_lock_date(firm.usd, date(2026, 1, 31))
    with pytest.raises(IntegrityError, match="period closed"), transaction.atomic(), bulk_rows(9001, 9002):
        _insert(firm, 9001, date(2026, 2, 2))
        _insert(firm, 9002, date(2026, 1, 5))  # inside the closed period
    assert not TimeEntry.objects.exists() and not ProjectTimeTotal.objects.exists()
    assert _flag_rows() == 0
    # And row by row, outside a bulk insert, the trigger refuses it at once.
    with pytest.raises(IntegrityError, match="period closed"), transaction.atomic():
        _insert(firm, 9003, date(2026, 1, 5))
