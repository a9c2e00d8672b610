"""The key screens in a real browser: sign-in, my week (htmx saves without reloading), issuing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.billing.actions import invoice_draft_create
from margin.billing.models import Invoice
from margin.core.periods import week_start
from margin.timesheets.actions import time_entries_approve, time_entries_submit, time_entry_create
from margin.timesheets.models import EntryStatus, TimeEntry
from tests.browser.notices import expect_notice
from tests.firm import Firm

pytestmark = pytest.mark.browser


def test_sign_in_and_out(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    page.goto("/week/")
    expect(page).to_have_url(re.compile(r"/signin/\?next=/week/"))
    page.get_by_label("Username").fill("tom")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("enter a correct username and password")
    sign_in("tom")
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    expect(page.get_by_test_id("my-hours")).to_be_visible()
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin/$"))


def test_my_week_saves_cells_without_a_reload_and_submits(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    sign_in("tom")
    page.goto(f"/week/{monday.isoformat()}/")
    # a marker that a full page load would wipe out
    page.evaluate("window.__stillHere = true")

    page.get_by_test_id("add-row-search").fill("Design")
    page.locator(f"[data-add-task='{firm.design.pk}']").click()
    monday_cell = page.locator(f"#in-{firm.design.pk}-{monday:%Y%m%d}")
    expect(monday_cell).to_be_visible()

    monday_cell.fill("1:30")
    monday_cell.press("Tab")
    expect(page.get_by_test_id("week-total")).to_have_text("1:30")
    expect(page.locator("#day-total-0 [data-testid=day-total]")).to_have_text("1:30")
    expect(page.locator(f"#row-total-{firm.design.pk}")).to_have_text("1:30")
    assert page.evaluate("window.__stillHere") is True
    expect(page.locator("#week-rows template")).to_have_count(0)  # out-of-band wrappers are unwrapped
    expect(page.locator(f"#week-rows tr[data-task='{firm.design.pk}'] > *")).to_have_count(9)
    entry = TimeEntry.objects.get(person=firm.member_person, task=firm.design, work_date=monday)
    assert (entry.minutes, entry.status) == (90, EntryStatus.DRAFT)

    tuesday = monday + timedelta(days=1)
    tuesday_cell = page.locator(f"#in-{firm.design.pk}-{tuesday:%Y%m%d}")
    tuesday_cell.fill("abc")
    tuesday_cell.press("Tab")
    cell = page.locator(f"#cell-{firm.design.pk}-{tuesday:%Y%m%d}")
    expect(cell.get_by_role("alert")).to_contain_text("is not a duration")
    expect(page.locator(f"#in-{firm.design.pk}-{tuesday:%Y%m%d}")).to_have_class(re.compile("is-invalid"))
    expect(page.get_by_test_id("week-total")).to_have_text("1:30")
    assert TimeEntry.objects.count() == 1

    tuesday_cell = page.locator(f"#in-{firm.design.pk}-{tuesday:%Y%m%d}")
    tuesday_cell.fill("2.25")
    tuesday_cell.press("Tab")
    expect(page.get_by_test_id("week-total")).to_have_text("3:45")
    assert page.evaluate("window.__stillHere") is True

    page.get_by_test_id("submit-week").click()
    expect(page.get_by_test_id("week-notice")).to_contain_text("Submitted 2 entries for approval.")
    expect(page.locator(f"#cell-{firm.design.pk}-{monday:%Y%m%d}")).to_contain_text("Submitted")
    expect(page.locator(f"#in-{firm.design.pk}-{monday:%Y%m%d}")).to_have_count(0)
    expect(page.get_by_test_id("submit-week")).to_be_disabled()
    assert page.evaluate("window.__stillHere") is True
    assert set(TimeEntry.objects.values_list("status", flat=True)) == {EntryStatus.SUBMITTED}


def test_finance_issues_a_draft_and_sees_its_number(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    entry = time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=monday, minutes=120)
    time_entries_submit(viewer=firm.member, monday=monday)
    time_entries_approve(viewer=firm.manager, entry_ids=[entry.pk])
    draft = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=monday + timedelta(days=6))

    sign_in("finn")
    page.goto("/invoices/?status=draft")
    page.get_by_role("link", name=f"Draft #{draft.pk}").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Draft")
    expect(page.get_by_test_id("invoice-total")).to_have_text("200.00 USD")
    page.get_by_test_id("issue-invoice").click()

    expected = f"{timezone.localdate().year}-0001"
    expect(page.get_by_test_id("invoice-number")).to_have_text(expected)
    expect_notice(page, f"Invoice {expected} is issued.")
    expect(page.locator("#page-title")).to_have_text(f"Invoice {expected}")
    expect(page.get_by_test_id("issue-invoice")).to_have_count(0)
    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("issued", expected)
    assert Invoice.objects.count() == 1

    with page.expect_popup() as popup_info:
        page.get_by_test_id("print-link").click()
    printable = popup_info.value
    expect(printable.get_by_test_id("print-number")).to_have_text(expected)
    expect(printable.locator(".watermark")).to_have_count(0)


def test_manager_approves_a_whole_week(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    for day in range(3):
        time_entry_create(
            viewer=firm.member,
            project=firm.project,
            task=firm.build,
            work_date=monday + timedelta(days=day),
            minutes=60,
        )
    time_entries_submit(viewer=firm.member, monday=monday)
    sign_in("maya")
    page.goto("/approvals/")
    page.get_by_label(re.compile(r"Select all of Tom")).check()
    expect(page.locator("input[name=entry]:checked")).to_have_count(3)
    page.get_by_test_id("reject-selected").click()
    expect(page.get_by_text("Give a reason so the person knows what to fix.")).to_be_visible()
    assert set(TimeEntry.objects.values_list("status", flat=True)) == {EntryStatus.SUBMITTED}
    page.get_by_label(re.compile(r"Select all of Tom")).check()
    page.get_by_test_id("approve-selected").click()
    expect(page.get_by_test_id("approvals-notice")).to_have_text("Approved 3 entries.")
    expect(page.get_by_text("Nothing to approve")).to_be_visible()
    assert set(TimeEntry.objects.values_list("status", flat=True)) == {EntryStatus.APPROVED}
