"""Publishing an event: write it once, then fan it out to the people and places that should hear of it.

Callers (the domain apps' actions) decide *who may* hear: they pass the ids of users allowed to see the
object (followers who can see the project, the person mentioned, an owner). `publish` decides *how* each
hears, by their preferences, and writes everything in a few set-based statements inside the caller's
transaction, so a refused action notifies nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from margin.core.errors import Invalid
from margin.core.notifications import Message, notify
from margin.core.text import clean_text
from margin.notifications.models import Event
from margin.notifications.rules import event_kind

MAX_EVENT_TEXT = 2000


@transaction.atomic
def publish(
    *,
    organisation_id: int,
    kind: str,
    text: str,
    recipients: Iterable[int] = (),
    actor_id: int | None = None,
    project_id: int | None = None,
    object_type: str = "",
    object_id: int | None = None,
    url: str = "",
    data: dict[str, Any] | None = None,
) -> Event:
    """Write the event and notify `recipients` (user ids; the actor is never told of their own act)."""
    if event_kind(kind) is None:
        raise Invalid(f"Unknown kind of event: {kind}.", field="kind")
    event = Event.objects.create(
        organisation_id=organisation_id,
        kind=kind,
        actor_id=actor_id,
        project_id=project_id,
        object_type=object_type,
        object_id=object_id,
        text=clean_text(text, field="text", max_length=MAX_EVENT_TEXT, required=True),
        url=url[:500],
        data=data or {},
    )
    people = sorted({u for u in recipients if u != actor_id})
    if people:
        notify(
            organisation_id=organisation_id,
            messages=[Message(user_id=u, kind=kind, text=event.text, url=event.url) for u in people],
        )
    return event
