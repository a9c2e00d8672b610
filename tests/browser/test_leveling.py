"""Resource leveling on the plan screen: level, see the delayed bar and its delay, accept; the plan is saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.core.periods import week_start
from margin.projects import actions
from margin.projects.actions import leveling
from margin.projects.models import Task
from tests.firm import Firm

pytestmark = pytest.mark.browser


def test_level_and_accept(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=week_start(timezone.localdate()))
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=2 * 480)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=3 * 480)
    for task in (firm.design, firm.build):
        leveling.assignment_create(viewer=firm.manager, task=task, person=firm.member_person)
    sign_in("maya")
    page.goto(f"/projects/{firm.project.pk}/gantt/")
    expect(page.locator(f".bar-wrapper[data-id='{firm.design.pk}']")).to_be_visible()
    page.get_by_test_id("level-resources").click()
    expect(page.get_by_test_id("leveling-text")).to_contain_text("1 task is delayed")
    expect(page.locator(".bar-wrapper.g-leveled")).to_have_count(1)
    expect(page.locator(".plan-delay")).to_have_count(1)
    page.get_by_test_id("leveling-accept").click()
    expect(page.locator("#plan-status")).to_contain_text("Leveling applied")
    expect(page.locator(".bar-wrapper.g-leveled")).to_have_count(0)
    delays = sorted(Task.objects.filter(project=firm.project).values_list("leveling_delay_minutes", flat=True))
    assert delays[-1] > 0 and delays[0] == 0
