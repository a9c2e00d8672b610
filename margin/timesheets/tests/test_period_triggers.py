"""The database refuses changes to time in a closed period even when code skips the actions' check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from margin.core.periods import week_start
from margin.timesheets.actions import time_entry_create
from margin.timesheets.models import TimeEntry
from tests.checks import set_lock_date
from tests.firm import Firm

MONDAY = week_start(timezone.localdate()) - timedelta(days=7)


def test_the_database_guards_a_closed_period(firm: Firm) -> None:
    inside = time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=MONDAY, minutes=60)
    after = time_entry_create(
        viewer=firm.member, project=firm.project, task=firm.build, work_date=MONDAY + timedelta(days=2), minutes=60
    )
    set_lock_date(firm.usd, MONDAY + timedelta(days=1))

    with pytest.raises(DatabaseError, match="period closed"), transaction.atomic():
        TimeEntry.objects.filter(pk=inside.pk).update(minutes=30)
    with pytest.raises(DatabaseError, match="period closed"), transaction.atomic():
        TimeEntry.objects.filter(pk=after.pk).update(work_date=MONDAY)  # moved into the period
    copy = TimeEntry.objects.get(pk=inside.pk)
    copy.pk = None
    with pytest.raises(DatabaseError, match="period closed"), transaction.atomic():
        copy.save(force_insert=True)
    if connection.vendor == "postgresql":  # SQLite leaves deletes to the actions (the test flush uses DELETE)
        with pytest.raises(DatabaseError, match="period closed"), transaction.atomic():
            TimeEntry.objects.filter(pk=inside.pk).delete()
    assert TimeEntry.objects.get(pk=inside.pk).minutes == 60

    # Outside the period, and billable minutes alone (recomputed by billing increments), pass.
    TimeEntry.objects.filter(pk=after.pk).update(minutes=45)
    TimeEntry.objects.filter(pk=inside.pk).update(billable_minutes=60)
