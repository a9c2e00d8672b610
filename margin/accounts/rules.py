"""Pure rules of sign-in: throttling arithmetic, the client's address behind proxies, recovery codes."""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Sequence
from datetime import datetime, timedelta

# Recovery codes: 16 characters of Crockford's base32 (80 bits), shown as four groups of four.
RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECOVERY_LENGTH = 16


def throttle_wait(failures: Sequence[datetime], *, limit: int, window: timedelta, now: datetime) -> timedelta | None:
    """How long until another try is allowed, or None when it is allowed now.

    `failures` are the times of failures inside the window. At `limit` of them the next try waits until
    enough of the oldest leave the window to bring the count below the limit."""
    recent = sorted(at for at in failures if now - at < window)
    if limit <= 0 or len(recent) < limit:
        return None
    # The try is allowed again once the (len - limit + 1)-th oldest failure is older than the window.
    pivot = recent[len(recent) - limit]
    return max(pivot + window - now, timedelta(seconds=1))


def minutes_text(wait: timedelta) -> str:
    """`12 minutes`, `1 minute`: a wait rounded up to whole minutes for a message."""
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def client_address(remote_addr: str, forwarded_for: str, trusted_proxies: int) -> str:
    """The address a request came from. Behind `trusted_proxies` proxies that each append to
    X-Forwarded-For, it is the entry that many places from the right; a malformed entry falls back to
    the connection's own address (a client can write anything to the left of what proxies add)."""
    candidate = remote_addr
    if trusted_proxies > 0:
        hops = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        if len(hops) >= trusted_proxies:
            candidate = hops[-trusted_proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        try:
            return str(ipaddress.ip_address(remote_addr))
        except ValueError:
            return "0.0.0.0"  # noqa: S104 - an address to count under, never one to bind to


def recovery_code_normalised(text: str) -> str:
    """What a person typed, as stored: upper case, no dashes or spaces; Crockford's look-alikes mapped
    (O→0, I and L→1)."""
    cleaned = "".join(ch for ch in text.upper() if ch not in "- \t")
    return cleaned.translate(str.maketrans("OIL", "011"))


def recovery_code_display(code: str) -> str:
    """`ABCD-EFGH-JKMN-PQRS`."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def looks_like_recovery_code(text: str) -> bool:
    code = recovery_code_normalised(text)
    return len(code) == RECOVERY_LENGTH and all(ch in RECOVERY_ALPHABET for ch in code)


def looks_like_totp(text: str) -> bool:
    code = text.replace(" ", "")
    return len(code) == 6 and code.isdigit()
