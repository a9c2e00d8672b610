"""Issue 13's "done when" in the browser: Maya logs a risk with a mitigation task on the RAID tab, writes the
client's change request, has it approved and applies it (budget and plan move), Tom discusses it with a mention,
Maya's bell tells her, and the organisation's Slack and Teams channels (receivers on 127.0.0.1) get the news as
valid Block Kit and Adaptive Card payloads, sent by the delivery job the commit woke."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import adaptive_cards
import pytest
from jsonschema.validators import Draft6Validator
from playwright.sync_api import expect
from slack_sdk.models.blocks import Block

from margin.notifications.endpoints import allowed_host_add, endpoint_create
from margin.notifications.tests.receivers import Receiver, receiving
from margin.projects.models import Project
from tests.browser.discussion import mention_from_list
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/margin-shots")
CARD_SCHEMA = Path(adaptive_cards.__file__).parent / "schemas" / "schema-1.5.json"


@pytest.fixture
def patient(page: Any) -> Iterator[Any]:
    """A long story on a possibly busy machine: more than the default 5 s per step."""
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(90_000)
    expect.set_options(timeout=20_000)
    yield page
    expect.set_options(timeout=5_000)


def _received(receiver: Receiver, wanted: int) -> list[dict[str, Any]]:
    """The JSON bodies the receiver got, once it has `wanted` of them (the live server sends after its commit)."""
    for _ in range(200):
        if len(receiver.requests) >= wanted:
            break
        time.sleep(0.1)
    return [r.json() for r in receiver.requests]


def test_risk_change_discussion_reach_slack_and_teams(
    patient: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm, page = browser_firm, patient
    SHOTS.mkdir(parents=True, exist_ok=True)
    with receiving() as slack, receiving(status=202) as teams:
        allowed_host_add(viewer=firm.admin, host="127.0.0.1")
        kinds = ["change_request.applied", "comment.created"]
        endpoint_create(viewer=firm.admin, format="slack", name="#globex", url=slack.url(), kinds=kinds)
        endpoint_create(viewer=firm.admin, format="teams", name="Globex team", url=teams.url(), kinds=kinds)

        # The project manager logs a risk with a mitigation task of the plan.
        page.goto("/signin/", timeout=90_000)
        sign_in("maya")
        page.goto(f"/projects/{firm.project.pk}/raid/")
        page.get_by_test_id("new-risk").click()
        form = page.get_by_test_id("risk-form")
        form.get_by_label("Title").fill("Key developer leaves")
        form.get_by_label("Probability (1–5)").select_option("3")
        form.get_by_label("Impact (1–5)").select_option("4")
        form.get_by_label("Mitigation", exact=True).fill("Pair on the build")
        form.get_by_label("Mitigation tasks (in the plan)").select_option(label="Build")
        page.get_by_test_id("save-risk").click()
        page.goto(f"/projects/{firm.project.pk}/raid/")
        register = page.get_by_test_id("risk-register")
        expect(register).to_contain_text("Key developer leaves")
        expect(page.get_by_test_id("heat-matrix").get_by_test_id("cell-3-4")).to_have_text("1")
        page.screenshot(path=str(SHOTS / "story13-risk.png"), full_page=True)

        # The client's change: written, submitted, approved with the client's approver, applied.
        page.get_by_test_id("raid-changes").click()
        page.get_by_test_id("new-change").click()
        form = page.get_by_test_id("change-form")
        form.get_by_label("Title").fill("Reporting module")
        form.get_by_label("Requested by").fill("Gina Globex (client)")
        form.get_by_label("Effort (hours)").fill("80")
        form.get_by_label("Price impact").fill("20000")
        form.locator("[name=task1_name]").fill("Reporting module")
        form.locator("[name=task1_hours]").fill("80")
        form.locator("[name=task1_days]").fill("10")
        form.locator("[name=task1_after]").select_option(label="Build")
        page.get_by_test_id("save-change").click()
        page.get_by_test_id("submit-change").click()
        expect(page.get_by_test_id("change-status")).to_have_text("Submitted")
        page.get_by_test_id("approve-form").get_by_label("Client approver's name").fill("Gina Globex")
        page.get_by_test_id("approve-change").click()
        expect(page.get_by_test_id("change-status")).to_have_text("Approved")
        page.get_by_test_id("apply-change").click()
        expect(page.get_by_test_id("change-status")).to_have_text("Applied")
        expect(page.get_by_test_id("applied-budget")).to_have_text("30,000.00 USD → 50,000.00 USD")
        expect(page.get_by_test_id("created-task")).to_have_text("Reporting module")
        change_url = page.url
        assert Project.objects.get(pk=firm.project.pk).budget_amount_minor == 5_000_000
        page.context.clear_cookies()

        # Tom discusses it and mentions Maya, picked from the "@" list.
        sign_in("tom")
        page.goto(change_url)
        panel = page.get_by_test_id("discussion")
        box = mention_from_list(panel, "Can we start on Monday, @ma", "maya")
        box.press_sequentially("?")
        panel.get_by_role("button", name="Comment").click()
        expect(page.get_by_test_id("comment").locator(".mention")).to_have_text("@Maya")
        page.get_by_test_id("discussion").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "story13-discussion.png"), full_page=True)
        page.context.clear_cookies()

        # Maya's bell tells her.
        sign_in("maya")
        expect(page.get_by_test_id("bell-count")).not_to_have_text("")
        page.get_by_test_id("bell").click()
        expect(page.get_by_test_id("notification-menu")).to_contain_text("mentioned you on CR-1")

        # Slack and Teams got the applied change and the comment, as valid payloads.
        slack_bodies, teams_bodies = _received(slack, 2), _received(teams, 2)
    assert len(slack_bodies) == len(teams_bodies) == 2
    for body in slack_bodies:
        assert body["text"]
        for block in body["blocks"]:
            assert Block.parse(block).to_dict() == block  # type: ignore[union-attr]
    schema = json.loads(CARD_SCHEMA.read_text())
    for body in teams_bodies:
        (attachment,) = body["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert not [e.message for e in Draft6Validator(schema).iter_errors(attachment["content"])]
    assert any("Reporting module" in b["text"] for b in slack_bodies)
    assert any("Can we start on Monday" in json.dumps(b) for b in teams_bodies)
