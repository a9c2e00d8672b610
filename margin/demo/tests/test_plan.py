"""The demo's plan without the database: coherent and date-free on any day it is loaded."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from margin.demo.dates import company_calendars
from margin.demo.plan import Plan, make_plan
from margin.demo.schedules import DAY
from margin.demo.specs import OVERLOAD, PEOPLE, PROJECTS, WEEKS
from margin.projects.models import LinkKind, ProjectStatus, TaskStatus

# A Wednesday, a Monday, a Sunday, New Year's Day, New Year's Eve, a leap day, a Saturday before Easter.
ANCHORS = [
    date(2026, 3, 11),
    date(2025, 6, 2),
    date(2025, 9, 14),
    date(2025, 1, 1),
    date(2024, 12, 31),
    date(2024, 2, 29),
    date(2025, 4, 19),
]


@pytest.fixture(scope="module", params=ANCHORS, ids=str)
def plan(request: pytest.FixtureRequest) -> Plan:
    return make_plan(request.param)


def test_the_demo_code_names_no_calendar_date() -> None:
    """Every date comes from the anchor: no literal year or date in the demo's modules."""
    for path in Path(__file__).parents[1].glob("*.py"):
        text = path.read_text()
        assert not re.search(r"date\(\s*\d{4}|\b20\d\d-\d\d-\d\d\b", text), path.name


def test_time_is_logged_on_working_days_up_to_yesterday(plan: Plan) -> None:
    cal = plan.calendar
    calendars = company_calendars(cal)
    people = {p.username: p for p in PEOPLE}
    per_day: dict[tuple[str, date], int] = defaultdict(int)
    for e in plan.entries:
        person = people[e.username]
        assert cal.first_monday <= e.work_date < cal.anchor
        assert e.work_date >= cal.joined(person)
        assert calendars[person.company].is_working_day(e.work_date), (e.username, e.work_date)
        assert e.minutes % 15 == 0 and e.minutes > 0
        assert e.week == (e.work_date - cal.first_monday).days // 7
        per_day[(e.username, e.work_date)] += e.minutes
    assert max(per_day.values()) <= 9 * 60
    assert {e.week for e in plan.entries} >= set(range(WEEKS))
    # The newcomer logs nothing before joining, and something after.
    newcomer = next(p for p in PEOPLE if p.joined_week is not None)
    assert min(e.work_date for e in plan.entries if e.username == newcomer.username) >= cal.joined(newcomer)
    assert sum(1 for e in plan.entries if e.reject_reason) == 4
    assert any(not e.billable for e in plan.entries)


def test_the_calendar_of_the_anchor(plan: Plan) -> None:
    cal = plan.calendar
    assert cal.first_monday.weekday() == 0 and cal.this_monday <= cal.anchor < cal.this_monday + timedelta(days=7)
    assert len(cal.cutoffs) >= 3
    for cutoff in cal.cutoffs:
        assert (cutoff + timedelta(days=1)).day == 1  # a month end
        assert cal.first_monday < cutoff < cal.week(WEEKS - 2) and cal.issue_date(cutoff) < cal.anchor
    assert cal.closed_through < cal.anchor and cal.hired < cal.first_monday


def test_tasks_agree_with_their_time_and_their_links(plan: Plan) -> None:
    logged: dict[tuple[str, str], list[date]] = defaultdict(list)
    for e in plan.entries:
        if not e.reject_reason:
            logged[(e.code, e.task)].append(e.work_date)
    for code, project in plan.projects.items():
        calendar = project.calendar
        for t in project.tasks:
            days = logged.get((code, t.name), [])
            if t.status == TaskStatus.TODO:
                assert t.percent == 0 and not days, (code, t.name)
            elif t.status == TaskStatus.DONE:
                assert t.percent == 100 and (days or t.minutes == 0), (code, t.name)
            else:
                assert 1 <= t.percent <= 99 and days, (code, t.name)
            assert all(t.start.date() <= d <= t.finish.date() for d in days), (code, t.name)
            for predecessor, kind, lag in t.links:
                pred = project.task(predecessor)
                before, after = {
                    LinkKind.FS: (pred.finish, t.start),
                    LinkKind.SS: (pred.start, t.start),
                    LinkKind.FF: (pred.finish, t.finish),
                }[LinkKind(kind)]
                assert calendar.to_working(after) >= calendar.to_working(before) + lag, (code, predecessor, t.name)
            if t.minutes:
                assert t.assignments and t.assignee in t.assignments, (code, t.name)
                assert t.estimate_minutes > 0
        kinds = {kind for t in project.tasks for _, kind, _ in t.links}
        assert kinds == {LinkKind.FS, LinkKind.SS, LinkKind.FF}
        assert any(t.minutes == 0 for t in project.tasks) and any(t.deadline for t in project.tasks)
        statuses = {t.status for t in project.tasks}
        if project.spec.status == ProjectStatus.CLOSED:
            assert statuses == {TaskStatus.DONE}
        elif project.spec.status == ProjectStatus.PLANNED:
            assert statuses == {TaskStatus.TODO}
        else:
            assert TaskStatus.DONE in statuses and TaskStatus.TODO in statuses
            assert statuses & {TaskStatus.IN_PROGRESS, TaskStatus.REVIEW}


