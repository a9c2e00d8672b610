"""Settings in a real browser: an administrator changes a company's time policy (and sees a refusal as a
form error), a start date on a person's page, adds an approval delegate, sets a client's billing increment
on the client's page and a project's own increment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from margin.accounts.models import Company, Person
from margin.contracts.queries import billing_increment_of
from margin.timesheets.models import ApprovalDelegate
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/settings")


def test_change_a_policy_and_add_a_delegate(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    SHOTS.mkdir(parents=True, exist_ok=True)
    sign_in("acme-admin")
    page.get_by_test_id("nav-settings-menu").click()  # the Settings menu holds it
    page.get_by_test_id("nav-settings").click()
    policy = page.get_by_test_id(f"policy-{firm.usd.pk}")
    expect(policy).to_contain_text("Acme US")
    policy.get_by_label("Daily maximum (h:mm)").fill("25:00")
    policy.get_by_role("button", name="Save policy").click()
    expect(page.get_by_test_id("policy-error")).to_contain_text("between 0:01 and 24:00")
    page.screenshot(path=str(SHOTS / "time-refused.png"), full_page=True)
    assert Company.objects.get(pk=firm.usd.pk).max_day_minutes == 24 * 60

    policy = page.get_by_test_id(f"policy-{firm.usd.pk}")
    policy.get_by_label("Daily maximum (h:mm)").fill("10:00")
    policy.get_by_label("Days ahead").fill("14")
    policy.get_by_label("Submit by").select_option("month")
    policy.get_by_role("button", name="Save policy").click()
    expect(page.get_by_role("alert").first).to_contain_text("Acme US's time policy is saved")
    expect(page.get_by_test_id(f"policy-in-force-{firm.usd.pk}")).to_contain_text("10:00 h")
    company = Company.objects.get(pk=firm.usd.pk)
    assert (company.max_day_minutes, company.max_future_days, company.submit_period) == (600, 14, "month")
    page.screenshot(path=str(SHOTS / "time-saved.png"), full_page=True)

    page.get_by_test_id("settings-tab-people").click()
    page.get_by_test_id(f"person-{firm.member_person.pk}").get_by_role("link", name="Tom").click()
    details = page.get_by_test_id("person-form")
    details.get_by_label("Start date").fill("2026-02-02")
    details.get_by_role("button", name="Save person").click()
    expect(page.get_by_role("alert").first).to_contain_text("Tom is saved")
    assert str(Person.objects.get(pk=firm.member_person.pk).start_date) == "2026-02-02"
    page.goto(f"/settings/people/{firm.member2_person.pk}/")
    page.get_by_role("button", name="Let Lea log time for others").click()
    expect(page.get_by_test_id("person-access")).to_contain_text("may log time for others")
    page.screenshot(path=str(SHOTS / "people.png"), full_page=True)

    page.get_by_test_id("settings-tab-delegates").click()
    form = page.get_by_test_id("delegate-add")
    form.get_by_label("Delegate").select_option(label="Lea")
    form.get_by_label("Approvals of").select_option(label="GLX-1 Globex portal")
    form.get_by_label("From").fill("2026-12-01")
    form.get_by_label("To").fill("2026-11-01")
    form.get_by_role("button", name="Add delegate").click()
    expect(page.get_by_test_id("delegate-error")).to_contain_text("must end on or after")
    assert not ApprovalDelegate.objects.exists()
    page.screenshot(path=str(SHOTS / "delegates-refused.png"), full_page=True)
    page.get_by_test_id("delegate-add").get_by_label("To").fill("2026-12-24")
    page.get_by_test_id("delegate-add").get_by_role("button", name="Add delegate").click()
    expect(page.get_by_test_id("delegations")).to_contain_text("Lea")
    expect(page.get_by_test_id("delegations")).to_contain_text("01 Dec 2026 – 24 Dec 2026")
    row = ApprovalDelegate.objects.get()
    assert (row.delegate_id, row.project_id) == (firm.member2_person.pk, firm.project.pk)
    page.screenshot(path=str(SHOTS / "delegates.png"), full_page=True)

    page.get_by_test_id("settings-tab-clients").click()
    page.get_by_test_id(f"client-{firm.client.pk}").get_by_role("link", name="Globex").click()
    form = page.get_by_test_id("client-form")
    form.get_by_label("Billing increment (minutes)").fill("6")
    form.get_by_label("Rounding").select_option("nearest")
    form.get_by_role("button", name="Save client").click()
    expect(page.get_by_role("alert").first).to_contain_text("Globex is saved")
    page.screenshot(path=str(SHOTS / "clients.png"), full_page=True)

    page.goto(f"/projects/{firm.project.pk}/")
    card = page.get_by_test_id("billing-increment")
    expect(card).to_contain_text("6 min")
    expect(card).to_contain_text("From the client Globex")
    card.get_by_label("Increment (minutes)").fill("15")
    card.get_by_label("Rounding").select_option("nearest")
    card.get_by_role("button", name="Save increment").click()
    expect(page.get_by_test_id("increment-in-force")).to_contain_text("15 min")
    expect(page.get_by_test_id("increment-source")).to_contain_text("Set for this project")
    assert billing_increment_of(firm.project)[0].minutes == 15
    page.get_by_test_id("billing-increment").screenshot(path=str(SHOTS / "project-increment.png"))
    page.screenshot(path=str(SHOTS / "project.png"), full_page=True)
