"""Signing outgoing webhooks, and checking a signature as a receiver would (pure).

Every webhook POST carries `Margin-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
plus `Margin-Event` (the event's id) and `Margin-Delivery` (the delivery's id; retries keep it, so a
receiver can drop duplicates). A receiver recomputes the HMAC over the raw body with its endpoint's secret,
compares in constant time and refuses a timestamp older than five minutes (replays). `verify` does exactly
that and is what docs/architecture.md §22 shows receivers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "Margin-Signature"
EVENT_HEADER = "Margin-Event"
DELIVERY_HEADER = "Margin-Delivery"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A fresh endpoint secret: 32 random bytes as 64 hex characters."""
    return secrets.token_hex(32)


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    return f"t={timestamp},v1={signature(secret, body, timestamp)}"


def signed_headers(
    *, secret: str, body: bytes, event_id: int, delivery_id: int, now: float | None = None
) -> dict[str, str]:
    """The headers of one signed webhook POST (the body must be sent byte for byte as signed)."""
    timestamp = int(time.time() if now is None else now)
    return {
        SIGNATURE_HEADER: signature_header(secret, body, timestamp),
        EVENT_HEADER: str(event_id),
        DELIVERY_HEADER: str(delivery_id),
    }


def verify(
    secret: str, header: str, body: bytes, *, tolerance: int = TOLERANCE_SECONDS, now: float | None = None
) -> bool:
    """True when `header` (a Margin-Signature value) signs `body` with `secret` and is at most `tolerance`
    seconds old (or early). Any malformed header is simply not valid."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = signature(secret, body, timestamp)
    return any(hmac.compare_digest(expected, c) for c in candidates)
