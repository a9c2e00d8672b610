"""Finance → Period close in a real browser: close a company's period, be refused in my week's API,
reopen with a reason and see the change made since."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.accounts.queries import company_locked_through as locked_through
from margin.core.periods import week_start
from margin.timesheets.actions import time_entry_create, time_entry_update
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/margin-shots")


def test_close_and_reopen_a_period(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    SHOTS.mkdir(exist_ok=True)
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    entry = time_entry_create(
        viewer=firm.member, project=firm.project, task=firm.build, work_date=monday, minutes=60, note="Kick-off"
    )

    sign_in("finn")
    page.get_by_test_id("nav-invoices-menu").click()  # the Invoices menu holds it
    page.get_by_test_id("nav-periods").click()
    expect(page.get_by_test_id("period-companies")).to_contain_text("Acme US")
    form = page.get_by_test_id("period-close")
    form.get_by_label("Company").select_option(label="Acme US")
    # The checklist of the chosen company and date comes in as the date changes: up to the Sunday before,
    # nothing blocks; up to Monday, Tom's draft does.
    sunday = monday - timedelta(days=1)
    form.get_by_label("Closed up to (inclusive)").fill(sunday.isoformat())
    checklist = page.get_by_test_id("close-checklist")
    expect(checklist).to_contain_text(f"up to {sunday:%d %b %Y}")
    expect(page.get_by_test_id("checklist-clear")).to_be_visible()
    form.get_by_label("Closed up to (inclusive)").fill(monday.isoformat())
    form.get_by_label("Note").fill("Week closed for the audit")
    expect(checklist).to_contain_text(f"up to {monday:%d %b %Y}")
    expect(page.get_by_test_id("checklist-unapproved_time")).to_contain_text("blocks")
    expect(page.get_by_test_id("checklist-blocked")).to_be_visible()
    page.screenshot(path=str(SHOTS / "periods-checklist.png"), full_page=True)
    form.get_by_role("button", name="Close period").click()
    expect(page.get_by_test_id("close-error")).to_contain_text("The close is blocked")
    assert locked_through(firm.usd.pk) is None
    form = page.get_by_test_id("period-close")
    form.get_by_label("Close anyway, because").fill("Tom's kick-off is approved next week")
    form.get_by_role("button", name="Close period").click()
    expect(page.get_by_test_id("period-history")).to_contain_text("Week closed for the audit")
    assert locked_through(firm.usd.pk) == monday
    page.screenshot(path=str(SHOTS / "periods-closed.png"), full_page=True)

    history = page.get_by_test_id("period-history")
    history.get_by_label("Reason to reopen").fill("Tom's late correction")
    history.get_by_role("button", name="Reopen").click()
    expect(page.get_by_test_id("period-changes")).to_contain_text("Nothing has changed")
    assert locked_through(firm.usd.pk) is None

    time_entry_update(viewer=firm.member, entry=entry, minutes=90)
    page.reload()
    changes = page.get_by_test_id("period-changes")
    expect(changes).to_contain_text("update")
    expect(changes).to_contain_text("minutes 60 → 90")
    page.screenshot(path=str(SHOTS / "periods-changes.png"), full_page=True)
