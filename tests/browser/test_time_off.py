"""Time off in the browser: a team member asks for a day off and a half day, their line manager approves both
from Resources → Time off, and the member's week grid marks the days and shows the lower capacity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.accounts.models import Person
from margin.core.periods import week_start
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = "/tmp/time-off-browser"


def test_request_approve_and_see_it_in_the_week(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    Person.objects.filter(pk=firm.member_person.pk).update(manager=firm.manager_person)
    monday = week_start(timezone.localdate()) + timedelta(days=7)
    tuesday = monday + timedelta(days=1)

    # Tom asks for next Monday off, and Tuesday afternoon.
    sign_in("tom")
    page.get_by_test_id("nav-resources-menu").click()
    page.get_by_test_id("nav-time-off").click()
    form = page.get_by_test_id("time-off-form")
    form.get_by_label("First day").fill(monday.isoformat())
    form.get_by_label("Last day").fill(monday.isoformat())
    form.get_by_label("Note").fill("Dentist and a long weekend")
    form.get_by_test_id("request-time-off").click()
    expect(page.locator(".alert-success")).to_contain_text("Time off requested.")
    # A last day before the first is a form error, not a 500.
    form = page.get_by_test_id("time-off-form")
    form.get_by_label("First day").fill(tuesday.isoformat())
    form.get_by_label("Last day").fill(monday.isoformat())
    form.get_by_test_id("request-time-off").click()
    expect(page.get_by_test_id("time-off-form")).to_contain_text("on or after its first day")
    form = page.get_by_test_id("time-off-form")
    form.get_by_label("Kind").select_option(label="Other")
    form.get_by_label("First day").fill(tuesday.isoformat())
    form.get_by_label("Last day").fill(tuesday.isoformat())
    form.get_by_label("Hours off per day").fill("4")
    form.get_by_test_id("request-time-off").click()
    expect(page.get_by_test_id("my-time-off-row")).to_have_count(2)
    expect(page.get_by_test_id("time-off-status").first).to_have_text("Requested")
    page.screenshot(path=f"{SHOTS}-requested.png", full_page=True)
    page.context.clear_cookies()

    # Maya, his line manager, approves both.
    sign_in("maya")
    page.get_by_test_id("nav-resources-menu").click()
    page.get_by_test_id("nav-time-off").click()
    waiting = page.get_by_test_id("time-off-to-approve")
    expect(waiting.get_by_test_id("approve-row")).to_have_count(2)
    expect(waiting).to_contain_text("Tom")
    page.screenshot(path=f"{SHOTS}-to-approve.png", full_page=True)
    for _ in range(2):
        page.get_by_test_id("time-off-to-approve").get_by_test_id("approve").first.click()
        expect(page.locator(".alert-success")).to_contain_text("approved")
    expect(page.get_by_test_id("time-off-to-approve")).to_have_count(0)
    page.context.clear_cookies()

    # Tom's week: Monday off, Tuesday half, the week's capacity 28 hours.
    sign_in("tom")
    page.goto(f"/week/{monday.isoformat()}/")
    marks = page.get_by_test_id("day-off")
    expect(marks).to_have_count(2)
    expect(marks.first).to_have_text("Vacation")
    expect(marks.nth(1)).to_have_text("½ day off")
    expect(page.locator("#day-total-1")).to_contain_text("of 4:00")
    expect(page.locator("#day-total-0")).not_to_contain_text("of ")
    expect(page.locator("#day-total-2")).to_contain_text("of 8:00")
    expect(page.get_by_test_id("week-table")).to_contain_text("of 28:00")
    page.screenshot(path=f"{SHOTS}-week.png", full_page=True)
