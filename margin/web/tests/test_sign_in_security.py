"""The sign-in screens: throttling messages, the second-factor step, a required second factor, password
reset by e-mail, invitations, session expiry, and Settings → Users."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse

from margin.accounts import actions
from margin.accounts.models import ApiToken, Invitation, Organisation, TwoFactorDevice
from margin.accounts.twofactor import two_factor_begin, two_factor_confirm
from margin.core.models import AuditEntry
from tests.checks import audit_row, audit_rows
from tests.firm import PASSWORD, Firm

GOOD_PASSWORD = "Tq7#vL9-mariposa-Ocelot"
LOGIN = reverse("web:login")


@pytest.fixture(autouse=True)
def mail_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transaction, "on_commit", lambda call, using=None, robust=False: call())


def enrol(user: User) -> str:
    device = two_factor_begin(user=user)
    two_factor_confirm(user=user, code=pyotp.TOTP(device.secret).at(time.time() - 30))
    return device.secret


def test_the_sign_in_page_says_how_to_create_the_first_organisation(client: Client, db: None) -> None:
    page = client.get(LOGIN).content.decode()
    assert "manage.py create_organisation" in page and "No organisation exists yet" in page


def test_the_hint_is_gone_once_an_organisation_exists(client: Client, firm: Firm) -> None:
    assert "create_organisation" not in client.get(LOGIN).content.decode()


def test_repeated_failures_get_a_clear_429(client: Client, firm: Firm) -> None:
    for _ in range(5):
        assert client.post(LOGIN, {"username": "tom", "password": "wrong"}).status_code == 200
    response = client.post(LOGIN, {"username": "tom", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins for this account. Try again in 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_address_behind_a_trusted_proxy_is_throttled(client: Client, firm: Firm, settings: Any) -> None:
    settings.MARGIN = {**settings.MARGIN, "TRUSTED_PROXIES": 1}
    for i in range(20):
        client.post(LOGIN, {"username": f"x{i}", "password": "wrong"}, HTTP_X_FORWARDED_FOR="203.0.113.7")
    blocked = client.post(LOGIN, {"username": "tom", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert blocked.status_code == 429 and "network address" in blocked.content.decode()
    other = client.post(LOGIN, {"username": "tom", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == 302


def test_signing_in_with_a_second_factor(client: Client, firm: Firm) -> None:
    secret = enrol(firm.member_user)
    step = client.post(LOGIN, {"username": "tom", "password": PASSWORD, "next": "/week/"})
    assert step.status_code == 302 and step["Location"] == reverse("web:sign_in_code")
    assert "_auth_user_id" not in client.session  # nobody is signed in between the two steps
    assert client.get(reverse("web:home")).status_code == 302
    wrong = client.post(reverse("web:sign_in_code"), {"code": "12345x"})
    assert wrong.status_code == 422 and "not right" in wrong.content.decode()
    code = pyotp.TOTP(secret).now()
    done = client.post(reverse("web:sign_in_code"), {"code": code})
    assert done.status_code == 302 and done["Location"] == "/week/"
    assert int(client.session["_auth_user_id"]) == firm.member_user.pk
    assert audit_rows("user.sign_in", firm.member_user)[-1].after["method"] == "password+totp"

    again = Client()
    again.post(LOGIN, {"username": "tom", "password": PASSWORD})
    reused = again.post(reverse("web:sign_in_code"), {"code": code})
    assert reused.status_code == 422 and "used already" in reused.content.decode()


def test_the_code_step_needs_a_recent_password_step(client: Client, firm: Firm) -> None:
    enrol(firm.member_user)
    response = client.get(reverse("web:sign_in_code"), follow=True)
    assert response.redirect_chain[-1][0] == LOGIN and "sign in again" in response.content.decode()
    client.post(LOGIN, {"username": "tom", "password": PASSWORD})
    session = client.session
    session["margin_second_factor"] = {**session["margin_second_factor"], "at": time.time() - 301}
    session.save()
    assert client.get(reverse("web:sign_in_code"))["Location"] == LOGIN


def test_a_required_second_factor_sends_people_to_set_it_up(client: Client, firm: Firm) -> None:
    enrol(firm.admin_user)
    Organisation.objects.filter(pk=firm.admin.organisation_id).update(require_two_factor=True)
    client.force_login(firm.member_user)
    assert client.get(reverse("web:week"))["Location"] == reverse("web:two_factor")
    assert client.get(reverse("web:home"), HTTP_HX_REQUEST="true")["HX-Redirect"] == reverse("web:two_factor")
    page = client.get(reverse("web:two_factor"))
    assert page.status_code == 200 and "requires two-factor" in page.content.decode()
    assert client.get("/api/v1/projects").status_code == 403
    client.post(reverse("web:two_factor_start"))
    qr = client.get(reverse("web:two_factor_qr"))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content and b"<script" not in qr.content
    secret = TwoFactorDevice.objects.get(user=firm.member_user).secret
    assert secret in client.get(reverse("web:two_factor")).content.decode()
    confirmed = client.post(reverse("web:two_factor_code", args=["confirm"]), {"code": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 200 and 'data-testid="recovery-codes"' in confirmed.content.decode()
    assert client.get(reverse("web:week")).status_code == 200
    assert client.get("/api/v1/projects").status_code == 200


def test_turning_two_factor_off_needs_a_code(client: Client, firm: Firm) -> None:
    enrol(firm.member_user)
    client.force_login(firm.member_user)
    refused = client.post(reverse("web:two_factor_code", args=["disable"]), {"code": "000000"})
    assert refused.status_code == 422
    assert TwoFactorDevice.objects.get(user=firm.member_user).confirmed_at is not None


def test_password_reset_by_email(client: Client, firm: Firm) -> None:
    response = client.post(reverse("web:password_reset"), {"email": "TOM@example.test"})
    assert response["Location"] == reverse("web:password_reset_sent")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["tom@example.test"]
    body = mail.outbox[0].body
    assert body.count(settings.MARGIN["BASE_URL"]) == 1
    link = re.search(r"(/password-reset/[^/\s]+/[^/\s]+/)", body)
    assert link is not None
    assert audit_row("user.password_reset_request", firm.member_user)
    form = client.get(link.group(1), follow=True)
    confirm_url = form.redirect_chain[-1][0]
    weak = client.post(confirm_url, {"new_password1": "tom12345", "new_password2": "tom12345"})
    assert weak.status_code == 200 and "too easy to guess" in weak.content.decode()
    done = client.post(confirm_url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert done["Location"] == reverse("web:password_reset_done")
    assert audit_row("user.password_reset", firm.member_user)
    assert client.post(LOGIN, {"username": "tom", "password": GOOD_PASSWORD}).status_code == 302
    # The link works once.
    assert "cannot be used" in Client().get(link.group(1), follow=True).content.decode()


def test_no_reset_email_for_an_unknown_or_deactivated_address(client: Client, firm: Firm) -> None:
    actions.user_deactivate(viewer=firm.admin, user_id=firm.member_user.pk)
    for email in ("nobody@example.test", "tom@example.test"):
        assert client.post(reverse("web:password_reset"), {"email": email}).status_code == 302
    assert mail.outbox == []


def test_sessions_expire_after_the_configured_age(client: Client, firm: Firm) -> None:
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    client.post(LOGIN, {"username": "tom", "password": PASSWORD})
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 12 * 60 * 60
    session = client.session
    session.set_expiry(-1)  # as if twelve hours went by
    session.save()
    assert client.get(reverse("web:home")).status_code == 302


def test_an_invitation_link_sets_the_password(client: Client, firm: Firm) -> None:
    invitation = actions.user_invite(viewer=firm.admin, email="ines@example.test", access_role="member", company_ids=[])
    url = re.search(r"(/invitations/[^/\s]+/)", mail.outbox[-1].body)
    assert url is not None
    page = client.get(url.group(1))
    assert page.status_code == 200 and "ines@example.test" in page.content.decode()
    differ = client.post(url.group(1), {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD + "x"})
    assert differ.status_code == 422 and "differ" in differ.content.decode()
    weak = client.post(url.group(1), {"password1": "ada12345", "password2": "ada12345"})
    assert weak.status_code == 422 and "too easy to guess" in weak.content.decode()
    done = client.post(url.group(1), {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}, follow=True)
    assert "Your password is set" in done.content.decode()
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is not None
    used = client.get(url.group(1))
    assert used.status_code == 409 and "used already" in used.content.decode()


def test_settings_users_invites_and_refuses_an_existing_email(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.admin_user)
    page = client.get(reverse("web:settings_users"))
    assert page.status_code == 200 and "tom@example.test" in page.content.decode()
    assert f'data-testid="user-{firm.other_admin.user_id}"' not in page.content.decode()
    users = User.objects.count()
    audits = AuditEntry.objects.count()
    refused = client.post(reverse("web:settings_user_invite"), {"email": "tom@example.test", "role": "member"})
    assert refused.status_code == 409 and "exists already" in refused.content.decode()
    assert User.objects.count() == users and AuditEntry.objects.count() == audits and mail.outbox == []
    sent = client.post(
        reverse("web:settings_user_invite"),
        {"email": "ines@example.test", "role": "finance", "companies": [firm.eur.pk]},
        follow=True,
    )
    assert "An invitation is on its way to ines@example.test" in sent.content.decode()
    assert len(mail.outbox) == 1
    ines = User.objects.get(username="ines@example.test")
    deactivated = client.post(reverse("web:settings_user_state", args=[ines.pk, "deactivate"]), follow=True)
    assert "deactivated" in deactivated.content.decode() and not User.objects.get(pk=ines.pk).is_active
    again = client.post(reverse("web:settings_user_state", args=[ines.pk, "deactivate"]))
    assert again.status_code == 409 and "deactivated already" in again.content.decode()


def test_settings_users_is_for_administrators(sign_in: Callable[[User], Client], firm: Firm) -> None:
    assert sign_in(firm.manager_user).get(reverse("web:settings_users")).status_code == 403
    assert reverse("web:settings_users") not in sign_in(firm.manager_user).get(reverse("web:home")).content.decode()
    assert reverse("web:settings_users") in sign_in(firm.admin_user).get(reverse("web:home")).content.decode()
    assert reverse("web:security") in sign_in(firm.member_user).get(reverse("web:home")).content.decode()


def test_changing_the_password_needs_the_current_one(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.member_user)
    wrong = client.post(
        reverse("web:security"), {"current": "nope", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert wrong.status_code == 422 and "not your current password" in wrong.content.decode()
    weak = client.post(reverse("web:security"), {"current": PASSWORD, "password1": "tom12345", "password2": "tom12345"})
    assert weak.status_code == 422 and "too easy to guess" in weak.content.decode()
    done = client.post(
        reverse("web:security"), {"current": PASSWORD, "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert done.status_code == 302
    assert client.get(reverse("web:home")).status_code == 200  # this session stays signed in
    assert audit_row("user.password_change", firm.member_user)


def test_password_reset_requests_are_throttled_per_address(client: Client, firm: Firm) -> None:
    for _ in range(5):
        assert client.post(reverse("web:password_reset"), {"email": "tom@example.test"}).status_code == 302
    refused = client.post(reverse("web:password_reset"), {"email": "tom@example.test"})
    assert refused.status_code == 429 and "Too many password-reset requests" in refused.content.decode()
    assert len(mail.outbox) == 5
    # Sign-in from that address is not affected by reset requests.
    assert client.post(LOGIN, {"username": "tom", "password": PASSWORD}).status_code == 302


def test_api_tokens_on_the_security_page(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.member_user)
    too_long = client.post(reverse("web:token_create"), {"name": "ci", "days": 400})
    assert too_long.status_code == 422 and "between 1 and 365 days" in too_long.content.decode()
    assert not ApiToken.objects.exists()
    created = client.post(reverse("web:token_create"), {"name": "ci", "days": 30}).content.decode()
    token = ApiToken.objects.get(user=firm.member_user)
    assert 'data-testid="token-secret"' in created and token.prefix in created
    assert f"{token.expires_at:%-d %b %Y}" in created
    other = sign_in(firm.member2_user)
    assert other.post(reverse("web:token_revoke", args=[token.pk])).status_code == 404
    client = sign_in(firm.member_user)
    assert client.post(reverse("web:token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
