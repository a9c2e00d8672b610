"""The approvals inbox in a real browser: filter, reject one entry with a reason (the person is told),
bulk approve, the week in context, and the bell."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.accounts.models import Person
from margin.contracts.actions import bill_rate_set
from margin.core.models import Notification
from margin.core.periods import week_start
from margin.projects import actions as projects
from margin.timesheets.actions import time_entries_submit, time_entry_create
from margin.timesheets.models import EntryStatus, TimeEntry
from tests.firm import RATE_FROM, Firm

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _setup(firm: Firm) -> dict[str, Any]:
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    earlier = monday - timedelta(days=7)
    side = projects.project_create(
        viewer=firm.admin,
        company=firm.usd,
        client=firm.client,
        manager=Person.objects.get(name="Ada Admin"),
        code="GLX-2",
        name="Side project",
    )
    projects.project_member_add(viewer=firm.admin, project=side, person=firm.member_person)
    hush = projects.task_create(viewer=firm.admin, project=side, name="Hush")
    bill_rate_set(viewer=firm.admin, project=side, role=firm.consultant, valid_from=RATE_FROM, hourly_rate=Decimal(90))
    tom = [
        time_entry_create(
            viewer=firm.member, project=firm.project, task=firm.design, work_date=monday, minutes=90, note="Wireframes"
        ),
        time_entry_create(
            viewer=firm.member, project=firm.project, task=firm.build, work_date=monday + timedelta(1), minutes=480
        ),
        time_entry_create(
            viewer=firm.member, project=firm.project, task=firm.build, work_date=monday + timedelta(2), minutes=300
        ),
        time_entry_create(viewer=firm.member, project=side, task=hush, work_date=monday + timedelta(3), minutes=600),
    ]
    lea = [
        time_entry_create(viewer=firm.member2, project=firm.project, task=firm.build, work_date=earlier, minutes=240),
        time_entry_create(
            viewer=firm.member2, project=firm.project, task=firm.design, work_date=earlier + timedelta(1), minutes=60
        ),
    ]
    time_entries_submit(viewer=firm.member, monday=monday)
    time_entries_submit(viewer=firm.member2, monday=earlier)
    Person.objects.filter(pk=firm.member_person.pk).update(weekly_capacity_minutes=20 * 60)
    return {"tom": tom, "lea": lea, "monday": monday}


def test_filter_reject_with_reason_and_bulk_approve(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    data = _setup(firm)
    SHOTS.mkdir(parents=True, exist_ok=True)
    sign_in("maya")
    page.goto("/approvals/")
    groups = page.get_by_test_id("approvals-group")
    expect(groups).to_have_count(2)
    expect(page.get_by_test_id("approvals-summary")).to_contain_text("5 entries waiting in 2 person-weeks")
    expect(page.get_by_test_id("approvals-summary")).to_contain_text("1 over capacity")
    # Tom's week: 24:30 over all projects against 20 h.
    expect(groups.nth(1).get_by_test_id("over-capacity")).to_be_visible()
    groups.nth(1).get_by_test_id("week-context").locator("summary").click()
    expect(groups.nth(1).get_by_test_id("week-context")).to_contain_text("Other projects")
    expect(groups.nth(1).get_by_test_id("week-context")).not_to_contain_text("Side project")
    page.screenshot(path=str(SHOTS / "approvals-inbox.png"), full_page=True)

    # Filter: over capacity only (no reload; the address keeps the filter).
    page.evaluate("window.__stillHere = true")
    page.get_by_test_id("filter-over").check()
    expect(groups).to_have_count(1)
    expect(groups.first).to_contain_text("Tom")
    assert "over=1" in page.url
    assert page.evaluate("window.__stillHere") is True

    # Reject one entry: the reason is required, then the person is told.
    design = data["tom"][0]
    row = page.locator(f"tr[data-entry='{design.pk}']")
    row.get_by_test_id("reject-one").click()
    reason = page.locator(f"#reject-{design.pk}").get_by_test_id("reject-one-reason")
    expect(reason).to_be_focused()
    reason.press("Enter")  # empty: refused, nothing approved by the Enter key
    expect(page.locator(f"#reject-{design.pk}")).to_contain_text("Give a reason")
    assert TimeEntry.objects.get(pk=design.pk).status == EntryStatus.SUBMITTED
    page.screenshot(path=str(SHOTS / "approvals-reject-needs-reason.png"), full_page=True)
    reason = page.locator(f"#reject-{design.pk}").get_by_test_id("reject-one-reason")
    reason.fill("Design was closed last week; book it on Build")
    reason.press("Enter")
    expect(page.get_by_test_id("approvals-notice")).to_have_text("Rejected 1 entry.")
    expect(page.locator(f"tr[data-entry='{design.pk}']")).to_have_count(0)
    design.refresh_from_db()
    assert design.status == EntryStatus.REJECTED
    assert design.rejection_reason == "Design was closed last week; book it on Build"
    assert Notification.objects.filter(user=firm.member_user, kind="time.rejected").count() == 1

    # Clear the filters, then filter by person; select Lea's week by its group box and approve it.
    page.get_by_test_id("filter-over").uncheck()
    expect(groups).to_have_count(2)
    page.get_by_test_id("filter-person").select_option(label="Lea")
    expect(groups).to_have_count(1)
    expect(groups.first).to_contain_text("Lea")
    assert f"person={firm.member2_person.pk}" in page.url
    groups.first.locator("[data-select-group]").check()
    page.get_by_test_id("approve-selected").click()
    expect(page.get_by_test_id("approvals-notice")).to_have_text("Approved 2 entries.")
    assert {TimeEntry.objects.get(pk=e.pk).status for e in data["lea"]} == {EntryStatus.APPROVED}

    page.get_by_test_id("filter-clear").click()
    expect(groups).to_have_count(1)
    # On a phone the inbox still works: the tables scroll sideways inside their cards.
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "approvals-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 900})
    # Approve everything left that matches (Tom's two Build entries), after confirming.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("approve-all").click()
    expect(page.get_by_test_id("approvals-notice")).to_have_text("Approved 2 entries.")
    expect(page.get_by_text("Nothing to approve")).to_be_visible()
    assert TimeEntry.objects.get(pk=data["tom"][3].pk).status == EntryStatus.SUBMITTED  # GLX-2: the admin's
    page.screenshot(path=str(SHOTS / "approvals-done.png"), full_page=True)


def test_the_person_sees_the_rejection_under_the_bell(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    data = _setup(firm)
    from margin.timesheets.actions import time_entries_reject

    time_entries_reject(viewer=firm.manager, entry_ids=[data["tom"][0].pk], reason="Use Build")
    SHOTS.mkdir(parents=True, exist_ok=True)
    sign_in("tom")
    expect(page.get_by_test_id("bell-count")).to_have_text("1")
    page.get_by_test_id("bell").click()
    menu = page.get_by_test_id("notification-menu")
    expect(menu).to_contain_text("Maya rejected 1 entry (1:30 h)")
    expect(menu).to_contain_text("Use Build")
    page.screenshot(path=str(SHOTS / "notifications-bell.png"))
    menu.get_by_role("link", name="Maya rejected").click()
    page.wait_for_url(f"**/week/{data['monday'].isoformat()}/")
    expect(page.get_by_test_id("bell-count")).to_have_count(0)
    page.goto("/notifications/")
    expect(page.get_by_test_id("notification-list")).to_contain_text("Use Build")
    page.screenshot(path=str(SHOTS / "notifications-list.png"))