def test_progress_follows_the_hours(plan: Plan) -> None:
    """A task in progress has logged about its % complete of its estimate (nobody is 99 % done with a tenth of the
    hours, or 10 % done with all of them); a done one took about its estimate, give or take how late it was."""
    logged: dict[tuple[str, str], int] = defaultdict(int)
    for e in plan.entries:
        if not e.reject_reason:
            logged[(e.code, e.task)] += e.minutes
    for code, project in plan.projects.items():
        for t in project.tasks:
            share = 100 * logged[(code, t.name)] / max(1, t.estimate_minutes)
            if t.status in (TaskStatus.IN_PROGRESS, TaskStatus.REVIEW) and t.percent >= 10:
                assert 0.6 * t.percent <= share <= 1.7 * t.percent, (code, t.name, t.percent, share)
            if t.status == TaskStatus.DONE and t.minutes:
                assert 50 <= share <= 200, (code, t.name, share)


def test_nobody_is_over_allocated_but_the_one_to_level(plan: Plan) -> None:
    code, username, overloaded = OVERLOAD
    load: dict[tuple[str, date], int] = defaultdict(int)
    for project in plan.projects.values():
        for t in project.tasks:
            for person, units in t.assignments.items():
                for n in range((t.finish.date() - t.start.date()).days + 1):
                    load[(person, t.start.date() + timedelta(days=n))] += units
    over = {person for (person, _), units in load.items() if units > 100}
    assert over == {username}
    tasks = [plan.projects[code].task(name) for name, _ in overloaded]
    assert all(t.status == TaskStatus.TODO for t in tasks)
    assert tasks[0].start < tasks[1].finish and tasks[1].start < tasks[0].finish  # they overlap


def test_the_work_went_otherwise_than_signed_off(plan: Plan) -> None:
    late = plan.projects["BLF-WMS"]
    assert max(t.finish for t in late.tasks) > max(t.baseline_finish for t in late.tasks)
    missed = [t for t in late.tasks if t.deadline and t.finish.date() > t.deadline]
    assert missed
    closed = next(p for p in plan.projects.values() if p.spec.status == ProjectStatus.CLOSED)
    assert all(t.start == t.baseline_start and t.finish == t.baseline_finish for t in closed.tasks)
    assert closed.end <= plan.calendar.closed_through


def test_exchange_rates_cover_the_history_and_the_claims(plan: Plan) -> None:
    cal = plan.calendar
    days: dict[str, set[date]] = defaultdict(set)
    for source, target, day, rate in plan.exchange_rates:
        assert source == "EUR" and rate > 0 and day <= cal.anchor
        days[target].add(day)
    assert set(days) == {"USD", "GBP"}
    for quoted in days.values():
        day = cal.first_monday - timedelta(days=7)
        while day <= cal.anchor:
            assert any(day - timedelta(days=n) in quoted for n in range(4)), day
            day += timedelta(days=1)
    for claim in plan.claims:
        assert cal.week(claim.week) + timedelta(days=max(line.day for line in claim.lines)) < cal.anchor


def test_a_smaller_firm_keeps_only_its_projects() -> None:
    small = make_plan(ANCHORS[0], only={"BLF-WMS", "ALP-MES"})
    assert set(small.projects) == {"BLF-WMS", "ALP-MES"}
    assert {e.code for e in small.entries} == {"BLF-WMS", "ALP-MES"}
    assert all(line.project in (None, "BLF-WMS", "ALP-MES") for c in small.claims for line in c.lines)


def test_two_plans_of_one_day_are_equal() -> None:
    def seen(plan: Plan) -> object:
        projects = [(code, p.start, p.end, p.last_day, p.tasks, p.budget_minutes) for code, p in plan.projects.items()]
        return (plan.calendar, projects, plan.entries, plan.submit_last_week, plan.claims, plan.exchange_rates)

    assert seen(make_plan(ANCHORS[0])) == seen(make_plan(ANCHORS[0]))


def test_every_project_is_in_the_plan() -> None:
    plan = make_plan(ANCHORS[0])
    assert list(plan.projects) == [p.code for p in PROJECTS]
    assert all(t.minutes % DAY == 0 for p in plan.projects.values() for t in p.tasks if t.spec.days)
