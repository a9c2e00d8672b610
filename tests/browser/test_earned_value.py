"""The plan screen's earned-value card in a real browser, against a baseline saved with its planned cost."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.core.periods import week_start
from margin.projects import actions
from margin.rates.actions import baseline_save_valued
from margin.resourcing.actions import assignment_create
from margin.timesheets.actions import ImportRow, time_entries_import
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/margin-shots")


def test_earned_value_card_shows_money(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    monday = week_start(timezone.localdate()) - timedelta(days=14)
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=monday)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=5 * 480)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=15 * 480)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.design, successor=firm.build)
    assignment_create(viewer=firm.manager, task=firm.design, person=firm.member_person)  # 40 h at 40.00
    assignment_create(viewer=firm.manager, task=firm.build, person=firm.member2_person)  # 120 h at 45.00
    baseline_save_valued(viewer=firm.manager, project=firm.project, index=0, name="Signed off")
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, percent_complete=100)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, percent_complete=20)
    rows = [
        ImportRow(firm.project.pk, firm.design.pk, firm.member_person.pk, monday + timedelta(days=d), 480)
        for d in range(5)
    ]
    time_entries_import(viewer=firm.admin, rows=rows, approved=True)
    sign_in("maya")
    page.goto(f"/projects/{firm.project.pk}/")
    page.get_by_test_id("project-tabs").get_by_role("link", name="Plan").click()
    card = page.get_by_test_id("earned-value")
    expect(card).to_be_visible()
    expect(page.get_by_test_id("ev-bac")).to_have_text("7,000.00 USD")
    expect(page.get_by_test_id("ev-ev")).to_have_text("2,680.00 USD")  # 1,600.00 + 20 % of 5,400.00
    expect(page.get_by_test_id("ev-ac")).to_have_text("1,600.00 USD")  # 40 h at 40.00
    expect(page.get_by_test_id("ev-unvalued")).to_have_count(0)
    SHOTS.mkdir(exist_ok=True)
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(SHOTS / "earned-value-card.png"))
