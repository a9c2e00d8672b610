"""Webhooks & chat in the browser: an administrator allows the on-premises host, is refused a link-local address
(a form error), adds a Slack endpoint pointing at a local receiver, sends a test and reads "Delivered 200" in the
delivery log; the receiver got Block Kit JSON."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from slack_sdk.models.blocks import Block

from margin.notifications.models import Endpoint
from margin.notifications.tests.receivers import receiving
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/margin-shots")


def test_admin_adds_a_slack_endpoint_and_sends_a_test(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_default_navigation_timeout(60_000)  # a busy machine (the suite runs beside other work)
    page.set_default_timeout(30_000)
    sign_in("acme-admin")
    page.get_by_test_id("nav-settings-menu").click()
    page.get_by_test_id("nav-webhooks").click()
    expect(page.get_by_test_id("settings-tab-webhooks")).to_have_attribute("aria-current", "page")

    # The address guard: a link-local address is refused on the form, nothing stored.
    form = page.get_by_test_id("webhook-add")
    form.get_by_label("Format").select_option("slack")
    form.get_by_label("Name").fill("Cloud metadata")
    form.get_by_label("URL").fill("http://169.254.169.254/latest/meta-data/")
    page.get_by_test_id("webhook-add-submit").click()
    expect(page.get_by_test_id("webhook-add")).to_contain_text("a link-local address")
    page.screenshot(path=str(SHOTS / "webhooks-refused.png"), full_page=True)
    assert not Endpoint.objects.exists()

    with receiving() as receiver:
        hosts = page.get_by_test_id("allowed-host-add")
        hosts.get_by_role("textbox").fill("127.0.0.1")
        hosts.get_by_role("button", name="Allow host").click()
        expect(page.get_by_test_id("allowed-host")).to_contain_text("127.0.0.1")

        form = page.get_by_test_id("webhook-add")
        form.get_by_label("Format").select_option("slack")
        form.get_by_label("Name").fill("#delivery-leads")
        form.get_by_label("URL").fill(receiver.url("/services/T1/B1/secret"))
        form.get_by_label("A risk is logged", exact=True).check()
        page.get_by_test_id("webhook-add-submit").click()
        expect(page.get_by_test_id("webhook-secret")).to_be_visible()
        page.get_by_test_id("webhook-send-test").click()
        expect(page.locator(".alert-success")).to_contain_text("Test delivered: the receiver answered 200.")
        expect(page.get_by_test_id("delivery-status").first).to_have_text("Delivered 200")
        expect(page.get_by_test_id("attempt")).to_have_count(1)
        page.screenshot(path=str(SHOTS / "webhooks-detail.png"), full_page=True)

    posted = receiver.requests[0].json()
    assert [Block.parse(b).to_dict() for b in posted["blocks"]] == posted["blocks"]  # type: ignore[union-attr]
    assert posted["blocks"][0]["text"]["text"] == "Margin test message"

    page.get_by_test_id("settings-tab-webhooks").click()
    expect(page.get_by_test_id("webhooks")).to_contain_text("#delivery-leads")
    expect(page.get_by_test_id("webhook-status")).to_have_text("On")
    page.screenshot(path=str(SHOTS / "webhooks-list.png"), full_page=True)

    # A person's own channel: My channels, a Teams Workflows URL on the allowed host.
    page.goto("/me/channels/")
    form = page.get_by_test_id("channel-add")
    form.get_by_label("Where").select_option("teams")
    form.get_by_label("Name").fill("My Teams chat")
    form.get_by_label("Webhook URL").fill("http://127.0.0.1:9/workflows/mine")
    form.get_by_role("button", name="Add channel").click()
    expect(page.get_by_test_id("channels")).to_contain_text("My Teams chat")
    expect(page.get_by_test_id("channels")).to_contain_text("Microsoft Teams (Workflows)")
    page.screenshot(path=str(SHOTS / "webhooks-my-channels.png"), full_page=True)
