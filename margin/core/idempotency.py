"""Idempotency keys: the stored answer of a POST that a client may resend (docs/adr/0011-idempotency-keys.md).

The caller (the API's middleware) opens one transaction around claim → the work → store, so the key, the
work and the answer commit together or not at all. A second request with the same key inserts the same
(user, key) row: on PostgreSQL it waits on the unique index until the first commits, then reads the
answer; SQLite runs writers one at a time anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from margin.core.errors import Invalid
from margin.core.models import IdempotencyKey

# How long a key answers with its stored response; after that the same key starts afresh.
TTL = timedelta(hours=24)


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    content_type: str
    body: bytes


def idempotency_claim(*, user_id: int, key: str, fingerprint: str) -> StoredAnswer | None:
    """Claim `key` for this request (None: do the work, then `idempotency_store`) or return the answer a
    first request with this key got. Must run inside the caller's transaction."""
    IdempotencyKey.objects.filter(user_id=user_id, created_at__lt=timezone.now() - TTL).delete()
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(user_id=user_id, key=key, fingerprint=fingerprint)
        return None
    except IntegrityError:
        pass
    first = IdempotencyKey.objects.get(user_id=user_id, key=key)
    if first.fingerprint != fingerprint:
        raise Invalid(
            "This Idempotency-Key was already used for a different request; use a new key for a new request.",
            code="idempotency_key_reused",
            field="Idempotency-Key",
        )
    return StoredAnswer(first.status_code, first.content_type, bytes(first.body))


def idempotency_store(*, user_id: int, key: str, answer: StoredAnswer) -> None:
    """Keep the answer of the request that claimed `key` (in the same transaction as its work)."""
    IdempotencyKey.objects.filter(user_id=user_id, key=key).update(
        status_code=answer.status_code, content_type=answer.content_type, body=answer.body
    )
