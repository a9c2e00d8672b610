"""Projects in a real browser: the menus, New project from a template with members and rates (a weekend start
refused, then moved), the Rates and Team tabs, and the Projects list."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from margin.contracts.actions import bill_rate_set
from margin.contracts.models import BillRate
from margin.projects import actions
from margin.projects.models import Dependency, Project, Task
from margin.resourcing.models import Assignment, ResourcePool
from tests.firm import Firm

pytestmark = pytest.mark.browser

SHOTS = "/tmp/margin-projects"


def _template(firm: Firm) -> Project:
    m = firm.manager
    template = actions.project_create(
        viewer=m,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="TPL-WEB",
        name="Website template",
        start_date=date(2026, 3, 2),
        is_template=True,
        budget_minutes=300 * 60,
    )
    phase = actions.task_create(viewer=m, project=template, name="Discovery")
    interviews = actions.task_create(viewer=m, project=template, name="Interviews", parent=phase)
    design = actions.task_create(viewer=m, project=template, name="Design")
    live = actions.task_create(viewer=m, project=template, name="Go-live")
    actions.task_schedule_update(viewer=m, task=interviews, duration_minutes=3 * 480)
    actions.task_schedule_update(viewer=m, task=design, duration_minutes=5 * 480)
    actions.task_schedule_update(viewer=m, task=live, duration_minutes=0)
    actions.dependency_create(viewer=m, predecessor=interviews, successor=design, kind="FS", lag_minutes=480)
    actions.dependency_create(viewer=m, predecessor=design, successor=live, kind="FS")
    org = firm.usd.organisation_id
    pool = ResourcePool.objects.create(organisation_id=org, name="Consultants", role=firm.consultant)
    Assignment.objects.create(task=design, pool=pool, units=200)
    bill_rate_set(viewer=m, project=template, role=firm.consultant, valid_from=date(2020, 1, 1), hourly_rate=Decimal(9))
    return template


def test_a_project_from_a_template_with_members_and_rates(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    template = _template(firm)
    sign_in("maya")

    page.get_by_test_id("nav-projects-menu").click()
    page.get_by_test_id("nav-new-project").click()
    expect(page.get_by_test_id("new-project-ways")).to_be_visible()
    page.screenshot(path=f"{SHOTS}-1-ways.png", full_page=True)
    page.get_by_test_id("template-TPL-WEB").click()

    form = page.get_by_test_id("new-project-form")
    expect(page.locator("#page-title")).to_contain_text("From the template Website template")
    form.get_by_label("Code", exact=True).fill("WEB-9")
    form.get_by_label("Name", exact=True).fill("Acme <website>")
    form.get_by_label("Start", exact=True).fill("2026-06-06")  # a Saturday
    form.get_by_label("Tom — Acme US").check()
    # the template's rate is there to edit; add a senior rate and Tom's own
    expect(page.locator("select[name='rates-0-who']")).to_have_value(f"role:{firm.consultant.pk}")
    page.get_by_test_id("add-rate-row").click()
    page.locator("select[name='rates-1-who']").select_option(f"role:{firm.senior.pk}")
    page.locator("input[name='rates-1-valid_from']").fill("2026-01-01")
    page.locator("input[name='rates-1-hourly_rate']").fill("165")
    page.get_by_test_id("add-rate-row").click()
    page.locator("select[name='rates-2-who']").select_option(f"person:{firm.member_person.pk}")
    page.locator("input[name='rates-2-valid_from']").fill("2026-01-01")
    page.locator("input[name='rates-2-hourly_rate']").fill("95.5")
    page.get_by_test_id("create-project").click()

    expect(page.get_by_test_id("error-start_date")).to_contain_text("2026-06-06 is not a working day")
    expect(page.get_by_test_id("error-start_date")).to_contain_text("a Saturday")
    assert not Project.objects.filter(code="WEB-9").exists()
    page.screenshot(path=f"{SHOTS}-2-refused.png", full_page=True)
    # what was typed is still there, the added rows too
    expect(page.locator("input[name='rates-2-hourly_rate']")).to_have_value("95.5")
    page.get_by_label("If the start is not a working day").check()
    page.get_by_test_id("create-project").click()

    page.wait_for_url(re.compile(r"/projects/\d+/$"))
    expect(page.get_by_role("alert").first).to_contain_text("Project WEB-9 is created.")
    expect(page.locator("#page-title")).to_contain_text("Acme <website>")
    project = Project.objects.get(code="WEB-9")
    assert (project.start_date, project.is_template) == (date(2026, 6, 8), False)
    tasks = {t.name: t for t in Task.objects.filter(project=project)}
    assert set(tasks) == {"Discovery", "Interviews", "Design", "Go-live"}
    assert Dependency.objects.filter(project=project).count() == 2
    assert Assignment.objects.filter(task=tasks["Design"], pool__name="Consultants", units=200).exists()
    page.screenshot(path=f"{SHOTS}-3-created.png", full_page=True)

    page.get_by_role("link", name="Plan").click()
    expect(page.locator(".gantt-container, [data-testid=gantt]").first).to_be_visible()
    page.screenshot(path=f"{SHOTS}-4-plan.png", full_page=True)

    page.get_by_test_id("tab-rates").click()
    expect(page.get_by_test_id("rate-currency")).to_have_text("USD")
    expect(page.locator("select[name='rates-2-who']")).to_have_value(f"person:{firm.member_person.pk}")
    page.screenshot(path=f"{SHOTS}-5-rates.png", full_page=True)
    # an overlapping row is refused and nothing changes
    page.get_by_test_id("add-rate-row").click()
    page.locator("select[name='rates-3-who']").select_option(f"role:{firm.senior.pk}")
    page.locator("input[name='rates-3-valid_from']").fill("2026-01-01")
    page.locator("input[name='rates-3-hourly_rate']").fill("170")
    page.get_by_test_id("save-rates").click()
    expect(page.get_by_test_id("rates-error")).to_contain_text("Senior Consultant has two rates from 2026-01-01")
    assert BillRate.objects.filter(rate_card__contract__covered__project=project).count() == 3

    page.get_by_test_id("tab-team").click()
    expect(page.get_by_test_id("members-table")).to_contain_text("Tom")
    page.screenshot(path=f"{SHOTS}-6-team.png", full_page=True)
    page.get_by_test_id("tab-settings").click()
    expect(page.get_by_test_id("template-card")).to_be_visible()
    page.screenshot(path=f"{SHOTS}-6b-settings.png", full_page=True)

    page.get_by_test_id("nav-projects-menu").click()
    page.get_by_test_id("nav-projects").click()
    expect(page.get_by_test_id("project-list")).to_contain_text("WEB-9")
    expect(page.get_by_test_id("project-list")).not_to_contain_text("TPL-WEB")
    page.screenshot(path=f"{SHOTS}-7-list.png", full_page=True)
    page.get_by_test_id("kind-templates").click()
    expect(page.get_by_test_id("project-list")).to_contain_text("TPL-WEB")
    assert template.pk


def test_the_time_menu_opens_the_timer(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    sign_in("tom")
    page.get_by_test_id("nav-time-menu").click()
    page.screenshot(path=f"{SHOTS}-8-time-menu.png")
    page.get_by_test_id("nav-timer").click()
    expect(page.get_by_test_id("timer-search")).to_be_visible()
