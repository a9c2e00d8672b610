"""Two-factor authentication: TOTP authenticators (RFC 6238) with one-time recovery codes.

A person sets it up in two steps (`two_factor_begin` makes an unconfirmed authenticator with a new
secret; `two_factor_confirm` checks a first code, turns it on and hands out ten recovery codes, shown
once, stored as SHA-256). `second_factor_verify` is the check at sign-in: a TOTP code of the current
30-second step or either neighbour (clock drift), never one of a step already used, so a code seen
over someone's shoulder cannot be replayed; or an unused recovery code, which is then spent.
An organisation may require it (`organisation_two_factor_set`); administrators may reset someone's
(a lost phone). Every change writes an audit row.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from margin.accounts.models import Membership, Organisation, RecoveryCode, TwoFactorDevice
from margin.accounts.queries import Viewer, membership_get, two_factor_confirmed
from margin.accounts.rules import (
    RECOVERY_ALPHABET,
    RECOVERY_LENGTH,
    looks_like_recovery_code,
    looks_like_totp,
    recovery_code_display,
    recovery_code_normalised,
)
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid

RECOVERY_CODES = 10
ISSUER = "Margin"


def _hash(code: str) -> str:
    return hashlib.sha256(recovery_code_normalised(code).encode()).hexdigest()


def _organisation_id(user_id: int) -> int | None:
    return Membership.objects.filter(user_id=user_id).order_by("id").values_list("organisation_id", flat=True).first()


def _audit(user: User, action: str, *, actor_id: int | None = None, after: dict[str, object] | None = None) -> None:
    organisation_id = _organisation_id(user.pk)
    if organisation_id is not None:
        audit.record(
            organisation_id=organisation_id,
            actor_id=user.pk if actor_id is None else actor_id,
            action=action,
            obj=user,
            after=after,
        )


def provisioning_uri(device: TwoFactorDevice, user: User) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    issuer = str(settings.MARGIN.get("TOTP_ISSUER", ISSUER))
    return pyotp.TOTP(device.secret).provisioning_uri(name=user.get_username(), issuer_name=issuer)


def _matching_step(secret: str, code: str, after_step: int) -> int | None:
    """The time step (current or a neighbour) whose code is `code`, if it is later than `after_step`."""
    totp = pyotp.TOTP(secret)
    now = timezone.now()
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if step > after_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH)) for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, code_hash=_hash(code)) for code in codes])
    return [recovery_code_display(code) for code in codes]


@transaction.atomic
def two_factor_begin(*, user: User) -> TwoFactorDevice:
    """A new, unconfirmed authenticator secret (replacing an unconfirmed one); nothing changes at sign-in yet."""
    device = TwoFactorDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        raise Conflict("Two-factor authentication is on already; turn it off first to change the authenticator.")
    if device is None:
        return TwoFactorDevice.objects.create(user=user, secret=pyotp.random_base32())
    device.secret = pyotp.random_base32()
    device.save(update_fields=["secret"])
    return device


@transaction.atomic
def two_factor_confirm(*, user: User, code: str) -> list[str]:
    """Turn two-factor on with the first code from the authenticator; returns the recovery codes (once)."""
    device = TwoFactorDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        raise Conflict("Start the set-up again: there is no authenticator waiting for its first code.")
    code = code.replace(" ", "")
    step = _matching_step(device.secret, code, 0) if looks_like_totp(code) else None
    if step is None:
        raise Invalid("That code is not right. Enter the 6 digits your app shows now.", field="code")
    device.confirmed_at = timezone.now()
    device.last_step = step
    device.save(update_fields=["confirmed_at", "last_step"])
    codes = _new_recovery_codes(user)
    _audit(user, "two_factor.enable", after={"recovery_codes": len(codes)})
    return codes


def _check_code(user: User, device: TwoFactorDevice, code: str) -> str:
    """Accept a current TOTP code (spending its step) or an unused recovery code (spending it)."""
    code = code.strip()
    if looks_like_totp(code):
        step = _matching_step(device.secret, code.replace(" ", ""), device.last_step)
        if step is not None:
            TwoFactorDevice.objects.filter(pk=device.pk).update(last_step=step)
            return "totp"
        if _matching_step(device.secret, code.replace(" ", ""), 0) is not None:
            raise Invalid("That code was used already; wait for the next one.", field="code", code="code_reused")
    elif looks_like_recovery_code(code):
        spent = RecoveryCode.objects.filter(user=user, code_hash=_hash(code), used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if spent:
            left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
            _audit(user, "two_factor.recovery_code_use", after={"recovery_codes_left": left})
            return "recovery_code"
    raise Invalid("That code is not right.", field="code")


@transaction.atomic
def second_factor_verify(*, user: User, code: str) -> str:
    """The second step of a sign-in: `totp` or `recovery_code` when `code` is good; `Invalid` otherwise
    (a code of a step used before says so: code `code_reused`)."""
    device = TwoFactorDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        raise Conflict("Two-factor authentication is not set up for this account.")
    return _check_code(user, device, code)


@transaction.atomic
def recovery_codes_renew(*, user: User, code: str) -> list[str]:
    """Ten new recovery codes (the old ones stop working), against a current code."""
    device = TwoFactorDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        raise Conflict("Two-factor authentication is not on.")
    _check_code(user, device, code)
    codes = _new_recovery_codes(user)
    _audit(user, "two_factor.recovery_codes_renew", after={"recovery_codes": len(codes)})
    return codes


@transaction.atomic
def two_factor_disable(*, user: User, code: str) -> None:
    """Turn two-factor off, against a current code or a recovery code; not while the organisation requires it."""
    device = TwoFactorDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        raise Conflict("Two-factor authentication is not on.")
    if Membership.objects.filter(user=user, organisation__require_two_factor=True).exists():
        raise Forbidden("Your organisation requires two-factor authentication; it cannot be turned off.")
    _check_code(user, device, code)
    device.delete()
    RecoveryCode.objects.filter(user=user).delete()
    _audit(user, "two_factor.disable")


@transaction.atomic
def two_factor_reset(*, viewer: Viewer, user_id: int) -> None:
    """An administrator turns someone's two-factor off (a lost phone and lost codes); they set it up again
    at their next sign-in if the organisation requires it."""
    if not viewer.is_admin:
        raise Forbidden("Only an administrator may do this.")
    membership = membership_get(viewer, user_id)
    deleted, _ = TwoFactorDevice.objects.filter(user_id=membership.user_id).delete()
    if not deleted:
        raise Conflict("This user has no two-factor authentication to reset.")
    RecoveryCode.objects.filter(user_id=membership.user_id).delete()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="two_factor.reset",
        obj=membership.user,
    )


@transaction.atomic
def organisation_two_factor_set(*, viewer: Viewer, required: bool) -> Organisation:
    """Require (or stop requiring) two-factor authentication of every member. Administrators, who must have
    it themselves before requiring it."""
    if not viewer.is_admin:
        raise Forbidden("Only an administrator may do this.")
    organisation = Organisation.objects.select_for_update().get(pk=viewer.organisation_id)
    if required and not two_factor_confirmed(viewer.user_id):
        raise Invalid("Set up two-factor authentication for your own account first.", field="required")
    if organisation.require_two_factor == required:
        return organisation
    organisation.require_two_factor = required
    organisation.save(update_fields=["require_two_factor"])
    audit.record(
        organisation_id=organisation.pk,
        actor_id=viewer.user_id,
        action="organisation.two_factor",
        obj=organisation,
        before={"require_two_factor": not required},
        after={"require_two_factor": required},
    )
    return organisation
