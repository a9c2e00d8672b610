"""The daily reminder: who is told about missing or unsubmitted time, once per period, in the app and by mail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from margin.accounts import actions as accounts
from margin.accounts.models import Person, SubmitPeriod
from margin.core.models import Notification
from margin.core.periods import week_start
from margin.resourcing.capacity import capacity_between
from margin.timesheets.actions import time_entries_submit, time_entry_create
from margin.timesheets.jobs import (
    Period,
    last_complete_period,
    remind_missing_time,
    remind_missing_time_run,
    reminders_due,
)
from tests.firm import Firm


def _last_monday() -> date:
    return week_start(timezone.localdate()) - timedelta(days=7)


def _log(firm: Firm, viewer: Any, days: int, minutes: int = 480) -> None:
    monday = _last_monday()
    for d in range(days):
        time_entry_create(
            viewer=viewer, project=firm.project, task=firm.build, work_date=monday + timedelta(days=d), minutes=minutes
        )


@pytest.fixture
def week(firm: Firm) -> Firm:
    """Tom: a full week, submitted. Lea: one day, draft. Maya: a full week, not submitted."""
    _log(firm, firm.member, 5)
    time_entries_submit(viewer=firm.member, monday=_last_monday())
    _log(firm, firm.member2, 1)
    _log(firm, firm.manager, 5)
    return firm


def test_periods_and_capacity() -> None:
    wed = date(2026, 3, 4)
    assert last_complete_period(wed, SubmitPeriod.WEEK) == Period("week", date(2026, 2, 23), date(2026, 3, 1))
    assert last_complete_period(date(2026, 3, 2), SubmitPeriod.WEEK).first == date(2026, 2, 23)  # a Monday
    assert last_complete_period(wed, SubmitPeriod.MONTH) == Period("month", date(2026, 2, 1), date(2026, 2, 28))
    assert last_complete_period(date(2026, 1, 10), SubmitPeriod.MONTH).first == date(2025, 12, 1)


def test_expected_time_is_the_capacity_of_the_period(firm: Firm) -> None:
    """The reminder expects the one capacity (resourcing.capacity): 40 h over Monday to Friday without a
    calendar, only while employed."""
    tom = firm.member_person.pk

    def expected(first: date, last: date) -> int:
        return capacity_between([tom], first, last)[tom]

    week = (date(2026, 2, 23), date(2026, 3, 1))
    assert expected(*week) == 2400
    Person.objects.filter(pk=tom).update(start_date=date(2026, 2, 25))
    assert expected(*week) == 3 * 480  # started on Wednesday
    Person.objects.filter(pk=tom).update(start_date=None, end_date=date(2026, 2, 24))
    assert expected(*week) == 2 * 480  # left on Tuesday
    Person.objects.filter(pk=tom).update(start_date=date(2026, 2, 25), end_date=date(2026, 2, 25))
    assert expected(*week) == 480
    Person.objects.filter(pk=tom).update(start_date=None, end_date=date(2026, 2, 20))
    assert expected(*week) == 0  # gone before the week
    Person.objects.filter(pk=tom).update(end_date=None)
    assert expected(date(2026, 2, 1), date(2026, 2, 28)) == 20 * 480
    assert expected(date(2026, 3, 2), date(2026, 3, 1)) == 0


def test_reminders_find_missing_and_unsubmitted_time(week: Firm) -> None:
    firm = week
    due = {r.name: r for r in reminders_due(today=timezone.localdate())}
    # Tom logged and submitted 40 h: nothing to say. Rita belongs to the other firm and logged nothing.
    assert "Tom" not in due
    assert due["Lea"].logged_minutes == 480 and due["Lea"].missing_minutes == 32 * 60 and due["Lea"].unsubmitted == 1
    assert "logged 8:00 of 40:00 h and 1 entry is not submitted" in due["Lea"].text
    assert due["Maya"].missing_minutes == 0 and due["Maya"].unsubmitted == 5
    assert "5 entries are not submitted" in due["Maya"].text and "logged" not in due["Maya"].text
    assert due["Ada Admin"].logged_minutes == 0 and due["Finn Finance"].logged_minutes == 0
    assert set(due) == {"Lea", "Maya", "Ada Admin", "Finn Finance", "Rita"}
    only_acme = reminders_due(today=timezone.localdate(), organisation_id=firm.usd.organisation_id)
    assert {r.name for r in only_acme} == {"Lea", "Maya", "Ada Admin", "Finn Finance"}


def test_inactive_people_without_login_or_not_started_are_not_reminded(week: Firm) -> None:
    firm = week
    Person.objects.filter(pk=firm.member2_person.pk).update(active=False)
    Person.objects.filter(name="Finn Finance").update(start_date=timezone.localdate())  # starts after the period
    Person.objects.filter(name="Ada Admin").update(weekly_capacity_minutes=0)  # no capacity, nothing open
    accounts.person_create(
        viewer=firm.admin,
        company=firm.usd,
        role=firm.consultant,
        name="No Login",
        email="nologin@example.test",
    )
    User.objects.filter(username="maya").update(is_active=False)
    due = {r.name for r in reminders_due(today=timezone.localdate(), organisation_id=firm.usd.organisation_id)}
    assert due == set()


def test_a_monthly_company_looks_at_last_month(firm: Firm) -> None:
    from margin.accounts.models import Company

    Company.objects.filter(pk=firm.usd.pk).update(submit_period=SubmitPeriod.MONTH)
    today = timezone.localdate()
    due = {r.name: r for r in reminders_due(today=today, organisation_id=firm.usd.organisation_id)}
    month = last_complete_period(today, SubmitPeriod.MONTH)
    assert due["Tom"].period == month
    weekdays = sum(1 for i in range((month.last - month.first).days + 1) if (month.first + timedelta(i)).weekday() < 5)
    assert due["Tom"].expected_minutes == 480 * weekdays
    assert month.label in due["Tom"].text


def test_reminding_notifies_in_the_app_and_by_mail_once_per_period(
    week: Firm, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    firm = week
    org = firm.usd.organisation_id
    with django_capture_on_commit_callbacks(execute=True):
        run = remind_missing_time_run(organisation_id=org)
    assert run.notified == 4 and len(run.due) == 4
    lea = Notification.objects.get(user__username="lea")
    assert lea.kind == "time.reminder" and lea.read_at is None and lea.emailed_at is not None
    assert lea.url == f"/week/{_last_monday().isoformat()}/"
    assert "8:00 of 40:00" in lea.text
    assert len(mail.outbox) == 4
    lea_mail = next(m for m in mail.outbox if m.to == ["lea@example.test"])
    assert "please complete your time" in lea_mail.subject
    assert f"http://127.0.0.1:8000/week/{_last_monday().isoformat()}/" in lea_mail.body
    # Running again (the next day, say) tells nobody twice.
    with django_capture_on_commit_callbacks(execute=True):
        again = remind_missing_time_run(organisation_id=org)
    assert again.notified == 0 and len(again.due) == 4
    assert Notification.objects.count() == 4 and len(mail.outbox) == 4
    # Once Lea submits a full week she is no longer due (her earlier notification stays).
    monday = _last_monday()
    for d in range(1, 5):
        time_entry_create(
            viewer=firm.member2, project=firm.project, task=firm.build, work_date=monday + timedelta(d), minutes=480
        )
    time_entries_submit(viewer=firm.member2, monday=_last_monday())
    assert "Lea" not in {r.name for r in reminders_due(today=timezone.localdate(), organisation_id=org)}


def test_the_task_and_the_command(week: Firm, django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    out = StringIO()
    call_command("remind", "--dry-run", "--organisation", "acme", stdout=out)
    assert "4 people would be reminded" in out.getvalue() and "Lea <lea@example.test>" in out.getvalue()
    assert Notification.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remind", "--organisation", "acme", stdout=out)
    assert "4 reminded now" in out.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_missing_time.call(today=timezone.localdate().isoformat()) == 1  # Rita, the other firm
    assert Notification.objects.count() == 5
    with pytest.raises(Exception, match="No organisation"):
        call_command("remind", "--organisation", "nope", stdout=out)


def test_holidays_and_days_off_on_the_calendars_are_not_expected(firm: Firm) -> None:
    from margin.projects.models import CalendarException, WorkCalendar

    monday = _last_monday()
    org = firm.usd.organisation_id
    company_cal = WorkCalendar.objects.create(organisation_id=org, company=firm.usd, name="Acme US")
    CalendarException.objects.create(calendar=company_cal, date=monday, intervals=[], name="Holiday")
    tom_cal = WorkCalendar.objects.create(
        organisation_id=org, person=firm.member_person, parent=company_cal, name="Tom"
    )
    for d in range(1, 5):  # Tuesday to Friday off
        CalendarException.objects.create(calendar=tom_cal, date=monday + timedelta(d), intervals=[], name="Leave")
    for d in range(1, 5):  # Lea works Tuesday to Friday: the Monday is a holiday
        time_entry_create(
            viewer=firm.member2, project=firm.project, task=firm.build, work_date=monday + timedelta(d), minutes=480
        )
    time_entries_submit(viewer=firm.member2, monday=monday)
    due = {r.name: r for r in reminders_due(today=timezone.localdate(), organisation_id=org)}
    assert "Lea" not in due
    assert "Tom" not in due  # the holiday Monday, then on leave: nothing expected
    assert due["Maya"].expected_minutes == 4 * 480  # the company's holiday is everyone's
    # Tom logs a draft on his day off: he is reminded to submit it, not about missing time.
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=monday, minutes=60)
    tom = next(r for r in reminders_due(today=timezone.localdate(), organisation_id=org) if r.name == "Tom")
    assert (tom.expected_minutes, tom.missing_minutes, tom.unsubmitted) == (0, 0, 1)
    assert tom.text.endswith("1 entry is not submitted. Please complete and submit it.")
