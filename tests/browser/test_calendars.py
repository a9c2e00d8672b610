"""Settings → Calendars in a real browser: add an exception through the screen and see it in the month grid."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.projects import actions
from margin.projects.models import CalendarException
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/margin-shots")


def test_add_an_exception_and_see_it_in_the_grid(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    calendar = actions.default_calendar_ensure(firm.project)
    actions.calendar_update(viewer=firm.admin, calendar=calendar, country="US")
    SHOTS.mkdir(exist_ok=True)
    # A weekday within the next weeks, so it is in the three months shown.
    day = timezone.localdate() + timedelta(days=10)
    while day.weekday() >= 5:
        day += timedelta(days=1)

    sign_in("acme-admin")
    page.get_by_test_id("nav-settings-menu").click()  # the Settings menu holds it
    page.get_by_test_id("nav-calendars").click()
    expect(page.get_by_test_id("calendars-table")).to_contain_text("Organisation default")
    page.screenshot(path=str(SHOTS / "calendar-list.png"), full_page=True)
    page.get_by_role("link", name="Standard").click()
    cell = page.locator(f'td[data-date="{day.isoformat()}"]')
    expect(cell).to_have_attribute("data-kind", "working")

    form = page.get_by_test_id("exception-form")
    form.get_by_label("From").fill(day.isoformat())
    form.get_by_label("Name").fill("Office move")
    form.get_by_test_id("exception-add").click()

    expect(page.get_by_text("Exception added.")).to_be_visible()
    expect(page.get_by_test_id("exceptions-table")).to_contain_text("Office move")
    cell = page.locator(f'td[data-date="{day.isoformat()}"]')
    expect(cell).to_have_attribute("data-kind", "exception")
    expect(cell).to_have_attribute("title", f"{day:%a %d %b %Y}: Office move — no working time")
    assert CalendarException.objects.filter(calendar=calendar, date=day, name="Office move").exists()
    page.screenshot(path=str(SHOTS / "calendar-detail.png"), full_page=True)

    # A bad interval is a form error on the screen, not a 500.
    form = page.get_by_test_id("exception-form")
    form.get_by_label("From").fill(day.isoformat())
    form.get_by_label("Working hours").fill("17:00-09:00")
    form.get_by_test_id("exception-add").click()
    expect(page.get_by_test_id("exception-error").first).to_contain_text("end after it starts")
    page.screenshot(path=str(SHOTS / "calendar-error.png"), full_page=True)


def test_choosing_a_country_offers_its_regions(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    calendar = actions.default_calendar_ensure(browser_firm.project)
    sign_in("acme-admin")
    page.goto(f"/calendars/{calendar.pk}/")
    page.get_by_label("Public holidays of").select_option("DE")
    region = page.get_by_label("State or region")
    expect(region.locator('option[value="BY"]')).to_have_count(1)
    region.select_option("BY")
    page.get_by_test_id("week-save").click()
    expect(page.get_by_text("Calendar saved.")).to_be_visible()
    calendar.refresh_from_db()
    assert (calendar.country, calendar.subdivision) == ("DE", "BY")
