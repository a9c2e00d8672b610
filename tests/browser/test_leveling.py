"""Resource leveling on the plan screen: level, see the delayed bar and its delay, accept; the plan is saved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.core.periods import week_start
from margin.projects import actions
from margin.projects.models import Task
from margin.resourcing.actions import leveling
from margin.resourcing.models import LevelingProposal, LevelingStatus
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


def test_warnings_are_shown_per_task_and_accept_waits_for_the_acknowledgement(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    # The shape: Design is started; Build (not started) must finish before Review, which is 99 % done.
    # Leveling Tom would mean moving Build past Review's start: it cannot, and the screen says so.
    firm = browser_firm
    monday = week_start(timezone.localdate())
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=monday)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=2 * 480)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=3 * 480)
    review = actions.task_create(viewer=firm.manager, project=firm.project, name="Review")
    actions.task_schedule_update(viewer=firm.manager, task=review, duration_minutes=5 * 480)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.build, successor=review)
    for task in (firm.design, firm.build):
        leveling.assignment_create(viewer=firm.manager, task=task, person=firm.member_person)
    zone = timezone.get_current_timezone()
    start = datetime.combine(monday, time(9), tzinfo=zone)
    Task.objects.filter(pk=firm.design.pk).update(actual_start=start, percent_complete=50)
    Task.objects.filter(pk=review.pk).update(actual_start=start + timedelta(days=3), percent_complete=99)
    actions.project_reschedule(viewer=firm.manager, project=firm.project)
    before = dict(Task.objects.filter(project=firm.project).values_list("pk", "start"))

    sign_in("maya")
    page.goto(f"/projects/{firm.project.pk}/gantt/")
    expect(page.locator(f".bar-wrapper[data-id='{firm.build.pk}']")).to_be_visible()
    page.get_by_test_id("level-resources").click()
    warnings = page.get_by_test_id("leveling-warnings")
    expect(warnings).to_be_visible()
    expect(warnings).to_contain_text("cannot keep everything for 2 tasks")
    items = page.get_by_test_id("leveling-warnings-list").locator("li")
    expect(items).to_have_count(2)
    expect(items.filter(has_text="“Build”")).to_contain_text("would break a link")
    expect(items.filter(has_text="“Design”")).to_contain_text("started")
    expect(page.get_by_test_id("leveling-text")).to_contain_text("Read the warnings")
    accept = page.get_by_test_id("leveling-accept")
    expect(accept).to_be_disabled()
    page.screenshot(path="/tmp/leveling-warnings.png", full_page=True)
    assert LevelingProposal.objects.get(project=firm.project).status == LevelingStatus.PROPOSED

    page.get_by_test_id("leveling-ack").check()
    expect(accept).to_be_enabled()
    accept.click()
    expect(page.locator("#plan-status")).to_contain_text("Leveling applied")
    expect(warnings).to_be_hidden()
    assert LevelingProposal.objects.get(project=firm.project).status == LevelingStatus.ACCEPTED
    assert dict(Task.objects.filter(project=firm.project).values_list("pk", "start")) == before
