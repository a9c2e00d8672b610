"""The plan screen in a real browser: the Gantt draws the schedule, and dragging a bar reschedules through the API."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.core.periods import week_start
from margin.projects import actions
from margin.projects.models import Dependency, Task
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
    box = _steady_box(page, page.locator(f".bar-wrapper[data-id='{firm.design.pk}'] .bar"))
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
    page.wait_for_function("(drawn) => document.getElementById('plan').dataset.ready !== drawn", arg=drawn)  # redrawn
    page.locator("#plan-status").evaluate("node => { node.textContent = '' }")
    handle = page.locator(f".bar-wrapper[data-id='{firm.build.pk}'] .handle.right")
    bbox = _steady_box(page, page.locator(f".bar-wrapper[data-id='{firm.build.pk}'] .bar"))
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
    drawn = page.locator("#plan").get_attribute("data-ready")
    form.get_by_label("Predecessor").select_option(str(extra.pk))
    form.get_by_label("Successor").select_option(str(firm.design.pk))
    form.get_by_label("Lag (days)").fill("0")
    form.get_by_role("button", name="Link").click()
    expect(page.locator("#plan-status")).to_contain_text("cycle")
    # The plan reloads and redraws after the refusal (a new data-ready stamp); a click on a row before the redraw
    # is lost with the row it was on (it flaked on a busy CI machine while only waiting for the network).
    expect(page.locator("#plan")).not_to_have_attribute("data-ready", drawn or "")

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


def _steady_box(page: Any, locator: Any) -> Any:
    """The element's box once it stopped moving (frappe-gantt scrolls the chart smoothly after a redraw)."""
    box = locator.bounding_box()
    for _ in range(30):
        page.wait_for_timeout(100)
        again = locator.bounding_box()
        if again == box:
            break
        box = again
    return box


def _drag_link(page: Any, source: int, end: str, target: int, at: float) -> None:
    """Hover the source bar, press on the circle at its `end`, move (in steps) to the point `at` (0–1) along the
    target bar (not releasing)."""
    bar = _steady_box(page, page.locator(f".bar-wrapper[data-id='{source}'] .bar"))
    page.mouse.move(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)
    handle = page.get_by_test_id(f"link-handle-{end}")
    expect(handle).to_be_visible()
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=3)
    page.mouse.down()
    goal = page.locator(f".bar-wrapper[data-id='{target}'] .bar").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 30, steps=5)
    page.mouse.move(goal["x"] + goal["width"] * at, goal["y"] + goal["height"] / 2, steps=10)


