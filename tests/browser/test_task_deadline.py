"""Deadlines in a real browser: type a deadline before the task's finish in the Tasks table and see the flag; the
Gantt outlines the late bar in red and names the deadline in its popup."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.core.periods import week_start
from margin.projects import actions
from margin.projects.models import Task
from margin.projects.planning import finish_day
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/deadline")


def _plan(firm: Firm) -> date:
    """Design (2 days) → Build (3 days) from Monday of this week; returns Build's finish day."""
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=week_start(timezone.localdate()))
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=2 * 480)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=3 * 480)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.design, successor=firm.build)
    finish = finish_day(Task.objects.get(pk=firm.build.pk).finish)
    assert finish is not None
    return finish


def test_a_deadline_before_the_finish_is_flagged(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    finish = _plan(firm)
    early = finish - timedelta(days=1)
    sign_in("maya")
    page.goto(f"/projects/{firm.project.pk}/tasks/")
    expect(page.get_by_test_id("task-table")).to_be_visible()
    row = page.locator(f"#task-row-{firm.build.pk}")
    expect(row.get_by_test_id("deadline-missed")).to_have_count(0)

    # A bad date first: the cell says why and nothing is stored.
    cell = page.locator(f"#c-{firm.build.pk}-deadline")
    cell.click()
    page.keyboard.type("next week")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("cell-error")).to_contain_text("not a date")
    assert Task.objects.get(pk=firm.build.pk).deadline is None
    page.keyboard.press("Escape")

    cell = page.locator(f"#c-{firm.build.pk}-deadline")
    cell.click()
    cell.fill(early.isoformat())
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("tasks-status")).to_contain_text("finishes after its deadline")
    flag = row.get_by_test_id("deadline-missed")
    expect(flag).to_be_visible()
    expect(flag).to_have_attribute("title", f"Finishes after its deadline ({early.isoformat()})")
    assert Task.objects.get(pk=firm.build.pk).deadline == early
    assert finish_day(Task.objects.get(pk=firm.build.pk).finish) == finish  # the plan did not move
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "tasks-deadline.png"), full_page=True)

    # Reloaded: still there; the task page shows it too.
    page.reload()
    expect(page.locator(f"#c-{firm.build.pk}-deadline")).to_have_value(early.isoformat())
    expect(page.locator(f"#task-row-{firm.build.pk}").get_by_test_id("deadline-missed")).to_be_visible()
    page.goto(f"/tasks/{firm.build.pk}/")
    expect(page.get_by_test_id("task-deadline")).to_contain_text("missed")
    page.screenshot(path=str(SHOTS / "task-page-deadline.png"), full_page=True)

    # The Gantt: a red outline on Build's bar only, the deadline in its popup.
    page.goto(f"/projects/{firm.project.pk}/gantt/")
    bar = page.locator(f".bar-wrapper[data-id='{firm.build.pk}']")
    expect(bar).to_be_visible()
    expect(page.locator(".bar-wrapper.g-deadline-missed")).to_have_count(1)
    expect(bar).to_have_class(re.compile("g-deadline-missed"))
    page.get_by_role("button", name="Day", exact=True).click()
    expect(page.locator(".bar-wrapper.g-deadline-missed")).to_have_count(1)  # kept when the chart is redrawn
    page.get_by_test_id("plan-list").screenshot(path=str(SHOTS / "gantt-list.png"))
    page.locator("#plan-split").screenshot(path=str(SHOTS / "gantt-deadline.png"))
    bar.locator(".bar-label").click()
    expect(page.locator(".popup-wrapper")).to_contain_text(f"Deadline {early.isoformat()} · finishes after it")
