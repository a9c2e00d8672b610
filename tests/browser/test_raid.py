"""RAID in the browser: (a) a change request is written with a new task, submitted, approved and applied, and the
task appears in the project's plan with the budget moved; (b) the heat matrix shows its counts and a click on a
cell filters the register."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from margin.projects.models import Project, Task
from margin.risks.actions import risk_create
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/margin-shots")


def test_a_change_request_applied_to_the_plan(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    SHOTS.mkdir(exist_ok=True)
    page.goto("/signin/", timeout=60_000)  # the live server's first answer can be slow on a loaded machine
    sign_in("maya")
    page.goto(f"/projects/{firm.project.pk}/")
    page.get_by_test_id("tab-raid").click()
    page.get_by_test_id("raid-changes").click()
    page.get_by_test_id("new-change").click()
    form = page.get_by_test_id("change-form")
    form.get_by_label("Title").fill("Monthly reporting module")
    form.get_by_label("Requested by").fill("Globex CFO")
    form.get_by_label("Schedule impact (working days)").fill("3")
    form.get_by_label("Effort (hours)").fill("24")
    form.get_by_label("Cost impact").fill("1200")
    form.get_by_label("Price impact").fill("3000.005")  # a tenth of a cent: a form error, nothing saved
    form.locator("[name=task1_name]").fill("Report pack")
    form.locator("[name=task1_hours]").fill("24")
    form.locator("[name=task1_days]").fill("3")
    form.locator("[name=task1_after]").select_option(label="Build")
    form.get_by_test_id("save-change").click()
    expect(page.get_by_test_id("change-form")).to_contain_text("USD amounts have 2 decimals at most.")
    page.get_by_test_id("change-form").get_by_label("Price impact").fill("3000")
    page.get_by_test_id("save-change").click()
    expect(page.get_by_test_id("change-status")).to_have_text("Draft")
    expect(page.get_by_test_id("change-price")).to_have_text("3,000.00 USD")
    page.get_by_test_id("submit-change").click()
    expect(page.get_by_test_id("change-status")).to_have_text("Submitted")
    approve = page.get_by_test_id("approve-form")
    approve.get_by_label("Client approver's name").fill("Jane Roe (CFO)")
    approve.get_by_label("Note").fill("Agreed in the steering committee")
    page.get_by_test_id("approve-change").click()
    expect(page.get_by_test_id("change-status")).to_have_text("Approved")
    page.screenshot(path=str(SHOTS / "raid-change-approved.png"), full_page=True)
    page.get_by_test_id("apply-change").click()
    expect(page.get_by_test_id("change-status")).to_have_text("Applied")
    expect(page.get_by_test_id("applied-budget")).to_have_text("30,000.00 USD → 33,000.00 USD")
    expect(page.get_by_test_id("applied-hours")).to_have_text("200:00 h → 224:00 h")
    expect(page.get_by_test_id("created-task")).to_have_text("Report pack")
    page.screenshot(path=str(SHOTS / "raid-change-applied.png"), full_page=True)
    # The project's budget and plan moved.
    project = Project.objects.get(pk=firm.project.pk)
    assert (project.budget_minutes, project.budget_amount_minor) == (224 * 60, 3_300_000)
    task = Task.objects.get(project=project, name="Report pack")
    assert (task.estimate_minutes, task.duration_minutes) == (24 * 60, 3 * 480)
    # In the plan: the Tasks tab lists it after Design and Build, and its page shows it follows Build.
    page.goto(f"/projects/{firm.project.pk}/tasks/")
    expect(page.locator("#task-rows tr")).to_have_count(3)
    page.screenshot(path=str(SHOTS / "raid-change-tasks.png"), full_page=True)
    page.goto(f"/projects/{firm.project.pk}/raid/changes/")
    expect(page.get_by_test_id("change-requests")).to_contain_text("Applied")
    page.get_by_test_id("change-requests").get_by_role("link", name="Monthly reporting module").click()
    page.get_by_test_id("created-task").click()
    expect(page.get_by_test_id("task-title")).to_have_text("Report pack")
    expect(page.get_by_test_id("links")).to_contain_text("Build")


def test_the_heat_matrix_counts_and_filters(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    SHOTS.mkdir(exist_ok=True)
    for title, p, i in [
        ("Vendor delivers late", 5, 4),
        ("Vendor goes bankrupt", 5, 4),
        ("Key architect leaves", 3, 4),
        ("Hosting price rises", 2, 2),
        ("SSO API changes", 1, 5),
    ]:
        risk_create(viewer=firm.manager, project=firm.project, title=title, probability=p, impact=i)
    page.goto("/signin/", timeout=60_000)  # the live server's first answer can be slow on a loaded machine
    sign_in("tom")
    page.goto(f"/projects/{firm.project.pk}/raid/")
    matrix = page.get_by_test_id("heat-matrix")
    expect(matrix.get_by_test_id("cell-5-4")).to_have_text("2")
    expect(matrix.get_by_test_id("cell-3-4")).to_have_text("1")
    expect(matrix.get_by_test_id("cell-2-2")).to_have_text("1")
    expect(matrix.get_by_test_id("cell-1-1")).to_have_text("")
    expect(matrix.get_by_test_id("cell-5-4")).to_have_class(re.compile(r"raid-red"))
    expect(page.get_by_test_id("risk-register").locator("tbody tr")).to_have_count(5)
    page.screenshot(path=str(SHOTS / "raid-matrix.png"), full_page=True)
    matrix.get_by_test_id("cell-5-4").click()
    expect(page.get_by_test_id("cell-filter")).to_contain_text("Probability 5 × impact 4")
    rows = page.get_by_test_id("risk-register").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Vendor")
    expect(page.get_by_test_id("risk-register")).not_to_contain_text("Key architect leaves")
    page.screenshot(path=str(SHOTS / "raid-matrix-filtered.png"), full_page=True)
    page.get_by_test_id("clear-filter").click()
    expect(page.get_by_test_id("risk-register").locator("tbody tr")).to_have_count(5)
    # The portfolio's matrix under Projects.
    page.get_by_test_id("nav-projects-menu").click()
    page.get_by_test_id("nav-risk-matrix").click()
    expect(page.get_by_test_id("heat-matrix").get_by_test_id("cell-5-4")).to_have_text("2")
    page.get_by_test_id("heat-matrix").get_by_test_id("cell-1-5").click()
    expect(page.get_by_test_id("portfolio-risks")).to_contain_text("SSO API changes")
    expect(page.get_by_test_id("portfolio-risks").locator("tbody tr")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "raid-portfolio.png"), full_page=True)
