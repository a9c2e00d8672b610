"""Working calendar actions: validation, permissions, refusals that change nothing, audit, rescheduling."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from margin.accounts.models import Membership
from margin.accounts.queries import Viewer, viewer_for
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.projects import actions
from margin.projects.models import CalendarException, WorkCalendar
from margin.projects.planning import calendar_days, projects_on_calendar
from tests.checks import audit_rows, refused
from tests.firm import Firm

MONDAY = date(2026, 1, 5)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


@pytest.fixture
def plan(firm: Firm) -> Firm:
    """The firm's project from Monday 5 January 2026: Design (2 days) → Build (3 days)."""
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=MONDAY)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=2 * 480)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=3 * 480)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.design, successor=firm.build)
    return firm


def default_of(firm: Firm) -> WorkCalendar:
    return WorkCalendar.objects.get(organisation_id=firm.project.organisation_id, company=None, person=None)


def eur_admin(firm: Firm) -> Viewer:
    """An administrator limited to the EUR company."""
    from django.contrib.auth.models import User

    from margin.accounts import actions as accounts

    user = User.objects.create_user(username="eva", password="x-pass-123456")
    accounts.person_create(
        viewer=firm.admin, company=firm.eur, role=firm.consultant, name="Eva", email="eva@example.test",
        user=user, access_role="admin",
    )  # fmt: skip
    Membership.objects.get(user=user).companies.set([firm.eur])
    return viewer_for(user)


def test_parse_intervals_accepts_text_and_pairs() -> None:
    assert actions.parse_intervals("09:00-12:00, 13:00-17:30", where="Mon", field="w") == [[540, 720], [780, 1050]]
    assert actions.parse_intervals("", where="Mon", field="w") == []
    assert actions.parse_intervals("22:00-24:00", where="Mon", field="w") == [[1320, 1440]]
    assert actions.parse_intervals([[60, 120]], where="Mon", field="w") == [[60, 120]]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("9-12", "not a time"),
        ("09:00", "not an interval"),
        ("12:00-09:00", "end after it starts"),
        ("09:00-25:00", "between 00:00 and 24:00"),
        ("09:61-10:00", "between 00:00 and 24:00"),
        ("13:00-17:00, 09:00-12:00", "out of order"),
        ("09:00-12:00, 11:00-13:00", "overlap"),
    ],
)
def test_bad_intervals_are_refused(text: str, match: str) -> None:
    with pytest.raises(Invalid, match=match):
        actions.parse_intervals(text, where="Monday", field="week.0")


def test_create_company_calendar_derives_from_default_and_audits(plan: Firm) -> None:
    saved = actions.calendar_create(
        viewer=plan.admin, name="US office", company=plan.usd, week={4: "09:00-13:00"}, country="us", subdivision="ny"
    )
    cal = saved.calendar
    assert cal.parent == default_of(plan)
    assert (cal.country, cal.subdivision, cal.week) == ("US", "NY", {"4": [[540, 780]]})
    assert saved.rescheduled == ("GLX-1",)
    row = audit_rows("calendar.create", cal)[0]
    assert row.after is not None and row.after["name"] == "US office" and row.after["rescheduled"] == ["GLX-1"]
    # Friday is half a day; New Year's Day is a US holiday.
    days = {d.day: d for d in calendar_days(cal, date(2026, 1, 1), date(2026, 1, 4))}
    assert days[date(2026, 1, 1)].kind == "holiday" and "New Year" in days[date(2026, 1, 1)].reason
    assert days[date(2026, 1, 2)].minutes == 240 and days[date(2026, 1, 3)].kind == "weekend"


def test_create_refusals_change_nothing(plan: Firm) -> None:
    default = default_of(plan)
    with refused(Forbidden, default):
        actions.calendar_create(viewer=plan.manager, name="Mine", company=plan.usd)
    with refused(Conflict, match="exists already"):
        actions.calendar_create(viewer=plan.admin, name="standard", company=plan.usd)
    with refused(Conflict, match="default calendar already"):
        actions.calendar_create(viewer=plan.admin, name="Another default")
    with refused(Invalid, match="No public holidays"):
        actions.calendar_create(viewer=plan.admin, name="X", company=plan.usd, country="XX")
    with refused(Invalid, match="not a subdivision"):
        actions.calendar_create(viewer=plan.admin, name="X", company=plan.usd, country="DE", subdivision="ZZ")
    with refused(Invalid, match="no working time"):
        actions.calendar_create(viewer=plan.admin, name="X", company=plan.usd, week=dict.fromkeys(range(7), ""))
    with refused(Invalid, match="overlap"):
        actions.calendar_create(viewer=plan.admin, name="X", company=plan.usd, week={0: "09:00-12:00, 11:00-14:00"})
    with refused(Invalid, match="Unknown weekday"):
        actions.calendar_create(viewer=plan.admin, name="X", company=plan.usd, week={7: "09:00-12:00"})
    with refused(NotFound):
        actions.calendar_create(viewer=plan.other_admin, name="X", company=plan.usd)
    actions.calendar_create(viewer=plan.admin, name="US", company=plan.usd)
    with refused(Conflict, match="has a calendar already"):
        actions.calendar_create(viewer=plan.admin, name="US 2", company=plan.usd)


