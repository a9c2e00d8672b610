"""The Tasks tab in a real browser: edit cells with the keyboard (type, Enter, Tab), see the refusal of bad input,
reload and find the change stored; then the task page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.core.periods import week_start
from margin.projects import actions
from margin.projects.models import Dependency, Task
from margin.resourcing.actions import assignment_create
from margin.timesheets.actions import time_entry_create
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/margin-shots")


def test_edit_cells_inline_with_the_keyboard(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    wireframes = actions.task_create(viewer=firm.manager, project=firm.project, name="Wireframes", parent=firm.design)
    mockups = actions.task_create(viewer=firm.manager, project=firm.project, name="Mockups", parent=firm.design)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.design, successor=firm.build, lag_minutes=480)
    actions.project_reschedule(viewer=firm.manager, project=firm.project)
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    time_entry_create(viewer=firm.member, project=firm.project, task=wireframes, work_date=monday, minutes=150)
    assignment_create(viewer=firm.manager, task=firm.build, person=firm.member_person)
    build_start = Task.objects.get(pk=firm.build.pk).start

    sign_in("maya")
    page.goto(f"/projects/{firm.project.pk}/tasks/")
    table = page.get_by_test_id("task-table")
    expect(table).to_be_visible()
    duration = page.locator(f"#c-{wireframes.pk}-duration")
    duration.click()
    page.keyboard.type("4d")
    page.keyboard.press("Tab")  # leaves the cell: saves; the focus goes on to the next cell (Start)
    expect(page.get_by_test_id("tasks-status")).to_contain_text("Saved.")
    expect(page.locator(f"#c-{wireframes.pk}-duration")).to_have_value("4d")
    expect(page.locator(f"#c-{wireframes.pk}-start")).to_be_focused()
    # Build followed Design's new finish: its row was redrawn.
    build_row = page.locator(f"#task-row-{firm.build.pk}")
    new_start = Task.objects.get(pk=firm.build.pk).start
    assert build_start is not None and new_start is not None and new_start > build_start
    expect(build_row).to_contain_text(new_start.astimezone(timezone.get_current_timezone()).date().isoformat())

    # Bad input: the cell shows why, and nothing is stored.
    percent = page.locator(f"#c-{wireframes.pk}-percent")
    percent.click()
    page.keyboard.type("150")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("cell-error")).to_contain_text("between 0 and 100")
    expect(page.locator(f"#c-{wireframes.pk}-percent")).to_be_focused()
    assert Task.objects.get(pk=wireframes.pk).percent_complete == 0
    page.keyboard.press("Escape")
    page.keyboard.type("60")
    page.keyboard.press("Enter")  # saves and goes down to the next row's % complete
    expect(page.locator(f"#task-row-{wireframes.pk}")).to_have_class(re.compile("tt-saved"))
    expect(page.get_by_test_id("cell-error")).to_have_count(0)

    # The name, edited with the keyboard only: Enter saves.
    name = page.locator(f"#c-{firm.build.pk}-name")
    name.focus()
    page.keyboard.type("Build the portal")
    page.keyboard.press("Enter")
    expect(page.locator(f"#task-row-{firm.build.pk}")).to_have_class(re.compile("tt-saved"))
    # Predecessors typed as in MS Project: row 2 (Wireframes), finish-to-start.
    page.locator(f"#c-{mockups.pk}-predecessors").focus()
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    expect(page.locator(f"#task-row-{mockups.pk}")).to_have_class(re.compile("tt-saved"))
    expect(page.locator(f"#c-{mockups.pk}-predecessors")).to_have_value("2")
    assert Dependency.objects.filter(predecessor=wireframes, successor=mockups, kind="FS").exists()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "tasks-table.png"), full_page=True)

    page.reload()
    expect(page.locator(f"#c-{wireframes.pk}-duration")).to_have_value("4d")
    expect(page.locator(f"#c-{wireframes.pk}-percent")).to_have_value("60%")
    expect(page.locator(f"#c-{firm.build.pk}-name")).to_have_value("Build the portal")
    wireframes.refresh_from_db()
    assert wireframes.duration_minutes == 4 * 480 and wireframes.percent_complete == 60
    assert Task.objects.get(pk=firm.build.pk).name == "Build the portal"

    # The task page of Build: its predecessor, assignment and history.
    page.goto(f"/tasks/{firm.build.pk}/")
    expect(page.get_by_test_id("task-title")).to_have_text("Build the portal")
    expect(page.get_by_test_id("links")).to_contain_text("Design")
    expect(page.get_by_test_id("assignments")).to_contain_text("Tom")
    expect(page.get_by_test_id("history")).to_contain_text("Maya renamed Build to Build the portal")
    page.screenshot(path=str(SHOTS / "task-page-build.png"), full_page=True)
    page.goto(f"/tasks/{wireframes.pk}/")
    expect(page.get_by_test_id("time-entries")).to_contain_text("2:30")
    page.screenshot(path=str(SHOTS / "task-page.png"), full_page=True)
