"""Sign-in in a real browser: an administrator invites someone, who sets a password from the e-mailed link
and signs in; someone sets up two-factor authentication by its key and signs in again with a code."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
from django.core import mail
from playwright.sync_api import expect

from margin.accounts.models import Membership, TwoFactorDevice
from tests.firm import PASSWORD, Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/sign_in")
NEW_PASSWORD = "Tq7#vL9-mariposa-Ocelot"


def test_invite_set_a_password_and_sign_in(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    SHOTS.mkdir(parents=True, exist_ok=True)
    sign_in("acme-admin")
    page.get_by_test_id("nav-settings-menu").click()
    page.get_by_test_id("nav-users").click()
    invite = page.get_by_test_id("invite")
    invite.get_by_label("E-mail").fill("tom@example.test")  # has an account already
    invite.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_test_id("invite")).to_contain_text("exists already")
    page.screenshot(path=str(SHOTS / "invite-refused.png"), full_page=True)

    invite = page.get_by_test_id("invite")
    invite.get_by_label("E-mail").fill("ines@example.test")
    invite.get_by_label("First name").fill("Ines")
    invite.get_by_label("Access").select_option("finance")
    invite.get_by_label("Acme EU").check()
    invite.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("alert").first).to_contain_text("An invitation is on its way to ines@example.test")
    page.screenshot(path=str(SHOTS / "users.png"), full_page=True)
    membership = Membership.objects.get(user__username="ines@example.test")
    assert membership.role == "finance" and list(membership.companies.all()) == [firm.eur]

    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body)
    assert link is not None
    path = link.group(0).split("/", 3)[3]
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.goto("/" + path)
    expect(page.get_by_test_id("invited-username")).to_have_text("ines@example.test")
    page.get_by_label("New password", exact=True).fill("ada12345")
    page.get_by_label("New password again").fill("ada12345")
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("alert").first).to_contain_text("too easy to guess")
    page.screenshot(path=str(SHOTS / "weak-password.png"), full_page=True)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_test_id("auth-message")).to_contain_text("Your password is set")
    page.get_by_label("Username").fill("ines@example.test")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    expect(page.get_by_test_id("user-menu")).to_contain_text("Finance")


def test_set_up_two_factor_and_sign_in_with_a_code(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    SHOTS.mkdir(parents=True, exist_ok=True)
    sign_in("tom")
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("nav-two-factor").click()
    page.get_by_role("button", name="Set up two-factor authentication").click()
    qr = page.get_by_test_id("two-factor-qr")
    expect(qr).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=qr.element_handle())  # SVG loaded
    secret = page.get_by_test_id("two-factor-secret").inner_text().strip()
    page.screenshot(path=str(SHOTS / "two-factor-setup.png"), full_page=True)
    page.get_by_label("Code").fill("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("alert").first).to_contain_text("not right")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    page.screenshot(path=str(SHOTS / "recovery-codes.png"), full_page=True)
    assert TwoFactorDevice.objects.get(user=firm.member_user).confirmed_at is not None
    page.get_by_test_id("codes-saved").click()
    expect(page.get_by_test_id("two-factor-state")).to_have_text("On")

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").fill("tom")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/signin/code/")
    page.screenshot(path=str(SHOTS / "code-step.png"), full_page=True)
    # The code used to turn it on cannot be used again: wait for the next step's code if need be.
    device = TwoFactorDevice.objects.get(user=firm.member_user)
    totp = pyotp.TOTP(secret)
    while totp.timecode(datetime.now()) <= device.last_step:
        page.wait_for_timeout(1000)
    page.get_by_label("Code").fill(totp.now())
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/")
    expect(page.get_by_test_id("user-menu")).to_contain_text("Tom")

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("nav-security").click()
    page.get_by_label("What it is for").fill("CI export")
    page.get_by_label("Expires after (days)").fill("30")
    page.get_by_role("button", name="Create a token").click()
    expect(page.get_by_test_id("token-secret")).to_contain_text("mgn_")
    expect(page.get_by_test_id("two-factor-state")).to_have_text("On")
    page.screenshot(path=str(SHOTS / "security.png"), full_page=True)