def test_person_calendar_and_scoped_admin(plan: Firm) -> None:
    us = actions.calendar_create(viewer=plan.admin, name="US", company=plan.usd).calendar
    tom = actions.calendar_create(viewer=plan.admin, name="Tom", person=plan.member_person).calendar
    assert tom.parent == us and tom.company == plan.usd
    with refused(Conflict, match="has a calendar already"):
        actions.calendar_create(viewer=plan.admin, name="Tom 2", person=plan.member_person)
    eva = eur_admin(plan)
    eu = actions.calendar_create(viewer=eva, name="EU", company=plan.eur, country="DE", subdivision="BY").calendar
    assert eu.parent == default_of(plan)
    with refused(NotFound, us):  # the US company is not hers
        actions.calendar_update(viewer=eva, calendar=us, name="Hijack")
    with refused(Forbidden, default_of(plan)):  # the default is every company's
        actions.calendar_update(viewer=eva, calendar=default_of(plan), name="Hijack")
    with refused(Invalid, tom, match="person's calendar cannot be the parent"):
        actions.calendar_update(viewer=plan.admin, calendar=us, parent=tom)


def test_parent_cycles_are_refused(plan: Firm) -> None:
    us = actions.calendar_create(viewer=plan.admin, name="US", company=plan.usd).calendar
    eu = actions.calendar_create(viewer=plan.admin, name="EU", company=plan.eur, parent=us).calendar
    default = default_of(plan)
    with refused(Invalid, us, eu, default, match="loop"):
        actions.calendar_update(viewer=plan.admin, calendar=default, parent=eu)
    with refused(Invalid, us, match="own parent"):
        actions.calendar_update(viewer=plan.admin, calendar=us, parent=us)


def test_update_week_reschedules_and_audits(plan: Firm) -> None:
    default = default_of(plan)
    week = dict.fromkeys(range(5), "08:00-12:00, 13:00-17:00") | {5: "", 6: ""}
    saved = actions.calendar_update(viewer=plan.admin, calendar=default, week=week, name="Office")
    assert saved.calendar.name == "Office" and saved.rescheduled == ("GLX-1",)
    plan.design.refresh_from_db()
    assert plan.design.start == at(5, 8)
    row = audit_rows("calendar.update", default)[0]
    assert row.before is not None and row.before["name"] == "Standard" and row.after is not None
    with refused(Invalid, default, match="no working time"):
        actions.calendar_update(viewer=plan.admin, calendar=default, week=dict.fromkeys(range(7), ""))


def test_a_parent_change_cannot_leave_a_child_without_working_time(plan: Firm) -> None:
    default = default_of(plan)
    # US is off Monday to Thursday and inherits Friday from the default.
    actions.calendar_create(viewer=plan.admin, name="US", company=plan.usd, week=dict.fromkeys(range(4), ""))
    with refused(Invalid, default, match="US would have no working time"):
        actions.calendar_update(viewer=plan.admin, calendar=default, week=dict.fromkeys(range(4), "09:00-17:00"))


def test_holiday_exception_moves_the_plan_and_remove_moves_it_back(plan: Firm) -> None:
    default = default_of(plan)
    plan.design.refresh_from_db()
    assert plan.design.start == at(5, 9)
    saved = actions.calendar_exception_add(viewer=plan.admin, calendar=default, first=MONDAY, name="Closed")
    assert saved.rescheduled == ("GLX-1",)
    plan.design.refresh_from_db()
    assert plan.design.start == at(6, 9)
    row = audit_rows("calendar.exception_add", default)[0]
    assert row.after == {"first": "2026-01-05", "last": "2026-01-05", "intervals": [], "name": "Closed",
                         "rescheduled": ["GLX-1"]}  # fmt: skip
    day = calendar_days(default, MONDAY, MONDAY)[0]
    assert (day.kind, day.reason, day.minutes) == ("exception", "Closed", 0)
    exception = CalendarException.objects.get(calendar=default, date=MONDAY)
    actions.calendar_exception_remove(viewer=plan.admin, exception=exception)
    plan.design.refresh_from_db()
    assert plan.design.start == at(5, 9)
    assert len(audit_rows("calendar.exception_remove", default)) == 1


