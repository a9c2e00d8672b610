"""Signing in: the password step, the second-factor step, throttling, and an audit row for each.

Throttling counts failures (a wrong password, a wrong second-factor code) in `SignInFailure` rows, by the
name typed (lower-cased, whether or not an account has it, so the answer never tells which names exist)
and by the address. At `SIGN_IN_ACCOUNT_FAILURES` failures of a name, or `SIGN_IN_ADDRESS_FAILURES` from
an address, within `SIGN_IN_WINDOW_MINUTES`, nothing more is checked for it — not even a right
password — until the oldest failure leaves the window. The rows live in the database (shared by every
web process, on SQLite and PostgreSQL) and are pruned after a day (ADR 0013).

Audit rows belong to an organisation: a sign-in (`user.sign_in`) and a failure (`user.sign_in_failed`)
of an account are recorded in its organisation with the address and the method. A failure against a
name no account has belongs to no organisation: it is only a `SignInFailure` row (kept a day) and a
WARNING on the `margin.signin` logger, which is where an operator watches for spraying.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from margin.accounts.models import Membership, SignInFailure
from margin.accounts.queries import margin_number, two_factor_confirmed
from margin.accounts.rules import minutes_text, throttle_wait
from margin.accounts.twofactor import second_factor_verify
from margin.core import audit
from margin.core.errors import Invalid, Throttled

log = logging.getLogger("margin.signin")

WRONG_PASSWORD = "Please enter a correct username and password. Note that both fields may be case-sensitive."
KEEP_FAILURES = timedelta(days=1)
# Password-reset requests are counted as rows under this name, which no username can have (Django's allow
# letters, digits and @.+-_ only), and only against themselves.
RESET_MARK = "(password reset)"


@dataclass(frozen=True)
class SignIn:
    """A first factor that was right: sign the user in now, or ask for their second factor first."""

    user: User
    needs_second_factor: bool


def _limits() -> tuple[timedelta, int, int]:
    return (
        timedelta(minutes=margin_number("SIGN_IN_WINDOW_MINUTES")),
        margin_number("SIGN_IN_ACCOUNT_FAILURES"),
        margin_number("SIGN_IN_ADDRESS_FAILURES"),
    )


def throttle_check(*, username: str, address: str) -> None:
    """`Throttled` (429) with how long to wait, when the name or the address has failed too often."""
    window, per_account, per_address = _limits()
    now = timezone.now()
    since = now - window
    name = username.strip().lower()[:150]
    recent = SignInFailure.objects.filter(at__gt=since).order_by("-at")
    by_name = list(recent.filter(username=name).values_list("at", flat=True)[:per_account])
    wait = throttle_wait(by_name, limit=per_account, window=window, now=now)
    if wait is not None:
        raise Throttled(
            f"Too many failed sign-ins for this account. Try again in {minutes_text(wait)}, or reset your password.",
            code="throttled_account",
        )
    by_address = list(
        recent.filter(address=address).exclude(username=RESET_MARK).values_list("at", flat=True)[:per_address]
    )
    wait = throttle_wait(by_address, limit=per_address, window=window, now=now)
    if wait is not None:
        raise Throttled(
            f"Too many failed sign-ins from your network address. Try again in {minutes_text(wait)}.",
            code="throttled_address",
        )


def _organisation_id(user_id: int) -> int | None:
    return Membership.objects.filter(user_id=user_id).order_by("id").values_list("organisation_id", flat=True).first()


@transaction.atomic
def _record_failure(*, username: str, address: str, reason: str) -> None:
    now = timezone.now()
    SignInFailure.objects.filter(at__lt=now - KEEP_FAILURES).delete()
    SignInFailure.objects.create(username=username.strip().lower()[:150], address=address, at=now)
    user = User.objects.filter(username=username).first()
    organisation_id = _organisation_id(user.pk) if user is not None else None
    if user is None or organisation_id is None:
        log.warning("failed sign-in of unknown name %r from %s (%s)", username[:150], address, reason)
        return
    audit.record(
        organisation_id=organisation_id,
        actor_id=user.pk,
        action="user.sign_in_failed",
        obj=user,
        after={"address": address, "reason": reason},
    )


def _record_success(user: User, *, address: str, method: str) -> None:
    SignInFailure.objects.filter(username=user.get_username().lower()).delete()
    organisation_id = _organisation_id(user.pk)
    if organisation_id is not None:
        audit.record(
            organisation_id=organisation_id,
            actor_id=user.pk,
            action="user.sign_in",
            obj=user,
            after={"address": address, "method": method},
        )


def sign_in_password(*, username: str, password: str, address: str) -> SignIn:
    """The password step. Refused: `Throttled` before anything is checked, `Invalid` for a wrong name or
    password (or a deactivated account: the same message, so it tells nothing). Without a second factor
    the sign-in is recorded here; with one, `sign_in_second_factor` finishes it."""
    throttle_check(username=username, address=address)
    user = authenticate(None, username=username, password=password)
    if not isinstance(user, User):
        _record_failure(username=username, address=address, reason="password")
        raise Invalid(WRONG_PASSWORD, code="wrong_password")
    return sign_in_first_factor(user, address=address, method="password")


@transaction.atomic
def sign_in_first_factor(user: User, *, address: str, method: str) -> SignIn:
    """A first factor (a password, single sign-on) was right: record the sign-in unless a second factor is due."""
    if two_factor_confirmed(user.pk):
        return SignIn(user=user, needs_second_factor=True)
    _record_success(user, address=address, method=method)
    return SignIn(user=user, needs_second_factor=False)


def sign_in_second_factor(*, user: User, code: str, address: str, first: str) -> User:
    """The second step: a TOTP code or a recovery code. Throttled and recorded as the password step is."""
    throttle_check(username=user.get_username(), address=address)
    try:
        how = second_factor_verify(user=user, code=code)
    except Invalid as wrong:
        _record_failure(username=user.get_username(), address=address, reason=wrong.code)
        raise
    with transaction.atomic():
        _record_success(user, address=address, method=f"{first}+{how}")
    return user


def sso_refused(*, user: User | None, email: str, address: str, reason: str) -> None:
    """A single sign-on the provider vouched for but Margin refused (no such account, deactivated, …)."""
    _record_failure(username=user.get_username() if user is not None else email, address=address, reason=reason)


def password_reset_throttle(*, address: str) -> None:
    """At most SIGN_IN_ACCOUNT_FAILURES reset e-mails per address in the window (nobody floods an inbox
    from one place); `Throttled` saying how long to wait, else the request is counted."""
    window, per_address, _ = _limits()
    now = timezone.now()
    asked = list(
        SignInFailure.objects.filter(username=RESET_MARK, address=address, at__gt=now - window)
        .order_by("-at")
        .values_list("at", flat=True)[:per_address]
    )
    wait = throttle_wait(asked, limit=per_address, window=window, now=now)
    if wait is not None:
        raise Throttled(
            f"Too many password-reset requests from your network address. Try again in {minutes_text(wait)}.",
            code="throttled_address",
        )
    with transaction.atomic():
        SignInFailure.objects.filter(at__lt=now - KEEP_FAILURES).delete()
        SignInFailure.objects.create(username=RESET_MARK, address=address, at=now)
