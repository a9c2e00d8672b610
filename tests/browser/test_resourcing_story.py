"""Issue 12's "done when" in the browser: Maya (a resource manager) finds the right person for a request by skills
and availability, books them, sees the heatmap and the person's forecast utilisation change at once, and staffs
the other requests with the optimiser without overbooking anyone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.core.periods import week_start
from margin.resourcing.capacity import days_between
from margin.resourcing.queries import booked_by_day
from margin.resourcing.tests.staffing_setup import ask, give
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = "/tmp/resourcing-story"


def _open(page: Any, item: str) -> None:
    page.get_by_test_id("nav-resources-menu").click()
    page.get_by_test_id(item).click()


def test_find_book_watch_and_staff(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    tom, lea = firm.member_person.pk, firm.member2_person.pk
    monday = week_start(timezone.localdate()) + timedelta(days=7)
    friday = monday + timedelta(days=4)
    give(firm, tom, "Python", 4)
    give(firm, lea, "Python", 3)
    ask(firm, priority=4, first_day=monday, last_day=friday)
    ask(firm, priority=3, first_day=monday, last_day=friday)
    ask(firm, priority=2, minutes=240, first_day=monday, last_day=friday)

    sign_in("maya")
    # Who knows Python at level 3 or more?
    _open(page, "nav-skills-find")
    search = page.get_by_test_id("skills-search")
    search.get_by_label("Skill 1", exact=True).select_option(label="Python")
    search.get_by_label("Minimum level 1", exact=True).select_option("3")
    search.get_by_test_id("search").click()
    results = page.get_by_test_id("skills-results")
    expect(results.get_by_test_id(f"match-{tom}")).to_be_visible()
    expect(results.get_by_test_id(f"match-{lea}")).to_be_visible()
    page.screenshot(path=f"{SHOTS}-1-find.png", full_page=True)

    # The heatmap before: Tom is free next week.
    _open(page, "nav-heatmap")
    tom_row = page.locator(f"#heat-person-{tom} tr.heat-row td.heat")
    expect(tom_row.nth(1)).not_to_have_class("heat heat-full")

    # The most urgent request's candidates, with the reasons: Tom is the best fit and free; book him.
    _open(page, "nav-staffing")
    first = page.get_by_test_id("request-row").first  # the most urgent first
    expect(first).to_contain_text("Urgent")
    first.get_by_test_id("find-candidates").click()
    best = page.get_by_test_id("candidate-row").first
    expect(best.get_by_test_id("candidate-name")).to_have_text("Tom")
    expect(best).to_contain_text("Python 4 ≥ 3")
    expect(best).to_contain_text("free 40 of 40 h")
    page.screenshot(path=f"{SHOTS}-2-candidates.png", full_page=True)
    best.get_by_test_id("book-candidate").click()
    expect(page.locator(".alert-success")).to_contain_text("booked (hard)")

    # At once: the heatmap's cell for next week is full, and his forecast utilisation says 100 %.
    _open(page, "nav-heatmap")
    expect(page.locator(f"#heat-person-{tom} tr.heat-row td.heat").nth(1)).to_have_class("heat heat-full")
    expect(page.locator(f"#heat-person-{tom} tr.heat-row td.heat").nth(1)).to_have_text("100")
    page.screenshot(path=f"{SHOTS}-3-heatmap.png", full_page=True)
    _open(page, "nav-utilisation")
    forecast = page.locator(f"[data-testid='forecast-row'][data-key='{tom}'] [data-testid='forecast-cell']")
    expect(forecast.nth(1)).to_contain_text("100 %")
    page.get_by_test_id("utilisation-forecast").scroll_into_view_if_needed()
    page.screenshot(path=f"{SHOTS}-4-utilisation.png", full_page=True)

    # The rest at once with the optimiser: Lea takes one, the last stays open (Tom is full); accept.
    _open(page, "nav-staffing")
    page.get_by_test_id("staff-all").click()
    expect(page.get_by_test_id("plan-pair")).to_have_count(1)
    expect(page.get_by_test_id("plan-pair")).to_contain_text("Lea")
    expect(page.get_by_test_id("plan-figures")).to_contain_text("gap")
    page.screenshot(path=f"{SHOTS}-5-proposal.png", full_page=True)
    page.get_by_test_id("plan-accept").click()
    expect(page.locator(".alert-success")).to_contain_text("Plan accepted")

    week = days_between(monday, friday)
    for person, load in booked_by_day([tom, lea, firm.manager_person.pk], week).items():
        assert all(h <= c for h, c in zip(load.hard, load.capacity, strict=True)), person
