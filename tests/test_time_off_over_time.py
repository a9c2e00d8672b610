"""Time off over approved time is refused, naming the days (time entries live in timesheets, above resourcing:
the action reads them through the person's relation, so this cross-app test lives here)."""

from __future__ import annotations

from datetime import date, timedelta

from margin.accounts.models import Person
from margin.core.errors import Conflict
from margin.resourcing.actions.time_off import time_off_approve, time_off_cancel, time_off_request
from margin.resourcing.models import TimeOff
from margin.timesheets.actions import time_entries_approve, time_entries_submit, time_entry_create
from tests.checks import refused
from tests.firm import Firm

MONDAY = date(2026, 3, 2)


def _ask(firm: Firm, first: date, last: date) -> TimeOff:
    return time_off_request(viewer=firm.member, person=firm.member_person, first_day=first, last_day=last)


def test_time_off_over_approved_time_is_refused_naming_the_days(firm: Firm) -> None:
    Person.objects.filter(pk=firm.member_person.pk).update(manager=firm.manager_person)
    entry = time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=MONDAY, minutes=60)
    _ask(firm, MONDAY + timedelta(days=3), MONDAY + timedelta(days=3))  # draft time elsewhere: fine
    waiting = _ask(firm, MONDAY, MONDAY)  # draft time: not approved, fine to request
    time_entries_submit(viewer=firm.member, monday=MONDAY)
    time_entries_approve(viewer=firm.manager, entry_ids=[entry.pk])
    with refused(Conflict, waiting, match=r"Tom has approved time on Mon 2 Mar 2026; time off cannot cover"):
        time_off_approve(viewer=firm.manager, time_off=waiting)
    time_off_cancel(viewer=firm.member, time_off=waiting)
    with refused(Conflict, match="approved time on Mon 2 Mar 2026"):
        _ask(firm, MONDAY - timedelta(days=2), MONDAY + timedelta(days=1))
