"""The Plan tab treats every task name as text, whether typed on the Tasks tab or imported from MS Project; and a
bar dragged in any view keeps its duration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from margin.integrations.msproject import mspdi
from margin.projects import actions
from margin.projects.models import Task
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/margin-shots")
# Markup in a name: an element (runs where a name reaches innerHTML) and an attribute break-out (runs where a name
# is put inside a quoted attribute with only < > & escaped, as the list's aria-labels were).
ELEMENT = '<img src=x onerror="window.__xss=1">Survey'
ATTRIBUTE = 'Fence" onmouseover="window.__xss=2" data-x="'


def _names_are_text(page: Any, project_id: int, names: list[str]) -> None:
    page.goto(f"/projects/{project_id}/gantt/")
    for name in names:
        expect(page.get_by_test_id("plan-list")).to_contain_text(name)
    # Every bar label, list row, link row, select option and button label shows the name as typed.
    labels = page.locator(".bar-label").all_text_contents()
    for name in names:
        assert name in labels, labels
    assert page.locator("#gantt img, #plan-rows img, #plan-links img").count() == 0
    assert page.locator("[onmouseover], [onerror]").count() == 0
    for button in page.locator("#plan-rows [data-indent]").all():
        button.hover()
    page.locator(".bar-wrapper .bar").first.click()  # the popup
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is None


def test_a_name_typed_on_the_tasks_tab_is_text_on_the_plan(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    sign_in("maya")
    page.goto(f"/projects/{firm.project.pk}/tasks/")
    for name in (ELEMENT, ATTRIBUTE):
        page.locator("#task-add-name").fill(name)
        page.get_by_role("button", name="Add task").click()
        expect(page.get_by_test_id("tasks-status")).to_contain_text("Added")
        page.locator("#plan-status, [data-testid=tasks-status]").first.evaluate("node => { node.textContent = '' }")
    survey = Task.objects.get(project=firm.project, name=ELEMENT)
    fence = Task.objects.get(project=firm.project, name=ATTRIBUTE)
    actions.dependency_create(viewer=firm.manager, predecessor=survey, successor=fence)
    _names_are_text(page, firm.project.pk, [ELEMENT, ATTRIBUTE])
    expect(page.get_by_test_id("links-table")).to_contain_text(ELEMENT)
    page.locator("#link-pred").focus()
    assert any(text.endswith(" " + ELEMENT) for text in page.locator("#link-pred option").all_text_contents())
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "gantt-names-as-text.png"), full_page=True)


def test_a_name_from_an_ms_project_file_is_text_on_the_plan(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    empty = actions.project_create(
        viewer=firm.admin,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="XSS-1",
        name="Imported",
        start_date=date(2026, 3, 2),
    )
    data = mspdi.write(
        mspdi.MsProject(
            name="Hostile",
            start=datetime(2026, 3, 2, 9),
            tasks=[
                mspdi.MsTask(1, ELEMENT, 1, duration_minutes=960),
                mspdi.MsTask(2, ATTRIBUTE, 1, duration_minutes=480, links=(mspdi.MsLink(1),)),
            ],
            calendar=mspdi.MsCalendar("Standard", {d: [(540, 780), (840, 1080)] if d < 5 else [] for d in range(7)}),
        )
    )
    sign_in("maya")
    page.goto(f"/projects/{empty.pk}/msproject/import/")
    page.set_input_files("#msproject-file", {"name": "hostile.xml", "mimeType": "application/xml", "buffer": data})
    page.get_by_role("button", name="Import the plan").click()
    page.get_by_test_id("import-result").wait_for()
    assert page.evaluate("window.__xss") is None
    _names_are_text(page, empty.pk, [ELEMENT, ATTRIBUTE])


@pytest.mark.parametrize(("mode", "columns"), [("Day", 3), ("Week", 1), ("Month", 0.35)])
def test_dragging_a_bar_moves_it_and_keeps_its_duration(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any], mode: str, columns: float
) -> None:
    """A six-week task from Monday 1 June 2026, dragged right by some days: it starts later and is as long as
    before. (frappe-gantt reads a Month view's position in whole months: the move used to become a resize.)"""
    firm = browser_firm
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=date(2026, 6, 1))
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=30 * 480)
    before = Task.objects.get(pk=firm.design.pk)
    sign_in("maya")
    page.goto(f"/projects/{firm.project.pk}/gantt/")
    bar = page.locator(f".bar-wrapper[data-id='{firm.design.pk}'] .bar")
    expect(bar).to_be_visible()
    if mode != "Week":
        page.get_by_role("button", name=mode, exact=True).click()
    page.wait_for_timeout(300)
    column = page.evaluate("document.querySelector('.gantt-container').style.getPropertyValue('--gv-column-width')")
    step = float(column.removesuffix("px")) * columns
    page.locator(".gantt-container").evaluate(
        "(node, bar) => { node.scrollLeft = Math.max(bar.getBBox().x - 100, 0) }", bar.element_handle()
    )
    box = bar.bounding_box()
    x, y = box["x"] + min(box["width"] / 2, 150), box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + step / 2, y, steps=5)
    page.mouse.move(x + step, y, steps=5)
    page.mouse.up()
    expect(page.locator("#plan-status")).to_contain_text("moved")
    after = Task.objects.get(pk=firm.design.pk)
    assert after.start is not None and before.start is not None
    assert (after.start - before.start).days >= 3, (before.start, after.start)
    assert after.duration_minutes == before.duration_minutes == 30 * 480
    assert after.constraint == "SNET"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"gantt-drag-{mode.lower()}.png"))
