"""The plan screen in a real browser: the Gantt draws the schedule, and dragging a bar reschedules through the API."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.core.periods import week_start
from margin.projects import actions
from margin.projects.models import Task
from margin.projects.planning import to_aware
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/margin-shots")


def _plan(firm: Firm) -> datetime:
    """Design (2 days) → Build (3 days) → Launch (milestone) from Monday of this week; a Phase summary with two
    subtasks beside them. Returns that Monday's start (09:00)."""
    monday = week_start(timezone.localdate())
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=monday)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=2 * 480)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=3 * 480)
    launch = actions.task_create(viewer=firm.manager, project=firm.project, name="Launch")
    actions.task_schedule_update(viewer=firm.manager, task=launch, duration_minutes=0)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.design, successor=firm.build)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.build, successor=launch)
    phase = actions.task_create(viewer=firm.manager, project=firm.project, name="Training")
    for name in ("Prepare course", "Run course"):
        sub = actions.task_create(viewer=firm.manager, project=firm.project, name=name)
        actions.task_indent(viewer=firm.manager, task=sub)
    assert Task.objects.filter(parent=phase).count() == 2
    actions.baseline_save(viewer=firm.manager, project=firm.project)
    return to_aware(datetime.combine(monday, datetime.min.time()).replace(hour=9))


def test_drag_a_bar_moves_the_task_and_its_successor(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    monday = _plan(firm)
    sign_in("maya")
    page.goto(f"/projects/{firm.project.pk}/")
    page.get_by_test_id("project-tabs").get_by_role("link", name="Plan").click()
    expect(page.locator(f".bar-wrapper[data-id='{firm.design.pk}']")).to_be_visible()
    expect(page.locator(".bar-wrapper.g-summary")).to_have_count(1)
    expect(page.locator(".bar-wrapper.g-critical")).to_have_count(2)  # Design and Build
    expect(page.locator(".bar-wrapper.g-milestone-critical")).to_have_count(1)  # Launch
    expect(page.locator("g.arrow path")).to_have_count(2)
    expect(page.get_by_test_id("plan-list")).to_contain_text("Prepare course")

    page.get_by_role("button", name="Day", exact=True).click()
    page.locator("#plan-baseline").select_option("0")
    expect(page.locator(".plan-baseline")).to_have_count(6)
    bar = page.locator(f".bar-wrapper[data-id='{firm.design.pk}'] .bar")
    box = bar.bounding_box()
    column = page.evaluate("document.querySelector('.gantt-container').style.getPropertyValue('--gv-column-width')")
    step = float(column.removesuffix("px"))
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    drawn = page.get_attribute("#plan", "data-ready")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + step, y, steps=5)
    page.mouse.move(x + 2.5 * step, y, steps=5)  # frappe-gantt snaps down to whole days
    page.mouse.up()
    expect(page.locator("#plan-status")).to_contain_text("tasks moved")

    design = Task.objects.get(pk=firm.design.pk)
    build = Task.objects.get(pk=firm.build.pk)
    assert design.constraint == "SNET"
    assert design.start == monday + timedelta(days=2)  # Wednesday 09:00
    assert build.start == monday + timedelta(days=4)  # Friday 09:00: it followed its predecessor
    # Resizing Build by a day makes it 4 days long; Launch follows.
    page.wait_for_function(f"document.getElementById('plan').dataset.ready !== '{drawn}'")  # redrawn
    page.locator("#plan-status").evaluate("node => { node.textContent = '' }")
    handle = page.locator(f".bar-wrapper[data-id='{firm.build.pk}'] .handle.right")
    bbox = page.locator(f".bar-wrapper[data-id='{firm.build.pk}'] .bar").bounding_box()
    page.mouse.move(bbox["x"] + bbox["width"] / 2, bbox["y"] + bbox["height"] / 2)
    hbox = handle.bounding_box()
    hx, hy = hbox["x"] + hbox["width"] / 2, hbox["y"] + hbox["height"] / 2
    page.mouse.move(hx, hy)
    page.mouse.down()
    page.mouse.move(hx + step / 2, hy, steps=4)
    page.mouse.move(hx + 1.5 * step, hy, steps=4)
    page.mouse.up()
    expect(page.locator("#plan-status")).to_contain_text("moved")
    build = Task.objects.get(pk=firm.build.pk)
    assert build.duration_minutes == 4 * 480
    assert build.finish is not None and build.finish == monday + timedelta(
        days=9, hours=9
    )  # Wednesday of next week, 18:00
    launch = Task.objects.get(name="Launch")
    assert launch.start is not None and launch.start >= build.finish
    # The chart redrew the successor where the server put it.
    expect(page.locator(f".plan-row[data-task='{firm.build.pk}']")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "gantt.png"), full_page=True)