def test_draw_a_link_by_dragging_between_bars(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    _plan(firm)
    review = actions.task_create(viewer=firm.manager, project=firm.project, name="Review")
    actions.task_schedule_update(viewer=firm.manager, task=review, duration_minutes=480)
    review.refresh_from_db()
    design = Task.objects.get(pk=firm.design.pk)
    assert review.start is not None and design.finish is not None and review.start < design.finish  # in parallel
    sign_in("maya")
    page.goto(f"/projects/{firm.project.pk}/gantt/")
    page.get_by_role("button", name="Day", exact=True).click()
    expect(page.locator(f".bar-wrapper[data-id='{review.pk}']")).to_be_visible()

    # Escape cancels a link being drawn: nothing is saved.
    links = Dependency.objects.count()
    _drag_link(page, design.pk, "finish", review.pk, 0.25)
    expect(page.locator(".plan-link-line")).to_be_visible()  # the rubber band
    expect(page.locator("#plan-status")).to_contain_text("Finish-to-start (FS): Design → Review")
    page.keyboard.press("Escape")
    page.mouse.up()
    expect(page.locator("#plan-status")).to_contain_text("cancelled")
    assert Dependency.objects.count() == links

    # Design's finish onto the start half of Review: a finish-to-start link, and Review moves after Design.
    drawn = page.get_attribute("#plan", "data-ready")
    _drag_link(page, design.pk, "finish", review.pk, 0.25)
    page.mouse.up()
    expect(page.locator("#plan-status")).to_contain_text("moved")
    page.wait_for_function("(drawn) => document.getElementById('plan').dataset.ready !== drawn", arg=drawn)
    link = Dependency.objects.get(predecessor=design, successor=review)
    assert link.kind == "FS" and link.lag_minutes == 0
    review.refresh_from_db()
    assert review.start is not None and review.start >= design.finish
    expect(page.get_by_test_id("links-table")).to_contain_text("Review")
    # The chart redrew Review where the server put it: after Design's bar.
    design_box = page.locator(f".bar-wrapper[data-id='{design.pk}'] .bar").bounding_box()
    review_box = page.locator(f".bar-wrapper[data-id='{review.pk}'] .bar").bounding_box()
    assert review_box["x"] >= design_box["x"] + design_box["width"] - 1

    # Start of Build onto the finish half of Design: start-to-finish... would be Design waiting for Build, a cycle
    # (Design → Build already): refused with the engine's message, nothing saved.
    links = Dependency.objects.count()
    _drag_link(page, firm.build.pk, "start", design.pk, 0.75)
    expect(page.locator("#plan-status")).to_contain_text("Start-to-finish (SF)")
    page.mouse.up()
    expect(page.locator("#plan-status")).to_contain_text("cycle")
    expect(page.locator("#plan-status")).to_have_class(re.compile("text-danger"))
    assert Dependency.objects.count() == links
    SHOTS.mkdir(parents=True, exist_ok=True)
    _drag_link(page, design.pk, "finish", firm.build.pk, 0.25)
    page.screenshot(path=str(SHOTS / "gantt-link.png"))
    page.keyboard.press("Escape")
    page.mouse.up()


def test_long_plan_is_drawn_as_a_window_that_follows_the_scroll(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    """A plan of more rows than the window (150): only the rows near the viewport are drawn, aligned with the task
    list; scrolling moves the window; dragging, baselines and link drawing work inside it."""
    firm = browser_firm
    monday = week_start(timezone.localdate())
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=monday)
    Task.objects.bulk_create(
        Task(project=firm.project, position=10 + n, name=f"Step {n}", duration_minutes=480 * (1 + n % 3))
        for n in range(1, 221)
    )
    steps = list(Task.objects.filter(name__startswith="Step ").order_by("position"))
    Dependency.objects.bulk_create(  # ten chains of 22
        Dependency(project=firm.project, predecessor=a, successor=b)
        for i, (a, b) in enumerate(pairwise(steps))
        if (i + 1) % 22
    )
    actions.project_reschedule(viewer=firm.manager, project=firm.project)
    actions.baseline_save(viewer=firm.manager, project=firm.project)
    sign_in("maya")
    page.goto(f"/projects/{firm.project.pk}/gantt/")
    expect(page.locator("#plan")).to_have_attribute("data-rows", "222")  # Design, Build and the 220 steps
    drawn = page.locator(".bar-wrapper").count()
    assert 0 < drawn < 150
    assert page.get_attribute("#plan", "data-window").startswith("0-")
    page.locator("#plan-baseline").select_option("0")
    expect(page.locator(".plan-baseline")).to_have_count(drawn)

    # Scroll to the middle: the window follows, and a row of the list sits beside its bar.
    middle = steps[110]
    before = page.get_attribute("#plan", "data-window")
    page.locator("#plan-split").evaluate("p => { p.scrollTop = 85 + 34 * 105; }")
    page.wait_for_function("(before) => document.getElementById('plan').dataset.window !== before", arg=before)
    start, end = (int(v) for v in page.get_attribute("#plan", "data-window").split("-"))
    assert start > 0 and end < 222 and start <= 112 < end
    bar = page.locator(f".bar-wrapper[data-id='{middle.pk}'] .bar")
    row = page.locator(f".plan-row[data-task='{middle.pk}']")
    expect(bar).to_be_visible()
    bar_box, row_box = bar.bounding_box(), row.bounding_box()
    assert abs((bar_box["y"] + bar_box["height"] / 2) - (row_box["y"] + row_box["height"] / 2)) < 3
    expect(page.locator(".plan-baseline")).to_have_count(end - start)

    # Drag that bar a day later (Day view): the server moves it and its successors; the chart redraws in place.
    page.get_by_role("button", name="Day", exact=True).click()
    column = page.evaluate("document.querySelector('.gantt-container').style.getPropertyValue('--gv-column-width')")
    step = float(column.removesuffix("px"))
    middle.refresh_from_db()
    old_start = middle.start
    bar_box = _steady_box(page, bar)
    x, y = bar_box["x"] + bar_box["width"] / 2, bar_box["y"] + bar_box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + step / 2, y, steps=4)
    page.mouse.move(x + 1.5 * step, y, steps=4)
    page.mouse.up()
    expect(page.locator("#plan-status")).to_contain_text("moved")
    middle.refresh_from_db()
    assert old_start is not None and middle.start is not None and middle.start > old_start
    expect(page.locator(f".bar-wrapper[data-id='{middle.pk}']")).to_be_visible()

    # Draw a link inside the window: from this step's finish to the start of Step 113, two rows below.
    other = steps[112]
    assert not Dependency.objects.filter(predecessor=middle, successor=other).exists()
    _drag_link(page, middle.pk, "finish", other.pk, 0.2)
    page.mouse.up()
    expect(page.locator("#plan-status")).to_contain_text("moved")
    assert Dependency.objects.filter(predecessor=middle, successor=other, kind="FS").exists()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(800)  # frappe-gantt animates the bars growing
    page.screenshot(path=str(SHOTS / "gantt-window.png"))
    # The links table shows its first 100 links until asked; the link form's task lists fill when first used.
    table = page.get_by_test_id("links-table").locator("tbody tr")
    expect(table).to_have_count(101)
    page.get_by_role("button", name=f"Show all {Dependency.objects.count()} links").click()
    expect(table).to_have_count(Dependency.objects.count())
    expect(page.locator("#link-pred option")).to_have_count(0)
    page.locator("#link-pred").focus()
    expect(page.locator("#link-pred option")).to_have_count(222)
