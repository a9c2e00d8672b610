"""Each role's home in a real browser: the parts they get, the charts drawn, and no money on a member's.

Screenshots are saved under $MARGIN_SCREENSHOTS (default /tmp) as home-<role>.png to be looked at."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.accounts.models import Person
from margin.accounts.queries import viewer_for
from margin.billing.actions import invoice_draft_create, invoice_issue
from margin.contracts.actions import bill_rate_set
from margin.projects import actions as projects
from margin.projects.planning import to_aware
from margin.rates.actions import cost_rate_set
from margin.resourcing import actions as resourcing
from margin.timesheets.actions import (
    time_entries_approve,
    time_entries_reject,
    time_entries_submit,
    time_entry_create,
    timer_start,
)
from tests.roles import NEEDLES, Roles, build_roles

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("MARGIN_SCREENSHOTS", "/tmp"))


def _lively(world: Roles) -> Roles:
    """Add this week's work, a rejection, a timer, a slipped plan, overdue work and aged invoices."""
    firm, today = world.firm, timezone.localdate()
    tom, lea, maya, finance = firm.member, firm.member2, firm.manager, firm.finance
    monday = today - timedelta(days=today.weekday())
    # Tom: this week's hours on Design (his), a rejected entry of last week, a running timer.
    for offset, minutes in ((0, 240), (1, 450), (2, 300)):
        day = monday + timedelta(days=offset)
        if day <= today:
            time_entry_create(viewer=tom, project=firm.project, task=firm.design, work_date=day, minutes=minutes)
    fixed = time_entry_create(
        viewer=tom, project=firm.project, task=firm.build, work_date=world.work_date + timedelta(days=1), minutes=60
    )
    time_entries_submit(viewer=tom, monday=world.work_date)
    time_entries_reject(viewer=maya, entry_ids=[fixed.pk], reason="Which client call? Add a note.")
    timer_start(viewer=tom, project=firm.project, task=firm.design)
    projects.task_update(viewer=maya, task=firm.build, deadline=today + timedelta(days=5))
    resourcing.assignment_create(viewer=maya, task=firm.build, person=firm.member_person)
    # The plan slips past its baseline; a task of Lea's is overdue.
    start = to_aware(datetime.combine(monday, time(9)))
    projects.task_schedule_update(
        viewer=maya, task=firm.design, scheduling="manual", start=start, duration_minutes=10 * 480
    )
    late = projects.task_create(viewer=maya, project=firm.project, name="Sign-off", deadline=today - timedelta(days=3))
    resourcing.assignment_create(viewer=maya, task=late, person=firm.member2_person)
    # Lea's work of 100, 40 and 10 days ago: the oldest invoiced 75 days ago (45 days late), the rest unbilled.
    entries = [
        time_entry_create(
            viewer=lea, project=firm.project, task=firm.build, work_date=today - timedelta(days=ago), minutes=420
        )
        for ago in (100, 40, 10)
    ]
    for entry in entries:
        time_entries_submit(viewer=lea, monday=entry.work_date)
    time_entries_approve(viewer=maya, entry_ids=[e.pk for e in entries])
    old = invoice_draft_create(viewer=finance, project=firm.project, up_to=today - timedelta(days=95))
    invoice_issue(viewer=finance, invoice=old, issue_date=today - timedelta(days=75), payment_days=30)
    # A draft waiting on the other project: Eli's approved day of 20 days ago.
    elsewhere = world.elsewhere
    bill_rate_set(
        viewer=firm.admin,
        project=elsewhere,
        role=firm.consultant,
        valid_from=date(2020, 1, 1),
        hourly_rate=Decimal(120),
    )
    eli, mo = viewer_for(world.users["member_elsewhere"]), viewer_for(world.users["manager_elsewhere"])
    task = elsewhere.tasks.get()
    cost_rate_set(
        viewer=firm.admin,
        person=Person.objects.get(user=world.users["member_elsewhere"]),
        valid_from=date(2020, 1, 1),
        hourly_cost=Decimal(50),
    )
    day = today - timedelta(days=20)
    entry = time_entry_create(viewer=eli, project=elsewhere, task=task, work_date=day, minutes=480)
    time_entries_submit(viewer=eli, monday=day)
    time_entries_approve(viewer=mo, entry_ids=[entry.pk])
    invoice_draft_create(viewer=finance, project=elsewhere, up_to=today)
    return world


def _shoot(page: Any, role: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SHOTS / f"home-{role}.png"), full_page=True)


@pytest.fixture
def world(transactional_db: None) -> Roles:
    return _lively(build_roles())


def test_member_home_is_my_work_without_money(page: Any, world: Roles, sign_in: Callable[[str], Any]) -> None:
    sign_in("tom")
    expect(page.get_by_role("heading", name="My work", exact=True)).to_be_visible()
    expect(page.get_by_test_id("my-today")).to_contain_text("Design")
    expect(page.get_by_test_id("my-timer")).to_contain_text("Timer running")
    expect(page.get_by_test_id("my-fixes")).to_contain_text("Which client call?")
    expect(page.get_by_test_id("my-deadlines")).to_contain_text("Build")
    expect(page.locator("canvas[data-chart='chart-week'][data-chart-drawn]")).to_have_count(1)
    for part in ("firm", "invoicing", "projects"):
        expect(page.get_by_test_id(f"part-{part}")).to_have_count(0)
    html = page.content()
    assert not [needle for needle in NEEDLES if needle in html]
    assert "Revenue" not in html and "Margin by project" not in html and "burn" not in html
    _shoot(page, "member")


def test_manager_home_is_their_projects_then_their_work(page: Any, world: Roles, sign_in: Callable[[str], Any]) -> None:
    sign_in("maya")
    expect(page.get_by_role("heading", name="Your projects", exact=True)).to_be_visible()
    row = page.get_by_test_id("health-GLX-1")
    expect(row.get_by_test_id("slip")).to_contain_text("late")
    expect(row.get_by_test_id("overdue")).to_have_text("1")
    expect(page.get_by_test_id("part-work")).to_be_visible()  # Maya logs time too
    expect(page.locator("canvas[data-chart='chart-burn'][data-chart-drawn]")).to_have_count(1)
    expect(page.get_by_test_id("part-invoicing")).to_have_count(0)
    _shoot(page, "manager")


def test_finance_home_is_what_to_invoice_and_what_is_late(
    page: Any, world: Roles, sign_in: Callable[[str], Any]
) -> None:
    sign_in("finn")
    expect(page.get_by_role("heading", name="Invoicing", exact=True)).to_be_visible()
    expect(page.get_by_test_id("ready-to-invoice")).to_contain_text("GLX-1")
    expect(page.get_by_test_id("issued-by-age")).to_contain_text("45 days ago")
    expect(page.locator("canvas[data-chart][data-chart-drawn]")).to_have_count(2)
    expect(page.get_by_test_id("part-firm")).to_have_count(0)
    _shoot(page, "finance")


def test_admin_home_is_the_firm(page: Any, world: Roles, sign_in: Callable[[str], Any]) -> None:
    sign_in("acme-admin")
    expect(page.get_by_role("heading", name="The firm", exact=True)).to_be_visible()
    expect(page.get_by_test_id("firm-totals")).to_contain_text("USD")
    expect(page.get_by_test_id("projects-table")).to_contain_text("ELS-1")
    expect(page.get_by_test_id("part-invoicing")).to_be_visible()
    expect(page.locator("canvas[data-chart='chart-margin'][data-chart-drawn]")).to_have_count(1)
    _shoot(page, "admin")
