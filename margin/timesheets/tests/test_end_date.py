"""A person's last day: no time after it, in every path that logs time (one entry, the import, the CSV
preview), and setting it is refused while time after it exists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from margin.accounts import actions
from margin.accounts.models import Person
from margin.core.errors import Conflict, Invalid
from margin.timesheets import rules
from margin.timesheets.actions import time_entry_create
from tests.checks import refused
from tests.firm import Firm


def test_rule() -> None:
    day = timezone.localdate()
    rules.check_start_date(day, start_date=None, end_date=day, person_name="Tom")
    with pytest.raises(Invalid, match="Tom's last day was"):
        rules.check_start_date(day + timedelta(1), start_date=None, end_date=day, person_name="Tom")


def test_no_time_after_the_end_date(firm: Firm) -> None:
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 7)
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=monday + timedelta(2),
                      minutes=60)  # fmt: skip
    tom = Person.objects.get(pk=firm.member_person.pk)
    with refused(Conflict, tom, match="1 time entry after"):
        actions.person_update(viewer=firm.admin, person=tom, end_date=monday + timedelta(1))
    actions.person_update(viewer=firm.admin, person=tom, end_date=monday + timedelta(2))
    with refused(Invalid, match="last day was"):
        time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=monday + timedelta(3),
                          minutes=60)  # fmt: skip


def test_the_import_refuses_time_after_the_last_day(firm: Firm) -> None:
    from margin.timesheets.actions import ImportRow, time_entries_import

    last = timezone.localdate() - timedelta(days=10)
    actions.person_update(viewer=firm.admin, person=firm.member_person, end_date=last)
    rows = [ImportRow(project_id=firm.project.pk, task_id=firm.build.pk, person_id=firm.member_person.pk,
                      work_date=day, minutes=60) for day in (last, last + timedelta(1))]  # fmt: skip
    with refused(Invalid, match="Row 2: Tom's last day was"):
        time_entries_import(viewer=firm.admin, rows=rows)
