"""The resource heatmap and the utilisation screen in the browser: a resource manager opens Tom's row, drags his
booking a week later and sees the week's cells and his load change at once (no reload); a drag onto a full week
is refused with the message; the utilisation screen draws both charts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.core.periods import week_start
from margin.resourcing.actions import BookingInput, booking_create, utilisation_target_set
from margin.resourcing.models import Booking, BookingKind, BookingUnit
from tests.firm import Firm

pytestmark = pytest.mark.browser


def _book(firm: Firm, week: int, minutes: int, kind: str = BookingKind.HARD) -> Booking:
    monday = week_start(timezone.localdate()) + timedelta(days=7 * week)
    data = BookingInput(
        project=firm.project,
        person=firm.member_person,
        role=None,
        first_day=monday,
        last_day=monday + timedelta(days=4),
        unit=BookingUnit.HOURS,
        minutes_per_day=minutes,
        kind=kind,
    )
    return booking_create(viewer=firm.manager, data=data).booking


def _cells(page: Any, person_id: int) -> list[str]:
    row = page.locator(f"#heat-person-{person_id} tr.heat-row td.heat")
    return [row.nth(i).get_attribute("class") or "" for i in range(3)]


def test_drag_a_booking_a_week_later(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    booking = _book(firm, 0, 480)  # this week full
    sign_in("maya")
    page.goto("/")
    page.get_by_test_id("nav-resources-menu").click()
    page.get_by_test_id("nav-heatmap").click()
    tom = firm.member_person.pk
    body = page.locator(f"#heat-person-{tom}")
    expect(body).to_be_visible()
    before = _cells(page, tom)
    assert "heat-full" in before[0] or "heat-over" in before[0], before
    assert "heat-bench" in before[1] or "heat-off" in before[1], before
    # A cell shows that week's bookings.
    body.locator("td.heat").first.click()
    expect(page.get_by_test_id("heat-week")).to_contain_text("GLX-1")
    page.screenshot(path="/tmp/util-heatmap-before.png", full_page=True)
    # Open Tom's row and drag the bar one week (seven days) to the right.
    body.get_by_test_id("heat-toggle").click()
    bar = page.locator(f"[data-booking='{booking.pk}']")
    expect(bar).to_be_visible()
    box = page.locator(f"#heat-person-{tom} .heat-bars").bounding_box()
    per_day = box["width"] / (12 * 7)
    start = bar.bounding_box()
    x, y = start["x"] + 10, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 3 * per_day, y, steps=4)
    page.mouse.move(x + 7 * per_day, y, steps=4)
    page.mouse.up()
    # The row is redrawn from the server's answer: this week is the bench now, next week is full.
    expect(page.locator(f"#heat-person-{tom} tr.heat-row td.heat").nth(1)).to_have_class(
        "heat heat-full" if "heat-full" in before[0] else "heat heat-over"
    )
    after = _cells(page, tom)
    assert ("heat-bench" in after[0] or "heat-off" in after[0]) and after[1] == before[0], after
    booking.refresh_from_db()
    assert booking.first_day == week_start(timezone.localdate()) + timedelta(days=7)
    expect(page.locator(f"[data-booking='{booking.pk}']")).to_be_visible()
    page.screenshot(path="/tmp/util-heatmap-after.png", full_page=True)


def test_a_refused_drag_shows_why(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    booking = _book(firm, 0, 480)
    _book(firm, 1, 480)
    sign_in("maya")
    page.goto("/resources/heatmap/")
    tom = firm.member_person.pk
    page.locator(f"#heat-person-{tom}").get_by_test_id("heat-toggle").click()
    bar = page.locator(f"[data-booking='{booking.pk}']")
    expect(bar).to_be_visible()
    for _ in range(7):
        page.locator(f"[data-booking='{booking.pk}']").focus()
        with page.expect_response(lambda answer: "/move/" in answer.url):
            page.keyboard.press("ArrowRight")
        page.wait_for_load_state("networkidle")
        if page.get_by_test_id("heat-refused").count():
            break
    expect(page.get_by_test_id("heat-refused")).to_contain_text("over capacity")
    page.screenshot(path="/tmp/util-heatmap-refused.png", full_page=True)


def test_the_utilisation_screen_draws_both_charts(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    utilisation_target_set(viewer=firm.admin, percent=75, valid_from=timezone.localdate().replace(month=1, day=1))
    _book(firm, 1, 240, kind=BookingKind.SOFT)
    sign_in("acme-admin")
    page.goto("/")
    page.get_by_test_id("nav-resources-menu").click()
    page.get_by_test_id("nav-utilisation").click()
    expect(page.get_by_test_id("utilisation-table")).to_contain_text("Billable of recorded hours")
    expect(page.locator("canvas[data-chart='utilisation-chart-data'][data-chart-drawn]")).to_have_count(1)
    expect(page.locator("canvas[data-chart='bench-chart-data'][data-chart-drawn]")).to_have_count(1)
    page.screenshot(path="/tmp/util-utilisation.png", full_page=True)


def test_the_plan_shows_its_resource_usage(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    from margin.projects import actions as projects
    from margin.resourcing.actions import assignment_create

    firm = browser_firm
    projects.project_update(viewer=firm.manager, project=firm.project, start_date=week_start(timezone.localdate()))
    projects.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=8 * 480)
    projects.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=4 * 480)
    for task in (firm.design, firm.build):
        assignment_create(viewer=firm.manager, task=task, person=firm.member_person)
    sign_in("maya")
    page.goto(f"/projects/{firm.project.pk}/gantt/")
    page.get_by_test_id("tab-usage").click()
    expect(page.get_by_test_id("usage-row")).to_contain_text("Tom")
    expect(page.get_by_test_id("usage-over").first).to_be_visible()
    expect(page.get_by_test_id("usage-over-note")).to_contain_text("over capacity")
    page.screenshot(path="/tmp/util-usage.png", full_page=True)
