"""The activity feed and notification settings in the browser: Tom opens his project's Activity tab and reads what
Maya did as sentences (a drag with the task that followed, a name with markup shown as text), unfollows and
follows again; then he switches a kind of news to the daily digest in his notification settings, saves, and
the reloaded screen shows it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from margin.notifications.queries import is_following, preferences_of
from margin.projects import actions
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = "/tmp/margin-shots"


def test_read_the_feed_follow_and_choose_the_digest(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=date(2026, 1, 5))
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=2 * 480)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.design, successor=firm.build)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, start=datetime(2026, 1, 8, 9, tzinfo=UTC))
    actions.task_create(viewer=firm.manager, project=firm.project, name="<b>Go-live</b> checklist")

    # The live server's first answer imports every view: on a loaded machine that alone can pass ten seconds.
    page.set_default_navigation_timeout(90_000)
    page.set_default_timeout(30_000)
    sign_in("tom")
    page.goto(f"/projects/{firm.project.pk}/")
    page.get_by_test_id("tab-activity").click()
    feed = page.get_by_test_id("activity-sentence")
    expect(feed.first).to_have_text("Maya added task <b>Go-live</b> checklist")
    expect(feed.nth(1)).to_have_text("Maya moved Design 3 days later; 1 task followed")
    expect(page.locator("[data-testid=activity-sentence] em", has_text="Design").first).to_be_visible()
    page.screenshot(path=f"{SHOTS}/activity-feed.png", full_page=True)

    page.get_by_test_id("unfollow").click()
    expect(page.get_by_test_id("follow")).to_be_visible()
    assert not is_following(firm.member, firm.project.pk)
    page.get_by_test_id("follow").click()
    expect(page.get_by_test_id("unfollow")).to_be_visible()
    assert is_following(firm.member, firm.project.pk)

    page.get_by_test_id("nav-projects-menu").click()
    page.get_by_test_id("nav-my-activity").click()
    expect(page.get_by_test_id("my-activity")).to_contain_text("Globex portal")
    page.screenshot(path=f"{SHOTS}/activity-mine.png", full_page=True)

    page.goto("/me/notification-settings/")
    expect(page.get_by_test_id("channel-note")).to_be_visible()
    page.get_by_test_id("email-comment.mentioned").select_option("digest")
    page.get_by_test_id("settings-save").click()
    expect(page.get_by_text("Notification settings saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("email-comment.mentioned")).to_have_value("digest")
    assert preferences_of(firm.member)["comment.mentioned"].email == "digest"
    page.screenshot(path=f"{SHOTS}/notification-settings.png", full_page=True)
