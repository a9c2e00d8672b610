"""Baselines on the Plan tab: saved with a name, every saved one in the picker; and the chart opens at today."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.projects import actions
from margin.projects.models import Baseline
from tests.firm import Firm

pytestmark = pytest.mark.browser


def test_baselines_are_named_listed_and_the_chart_opens_at_today(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    today = timezone.localdate()
    # A plan of some eight months around today: Design from four months ago, Build until four months ahead.
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=today - timedelta(days=120))
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=80 * 480)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=90 * 480)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.design, successor=firm.build)
    actions.baseline_save(viewer=firm.manager, project=firm.project, name="Signed off")
    sign_in("maya")
    page.goto(f"/projects/{firm.project.pk}/gantt/")
    expect(page.locator(".bar-wrapper").first).to_be_visible()
    page.wait_for_timeout(800)  # frappe-gantt scrolls smoothly

    # Today's column is in view, not the plan's first day four months back.
    today_box = page.locator(".gantt-container .current-highlight").first.bounding_box()
    pane = page.locator(".gantt-container").bounding_box()
    assert today_box is not None and pane["x"] <= today_box["x"] <= pane["x"] + pane["width"], (today_box, pane)

    picker = page.get_by_test_id("baseline-select")
    saved = today.isoformat()
    expect(picker.locator("option")).to_have_text(["none", f"0 · Signed off ({saved})"])
    page.locator("#plan-baseline-name").fill("After <review>")
    page.get_by_role("button", name="Save baseline").click()
    expect(page.locator("#plan-status")).to_contain_text("After <review> saved.")
    expect(picker.locator("option")).to_have_text(
        ["none", f"0 · Signed off ({saved})", f"1 · After <review> ({saved})"]
    )
    expect(picker).to_have_value("1")
    expect(page.locator(".plan-baseline")).to_have_count(2)
    assert list(Baseline.objects.filter(project=firm.project).values_list("index", "name")) == [
        (0, "Signed off"),
        (1, "After <review>"),
    ]
    page.reload()
    expect(picker.locator("option")).to_have_text(
        ["none", f"0 · Signed off ({saved})", f"1 · After <review> ({saved})"]
    )
