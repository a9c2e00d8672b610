"""The Kanban board in a real browser: drag a card to another column with the mouse; the move persists and a
column over its WIP limit warns."""

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
from margin.projects.models import Task
from margin.timesheets.actions import time_entry_create
from tests.checks import assigned
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/margin-shots")


def _drag(page: Any, card: Any, target: Any) -> None:
    """Press on the card, move in small steps (SortableJS needs to see the pointer travel), drop on the target.

    Waits first until board.js has made every cell sortable: the columns are drawn before the deferred scripts
    run, and a drag that starts earlier moves nothing."""
    expect(page.locator("#board .board-cell:not([data-sortable])")).to_have_count(0)
    expect(target).to_have_attribute("data-sortable", "1")
    box, goal = card.bounding_box(), target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 12)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 10, box["y"] + 22, steps=5)
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + goal["height"] - 10, steps=20)
    page.mouse.up()


def test_drag_a_card_to_another_column(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    columns = {c.status: c for c in actions.board_columns_ensure(viewer=firm.manager, project=firm.project)}
    actions.board_column_update(viewer=firm.manager, column=columns["in_progress"], wip_limit=1)
    review = actions.task_create(
        viewer=firm.manager, project=firm.project, name="Review contract", estimate_minutes=600
    )
    actions.task_update(viewer=firm.manager, task=review, planned_finish=timezone.localdate() - timedelta(days=3))
    actions.task_board_move(
        viewer=firm.manager, task=firm.build, status="in_progress", position=0, assignee=firm.member_person
    )
    actions.task_board_move(
        viewer=firm.manager, task=firm.design, status="todo", position=0, assignee=firm.member2_person
    )
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    for day in range(4):
        time_entry_create(
            viewer=firm.member,
            project=firm.project,
            task=firm.build,
            work_date=monday + timedelta(days=day),
            minutes=450,
        )

    sign_in("tom")
    page.goto(f"/projects/{firm.project.pk}/")
    page.get_by_test_id("project-tabs").get_by_role("link", name="Board").click()
    head = page.get_by_test_id("head-in_progress")
    expect(head).to_contain_text("1 / 1")
    card = page.get_by_test_id(f"card-{firm.design.pk}")
    expect(card).to_contain_text("Design")
    expect(page.get_by_test_id(f"card-{firm.build.pk}")).to_contain_text("30:00 / 120:00")

    _drag(page, card, page.get_by_test_id("cell-all-in_progress"))

    expect(page.get_by_test_id("board-message")).to_contain_text("over its WIP limit of 1")
    expect(head).to_contain_text("2 / 1")
    expect(page.get_by_test_id("cell-all-in_progress").get_by_test_id(f"card-{firm.design.pk}")).to_be_visible()
    design = Task.objects.get(pk=firm.design.pk)
    assert design.status == "in_progress" and design.board_position == 1
    assert Task.objects.get(pk=firm.build.pk).board_position == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "board.png"), full_page=True)

    # The page after a reload shows the same: the move was saved, not only drawn.
    page.reload()
    expect(page.get_by_test_id("cell-all-in_progress")).to_contain_text("Design")
    expect(page.get_by_test_id("head-in_progress")).to_have_class("board-head board-over")


def test_drag_across_assignee_swimlanes_hands_the_task_over(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    sign_in("tom")
    page.goto("/board/?lanes=assignee")
    expect(page.get_by_test_id("lane-toggle").get_by_role("link", name="By assignee")).to_have_attribute(
        "aria-current", "true"
    )
    card = page.get_by_test_id(f"card-{firm.design.pk}")
    expect(page.get_by_test_id("cell-unassigned-todo")).to_contain_text("Design")
    _drag(page, card, page.get_by_test_id(f"cell-p{firm.member2_person.pk}-review"))
    expect(
        page.get_by_test_id(f"cell-p{firm.member2_person.pk}-review").get_by_test_id(f"card-{firm.design.pk}")
    ).to_be_visible()
    expect(page.get_by_test_id("head-review")).to_contain_text("1")
    design = Task.objects.get(pk=firm.design.pk)
    assert design.status == "review" and assigned(design) == [firm.member2_person.name]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "board-mine.png"), full_page=True)
