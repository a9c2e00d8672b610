"""Staffing in the browser: a resource manager opens a request, sees ranked candidates with reasons and books one
(hard); then staffs all open requests with the optimiser and accepts its proposal. No one is overbooked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from margin.resourcing.capacity import days_between
from margin.resourcing.models import Booking, RequestStatus, StaffingPlan, StaffingPlanStatus, StaffingRequest
from margin.resourcing.queries import booked_by_day
from margin.resourcing.tests.staffing_setup import FRIDAY, MONDAY, ask, give
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = "/tmp/staffing-browser"


def test_candidates_book_then_staff_all_and_accept(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    give(firm, firm.member_person.pk, "Python", 4)
    give(firm, firm.member2_person.pk, "Python", 3)
    give(firm, firm.manager_person.pk, "SQL", 5)
    urgent = ask(firm, priority=4)
    high = ask(firm, priority=3)
    normal = ask(firm, priority=2, minutes=240)

    sign_in("maya")
    page.get_by_test_id("nav-resources-menu").click()
    page.get_by_test_id("nav-staffing").click()
    expect(page.get_by_test_id("request-row")).to_have_count(3)
    page.screenshot(path=f"{SHOTS}-requests.png", full_page=True)

    # The most urgent request first: its candidates, best fit first, with the reasons.
    page.get_by_test_id("request-row").first.get_by_test_id("find-candidates").click()
    rows = page.get_by_test_id("candidate-row")
    expect(rows).to_have_count(2)  # Maya has no Python: disqualified
    expect(rows.first.get_by_test_id("candidate-name")).to_have_text("Tom")
    expect(rows.first).to_contain_text("Python 4 ≥ 3")
    expect(rows.first).to_contain_text("free 40 of 40 h")
    expect(rows.first).to_contain_text("margin 60 % at cost 40 / rate 100")  # Maya manages GLX-1: she sees money
    expect(rows.nth(1)).to_contain_text("Python 3 ≥ 3")
    page.screenshot(path=f"{SHOTS}-candidates.png", full_page=True)
    rows.first.get_by_test_id("book-candidate").click()
    expect(page.locator(".alert-success")).to_contain_text("booked (hard)")
    urgent.refresh_from_db()
    assert urgent.status == RequestStatus.FILLED
    expect(page.get_by_test_id("request-row")).to_have_count(2)

    # Staff all the others at once: Lea takes the high-priority request; Tom is full, so the last stays open.
    page.get_by_test_id("staff-all").click()
    expect(page.get_by_test_id("plan-pair")).to_have_count(1)
    expect(page.get_by_test_id("plan-pair")).to_contain_text("Lea")
    expect(page.get_by_test_id("plan-figures")).to_contain_text("gap 0.0 %")
    expect(page.get_by_test_id("plan-unfilled")).to_contain_text("1 request left unstaffed")
    page.screenshot(path=f"{SHOTS}-proposal.png", full_page=True)
    page.get_by_test_id("plan-accept").click()
    expect(page.locator(".alert-success")).to_contain_text("Plan accepted: 1 hard booking made.")
    page.screenshot(path=f"{SHOTS}-accepted.png", full_page=True)

    assert StaffingPlan.objects.get().status == StaffingPlanStatus.ACCEPTED
    assert StaffingRequest.objects.get(pk=high.pk).status == RequestStatus.FILLED
    assert StaffingRequest.objects.get(pk=normal.pk).status == RequestStatus.OPEN
    assert Booking.objects.filter(kind="hard").count() == 2
    people = [firm.member_person.pk, firm.member2_person.pk, firm.manager_person.pk]
    for load in booked_by_day(people, days_between(MONDAY, FRIDAY)).values():
        assert all(h <= c for h, c in zip(load.hard, load.capacity, strict=True))

    # The project's Staffing tab shows the bookings beside the plan and the time logged.
    page.goto(f"/projects/{firm.project.pk}/staffing/?start={MONDAY.isoformat()}")
    expect(page.get_by_test_id("booking-row")).to_have_count(2)
    page.screenshot(path=f"{SHOTS}-project-tab.png", full_page=True)
