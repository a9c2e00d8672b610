"""Signing in: throttling per account and per address, audit rows, TOTP two-factor with recovery codes."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone

from margin.accounts import rules
from margin.accounts.models import Organisation, RecoveryCode, SignInFailure, TwoFactorDevice
from margin.accounts.queries import second_factor_due
from margin.accounts.signin import sign_in_password, sign_in_second_factor
from margin.accounts.twofactor import (
    organisation_two_factor_set,
    recovery_codes_renew,
    second_factor_verify,
    two_factor_begin,
    two_factor_confirm,
    two_factor_disable,
    two_factor_reset,
)
from margin.core.errors import Conflict, Forbidden, Invalid, Throttled
from margin.core.models import AuditEntry
from tests.checks import audit_row, audit_rows, refused
from tests.firm import PASSWORD, Firm

HOME = "10.0.0.1"


def code_at(secret: str, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def enrol(user) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    device = two_factor_begin(user=user)
    codes = two_factor_confirm(user=user, code=code_at(device.secret, -1))
    return device.secret, codes


# --- throttling -------------------------------------------------------------------------------------------


def test_a_right_password_signs_in_with_an_audit_row(firm: Firm) -> None:
    result = sign_in_password(username="tom", password=PASSWORD, address=HOME)
    assert result.user == firm.member_user and not result.needs_second_factor
    row = audit_row("user.sign_in", firm.member_user)
    assert row.after == {"address": HOME, "method": "password"} and row.organisation_id == firm.member.organisation_id


def test_a_wrong_password_is_refused_and_recorded(firm: Firm) -> None:
    with pytest.raises(Invalid, match="correct username and password"):
        sign_in_password(username="tom", password="nope", address=HOME)
    assert audit_row("user.sign_in_failed", firm.member_user).after == {"address": HOME, "reason": "password"}
    assert SignInFailure.objects.filter(username="tom", address=HOME).count() == 1


def test_an_unknown_name_writes_no_audit_row_but_counts(firm: Firm, caplog: pytest.LogCaptureFixture) -> None:
    audits = AuditEntry.objects.count()
    with pytest.raises(Invalid):
        sign_in_password(username="nobody", password="x", address=HOME)
    assert AuditEntry.objects.count() == audits
    assert SignInFailure.objects.filter(username="nobody").count() == 1
    assert "failed sign-in of unknown name 'nobody'" in caplog.text


def test_five_failures_lock_the_account_even_for_the_right_password(firm: Firm, settings) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        with pytest.raises(Invalid):
            sign_in_password(username="Tom" if i % 2 else "tom", password="wrong", address=f"10.0.1.{i}")
    with pytest.raises(Throttled, match=r"for this account\. Try again in 15 minutes") as info:
        sign_in_password(username="tom", password=PASSWORD, address="10.9.9.9")
    assert info.value.status == 429 and info.value.code == "throttled_account"
    assert not audit_rows("user.sign_in", firm.member_user)
    # Another account from the same addresses is not locked.
    assert sign_in_password(username="lea", password=PASSWORD, address="10.0.1.1").user == firm.member2_user
    # When the oldest failure leaves the window, one more try is allowed.
    oldest = SignInFailure.objects.filter(username="tom").order_by("at").first()
    assert oldest is not None
    SignInFailure.objects.filter(pk=oldest.pk).update(at=timezone.now() - timedelta(minutes=16))
    assert sign_in_password(username="tom", password=PASSWORD, address=HOME).user == firm.member_user
    assert not SignInFailure.objects.filter(username="tom").exists()  # a success clears the account's failures


def test_twenty_failures_lock_the_address_for_every_account(firm: Firm) -> None:
    for i in range(20):
        with pytest.raises(Invalid):
            sign_in_password(username=f"guess{i}", password="wrong", address=HOME)
    with pytest.raises(Throttled, match="from your network address") as info:
        sign_in_password(username="tom", password=PASSWORD, address=HOME)
    assert info.value.code == "throttled_address"
    assert sign_in_password(username="tom", password=PASSWORD, address="10.0.0.2").user == firm.member_user


def test_old_failures_are_pruned(firm: Firm) -> None:
    SignInFailure.objects.create(username="tom", address=HOME, at=timezone.now() - timedelta(days=2))
    with pytest.raises(Invalid):
        sign_in_password(username="tom", password="wrong", address=HOME)
    assert SignInFailure.objects.count() == 1


def test_throttle_arithmetic() -> None:
    now = timezone.now()
    window = timedelta(minutes=15)
    four = [now - timedelta(minutes=m) for m in (1, 2, 3, 4)]
    assert rules.throttle_wait(four, limit=5, window=window, now=now) is None
    five = [*four, now - timedelta(minutes=10)]
    assert rules.throttle_wait(five, limit=5, window=window, now=now) == timedelta(minutes=5)
    assert rules.minutes_text(timedelta(seconds=61)) == "2 minutes"
    assert rules.minutes_text(timedelta(seconds=3)) == "1 minute"


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "expected"),
    [
        ("10.0.0.9", "1.2.3.4", 0, "10.0.0.9"),  # no proxy: the header is whatever a client wrote
        ("10.0.0.9", "6.6.6.6, 1.2.3.4", 1, "1.2.3.4"),  # one proxy: its entry, not the forged one
        ("10.0.0.9", "garbage", 1, "10.0.0.9"),
        ("10.0.0.9", "", 1, "10.0.0.9"),
    ],
)
def test_client_address_behind_proxies(remote: str, forwarded: str, proxies: int, expected: str) -> None:
    assert rules.client_address(remote, forwarded, proxies) == expected


# --- two-factor -------------------------------------------------------------------------------------------


def test_enrolment_confirmation_and_recovery_codes(firm: Firm) -> None:
    user = firm.member_user
    device = two_factor_begin(user=user)
    assert device.confirmed_at is None
    assert not sign_in_password(username="tom", password=PASSWORD, address=HOME).needs_second_factor
    with refused(Invalid, device, match="not right"):
        two_factor_confirm(user=user, code="000000" if code_at(device.secret) != "000000" else "111111")
    codes = two_factor_confirm(user=user, code=code_at(device.secret))
    assert len(codes) == 10 and len(set(codes)) == 10 and all(len(c) == 19 for c in codes)
    assert all(rc.code_hash not in codes for rc in RecoveryCode.objects.filter(user=user))
    assert audit_row("two_factor.enable", user).after == {"recovery_codes": 10}
    with refused(Conflict, match="on already"):
        two_factor_begin(user=user)


def test_sign_in_asks_for_the_code_and_refuses_a_reused_one(firm: Firm) -> None:
    secret, _ = enrol(firm.member_user)
    result = sign_in_password(username="tom", password=PASSWORD, address=HOME)
    assert result.needs_second_factor and not audit_rows("user.sign_in", firm.member_user)
    code = code_at(secret)
    sign_in_second_factor(user=firm.member_user, code=code, address=HOME, first="password")
    assert audit_row("user.sign_in", firm.member_user).after == {"address": HOME, "method": "password+totp"}
    with pytest.raises(Invalid, match="used already") as info:
        sign_in_second_factor(user=firm.member_user, code=code, address=HOME, first="password")
    assert info.value.code == "code_reused"
    assert audit_rows("user.sign_in_failed", firm.member_user)[-1].after == {"address": HOME, "reason": "code_reused"}
    # A code of a step before the last one used is refused too.
    with pytest.raises(Invalid):
        second_factor_verify(user=firm.member_user, code=code_at(secret, -1))


def test_wrong_codes_count_towards_the_account_lock(firm: Firm) -> None:
    secret, _ = enrol(firm.member_user)
    wrong = "123456" if code_at(secret) != "123456" else "654321"
    for _ in range(5):
        with pytest.raises(Invalid):
            sign_in_second_factor(user=firm.member_user, code=wrong, address=HOME, first="password")
    with pytest.raises(Throttled):
        sign_in_second_factor(user=firm.member_user, code=code_at(secret), address=HOME, first="password")


def test_a_recovery_code_works_once(firm: Firm) -> None:
    _, codes = enrol(firm.member_user)
    assert second_factor_verify(user=firm.member_user, code=codes[0].lower().replace("-", " ")) == "recovery_code"
    assert audit_row("two_factor.recovery_code_use", firm.member_user).after == {"recovery_codes_left": 9}
    with refused(Invalid, match="not right"):
        second_factor_verify(user=firm.member_user, code=codes[0])


def test_recovery_codes_renewed_and_two_factor_turned_off(firm: Firm) -> None:
    secret, old = enrol(firm.member_user)
    new = recovery_codes_renew(user=firm.member_user, code=code_at(secret))
    assert set(new).isdisjoint(old)
    with refused(Invalid):
        second_factor_verify(user=firm.member_user, code=old[1])
    two_factor_disable(user=firm.member_user, code=new[0])
    assert not TwoFactorDevice.objects.filter(user=firm.member_user).exists()
    assert not RecoveryCode.objects.filter(user=firm.member_user).exists()
    assert audit_row("two_factor.disable", firm.member_user)


def test_an_organisation_can_require_two_factor(firm: Firm) -> None:
    with refused(Invalid, match="your own account first"):
        organisation_two_factor_set(viewer=firm.admin, required=True)
    with refused(Forbidden):
        organisation_two_factor_set(viewer=firm.manager, required=True)
    enrol(firm.admin_user)
    organisation_two_factor_set(viewer=firm.admin, required=True)
    assert Organisation.objects.get(pk=firm.admin.organisation_id).require_two_factor
    assert audit_row("organisation.two_factor").after == {"require_two_factor": True}
    assert second_factor_due(firm.member_user.pk) and not second_factor_due(firm.admin_user.pk)
    assert not second_factor_due(firm.other_admin.user_id)  # another organisation
    _secret, codes = enrol(firm.member_user)
    assert not second_factor_due(firm.member_user.pk)
    with refused(Forbidden, match="requires two-factor"):
        two_factor_disable(user=firm.member_user, code=codes[0])


def test_an_administrator_resets_someones_second_factor(firm: Firm) -> None:
    enrol(firm.member_user)
    with refused(Forbidden):
        two_factor_reset(viewer=firm.manager, user_id=firm.member_user.pk)
    two_factor_reset(viewer=firm.admin, user_id=firm.member_user.pk)
    assert not TwoFactorDevice.objects.filter(user=firm.member_user).exists()
    assert audit_row("two_factor.reset", firm.member_user).actor_id == firm.admin.user_id
    with refused(Conflict, match="no two-factor"):
        two_factor_reset(viewer=firm.admin, user_id=firm.member_user.pk)
