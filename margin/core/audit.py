"""Writing audit rows. Actions call `record()` inside their transaction; bulk actions call
`record_many()` so that one statement writes all rows of a set-based change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models

from margin.core.models import AuditEntry

Snapshot = dict[str, Any] | None


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """A JSON-safe picture of some fields of `obj` (dates and decimals as strings)."""
    picture: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.pk
        elif value is not None and not isinstance(value, bool | int | str | float):
            value = str(value)
        picture[name] = value
    return picture


def record(
    *,
    organisation_id: int,
    actor_id: int | None,
    action: str,
    obj: models.Model,
    before: Snapshot = None,
    after: Snapshot = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        organisation_id=organisation_id,
        actor_id=actor_id,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        before=before,
        after=after,
    )


@dataclass(frozen=True)
class Change:
    object_type: str
    object_id: int
    before: Snapshot
    after: Snapshot


def record_many(*, organisation_id: int, actor_id: int | None, action: str, changes: list[Change]) -> None:
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                organisation_id=organisation_id,
                actor_id=actor_id,
                action=action,
                object_type=c.object_type,
                object_id=c.object_id,
                before=c.before,
                after=c.after,
            )
            for c in changes
        ],
        batch_size=2000,
    )
