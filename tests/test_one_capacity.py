"""One capacity (ADR 0032): the week grid, the approvals inbox, the reminder and the home show the same number for
the same person and week — a part-timer on a company calendar with a public holiday and an approved half day off."""

from __future__ import annotations

from datetime import date, timedelta

from margin.accounts.models import Person
from margin.projects.models import WorkCalendar
from margin.reporting.work import my_work
from margin.resourcing.actions.time_off import time_off_approve, time_off_request
from margin.resourcing.capacity import capacity_by_day
from margin.timesheets.actions import time_entries_submit, time_entry_create
from margin.timesheets.inbox import InboxFilter, inbox_groups
from margin.timesheets.jobs import reminders_due
from margin.web.views.week import week_context
from tests.firm import Firm

MONDAY = date(2026, 11, 23)  # Thanksgiving (US) is Thursday 26 November 2026
FULL_DAY = [[540, 780], [840, 1080]]
PART_TIME = 24 * 60  # 288 minutes on each working day of a Monday-to-Friday week
HALF_DAY = 144  # half of Tom's day, on Wednesday
EXPECTED = 3 * 288 + (288 - HALF_DAY)  # Mon, Tue, Fri; Wed halved; Thursday a holiday


def test_every_screen_shows_the_same_capacity(firm: Firm) -> None:
    WorkCalendar.objects.create(
        organisation_id=firm.usd.organisation_id,
        company=firm.usd,
        name="Acme US",
        week={str(d): FULL_DAY for d in range(5)} | {"5": [], "6": []},
        country="US",
    )
    Person.objects.filter(pk=firm.member_person.pk).update(
        weekly_capacity_minutes=PART_TIME, manager=firm.manager_person
    )
    tom = Person.objects.get(pk=firm.member_person.pk)
    wednesday = MONDAY + timedelta(days=2)
    off = time_off_request(
        viewer=firm.member, person=tom, first_day=wednesday, last_day=wednesday, minutes_per_day=HALF_DAY
    )
    time_off_approve(viewer=firm.manager, time_off=off)
    per_day = capacity_by_day([tom.pk], [MONDAY + timedelta(days=i) for i in range(7)])[tom.pk]
    assert per_day == [288, 288, 144, 0, 288, 0, 0]
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=MONDAY, minutes=60)
    time_entries_submit(viewer=firm.member, monday=MONDAY)

    grid = week_context(tom.pk, MONDAY)
    inbox = {g.person_id: g for g in inbox_groups(firm.manager, InboxFilter())}[tom.pk]
    reminder = {r.person_id: r for r in reminders_due(today=MONDAY + timedelta(days=9))}[tom.pk]
    home = my_work(tom.pk, MONDAY + timedelta(days=1))

    assert grid["weekly_capacity"] == EXPECTED
    assert [d.capacity for d in grid["days"]] == per_day
    assert inbox.capacity == EXPECTED
    assert reminder.expected_minutes == EXPECTED
    assert home.capacity_minutes == EXPECTED
    assert [d.capacity for d in home.days] == per_day
    assert grid["days"][2].off is not None and grid["days"][2].off.text == "2:24 off"