def test_link_form_and_indent(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    _plan(firm)
    extra = actions.task_create(viewer=firm.manager, project=firm.project, name="Review")
    sign_in("maya")
    page.goto(f"/projects/{firm.project.pk}/gantt/")
    expect(page.locator(f".bar-wrapper[data-id='{extra.pk}']")).to_be_visible()  # scheduled on first open
    form = page.get_by_test_id("link-form")
    form.get_by_label("Predecessor").select_option(str(firm.build.pk))
    form.get_by_label("Successor").select_option(str(extra.pk))
    form.get_by_label("Lag (days)").fill("1")
    form.get_by_role("button", name="Link").click()
    expect(page.locator("#plan-status")).to_contain_text("moved")
    expect(page.get_by_test_id("links-table")).to_contain_text("Review")
    extra.refresh_from_db()
    build = Task.objects.get(pk=firm.build.pk)
    assert extra.start is not None and build.finish is not None and extra.start > build.finish

    # A cycle is refused with the engine's message, and nothing changes.
    form.get_by_label("Predecessor").select_option(str(extra.pk))
    form.get_by_label("Successor").select_option(str(firm.design.pk))
    form.get_by_label("Lag (days)").fill("0")
    form.get_by_role("button", name="Link").click()
    expect(page.locator("#plan-status")).to_contain_text("cycle")

    page.get_by_role("button", name="Indent Review").click()
    expect(page.locator(f".plan-row[data-task='{extra.pk}'] .plan-wbs")).to_have_text("4.3")
    assert Task.objects.get(pk=extra.pk).parent_id == Task.objects.get(name="Training").pk


def test_member_sees_the_plan_read_only(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    _plan(firm)
    sign_in("tom")
    page.goto(f"/projects/{firm.project.pk}/gantt/")
    expect(page.locator(f".bar-wrapper[data-id='{firm.build.pk}']")).to_be_visible()
    expect(page.get_by_test_id("link-form")).to_have_count(0)
    expect(page.get_by_role("button", name="Indent Build")).to_have_count(0)
    # The outline: a summary row collapses and expands its subtasks, in the list and the chart.
    expect(page.locator(".bar-wrapper")).to_have_count(6)
    page.get_by_role("button", name="Collapse Training").click()
    expect(page.locator(".bar-wrapper")).to_have_count(4)
    expect(page.get_by_test_id("plan-list")).not_to_contain_text("Prepare course")
    page.get_by_role("button", name="Expand Training").click()
    expect(page.locator(".bar-wrapper")).to_have_count(6)
    for mode in ("Week", "Month", "Quarter", "Year", "Day"):
        page.get_by_test_id("view-modes").get_by_role("button", name=mode, exact=True).click()
        expect(page.locator(f".bar-wrapper[data-id='{firm.build.pk}']")).to_be_visible()
        if mode == "Quarter":
            expect(page.locator(".lower-text").first).to_have_text(re.compile(r"^Q[1-4]$"))
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "gantt-quarter.png"))