def test_exception_range_with_own_hours_and_refusals(plan: Firm) -> None:
    default = default_of(plan)
    actions.calendar_exception_add(
        viewer=plan.admin, calendar=default, first=date(2026, 1, 10), last=date(2026, 1, 11),
        intervals="10:00-14:00", name="Weekend push",
    )  # fmt: skip
    days = calendar_days(default, date(2026, 1, 10), date(2026, 1, 11))
    assert [(d.kind, d.minutes) for d in days] == [("exception", 240), ("exception", 240)]
    with refused(Conflict, default, match="2026-01-11"):
        actions.calendar_exception_add(viewer=plan.admin, calendar=default, first=date(2026, 1, 11))
    with refused(Invalid, match="end before it starts"):
        actions.calendar_exception_add(viewer=plan.admin, calendar=default, first=MONDAY, last=date(2026, 1, 1))
    with refused(Invalid, match="at most 366"):
        actions.calendar_exception_add(viewer=plan.admin, calendar=default, first=MONDAY, last=date(2028, 1, 1))
    with refused(Invalid, match="overlap"):
        actions.calendar_exception_add(
            viewer=plan.admin, calendar=default, first=MONDAY, intervals="9:00-12:00,10:00-11:00"
        )
    with refused(Forbidden):
        actions.calendar_exception_add(viewer=plan.manager, calendar=default, first=MONDAY)
    with refused(NotFound):
        actions.calendar_exception_add(viewer=plan.other_admin, calendar=default, first=MONDAY)
    exception = CalendarException.objects.filter(calendar=default).first()
    assert exception is not None
    with refused(Forbidden, exception):
        actions.calendar_exception_remove(viewer=plan.member, exception=exception)


def test_delete_refused_while_in_use(plan: Firm) -> None:
    default = default_of(plan)
    us = actions.calendar_create(viewer=plan.admin, name="US", company=plan.usd).calendar
    with refused(Conflict, default, match="US derives from it"):
        actions.calendar_delete(viewer=plan.admin, calendar=default)
    with refused(Conflict, us, match="GLX-1"):
        actions.calendar_delete(viewer=plan.admin, calendar=us)
    eu = actions.calendar_create(viewer=plan.admin, name="EU", company=plan.eur).calendar
    assert projects_on_calendar(eu) == []
    with refused(Forbidden, eu):
        actions.calendar_delete(viewer=plan.manager, calendar=eu)
    actions.calendar_delete(viewer=plan.admin, calendar=eu)
    assert not WorkCalendar.objects.filter(pk=eu.pk).exists()
    assert len(audit_rows("calendar.delete")) == 1


def test_projects_on_calendar_follows_inheritance(plan: Firm) -> None:
    default = default_of(plan)
    assert projects_on_calendar(default) == [plan.project]
    us = actions.calendar_create(viewer=plan.admin, name="US", company=plan.usd).calendar
    assert projects_on_calendar(default) == [plan.project]  # US derives from the default
    assert projects_on_calendar(us) == [plan.project]
    actions.calendar_update(viewer=plan.admin, calendar=us, parent=None, week=dict.fromkeys(range(5), "09:00-17:00"))
    assert projects_on_calendar(default) == []


def test_a_task_runs_on_its_assignees_own_calendar(plan: Firm) -> None:
    """Design Mon–Tue, then Build 3 days: Wed, Thu, Fri. Tom does not work on Fridays, so once Build is his it
    runs Wed, Thu and the next Monday; a change to his calendar reschedules the project."""
    plan.build.refresh_from_db()
    assert plan.build.finish == at(9, 18)
    tom = actions.calendar_create(viewer=plan.admin, name="Tom", person=plan.member_person, week={4: ""})
    assert tom.rescheduled == ()  # nothing of Tom's yet
    actions.task_board_move(
        viewer=plan.manager, task=plan.build, status=plan.build.status, position=0, assignee=plan.member_person
    )
    plan.build.refresh_from_db()
    assert plan.build.finish == at(12, 18)
    saved = actions.calendar_update(viewer=plan.admin, calendar=tom.calendar, week={4: "09:00-17:00"})
    assert saved.rescheduled == ("GLX-1",)
    plan.build.refresh_from_db()
    assert plan.build.finish == at(9, 17)  # his Friday is 09:00–17:00 straight


def test_a_project_with_its_own_calendar_uses_it_and_only_it(plan: Firm) -> None:
    """An MS Project import gives a project a calendar of its own: changes to it reschedule the project, the
    company's calendar no longer does, and it cannot be deleted while the project plans on it."""
    us = actions.calendar_create(viewer=plan.admin, name="US", company=plan.usd).calendar
    default = default_of(plan)
    own = WorkCalendar.objects.create(
        organisation=default.organisation, name="GLX plan", parent=default, week={"0": []}
    )
    plan.project.calendar = own
    plan.project.save(update_fields=["calendar"])
    saved = actions.calendar_exception_add(viewer=plan.admin, calendar=own, first=date(2026, 1, 6), name="Off")
    assert saved.rescheduled == ("GLX-1",)
    plan.design.refresh_from_db()
    assert plan.design.start == at(7, 9)  # Monday is not a working day of its own calendar, Tuesday is off
    assert actions.calendar_exception_add(viewer=plan.admin, calendar=us, first=MONDAY).rescheduled == ()
    with refused(Conflict, own, match="the plan of GLX-1 uses it"):
        actions.calendar_delete(viewer=plan.admin, calendar=own)
