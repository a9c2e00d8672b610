"""Publishing an event: write it once, then fan it out to the people and places that should hear of it.

Callers (the domain apps' actions) decide *who may* hear: they pass the ids of users allowed to see the
object (followers who can see the project, the person mentioned, an owner). `publish` decides *how* each
hears, by their preferences, and writes everything in a few set-based statements inside the caller's
transaction, so a refused action notifies nobody:

- the recipients' preferences for the kind: one query (no row: the kind's defaults);
- in the app, with the e-mail address of those who want it at once: one insert over the ids
  (`core.notifications.broadcast`, which mails after commit); e-mail at once with the app off: mailed after
  commit without a notification;
- daily digest: one insert over the ids of `DigestItem`s (`margin.notifications.digest` sends them);
- Slack and Teams: the people's own channels, with the organisation's and the project's, through the outbox.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from margin.core.errors import Invalid
from margin.core.inserts import adapted_now, insert_for_each
from margin.core.notifications import Message, broadcast, send_emails
from margin.core.text import clean_text
from margin.notifications.models import DigestItem, EmailMode, Event
from margin.notifications.outbox import enqueue_deliveries
from margin.notifications.queries import preferences_for
from margin.notifications.rules import event_kind

MAX_EVENT_TEXT = 2000


@dataclass
class Audience:
    """Who hears of one event on which channel (user ids), read from their preferences."""

    app: list[int] = field(default_factory=list)
    email_now: list[int] = field(default_factory=list)
    digest: list[int] = field(default_factory=list)
    slack: set[int] = field(default_factory=set)
    teams: set[int] = field(default_factory=set)


def audience(*, organisation_id: int, kind: str, people: Iterable[int]) -> Audience:
    """Sort the recipients by channel with one query for their preferences."""
    found = Audience()
    for user_id, choice in sorted(preferences_for(organisation_id, kind, people).items()):
        if choice.app:
            found.app.append(user_id)
        if choice.email == EmailMode.IMMEDIATE:
            found.email_now.append(user_id)
        elif choice.email == EmailMode.DIGEST:
            found.digest.append(user_id)
        if choice.slack:
            found.slack.add(user_id)
        if choice.teams:
            found.teams.add(user_id)
    return found


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
    """Write the event and fan it out to `recipients` (user ids; the actor is never told of their own act)."""
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
    people = {u for u in recipients if u != actor_id}
    fan_out(event, audience(organisation_id=organisation_id, kind=kind, people=people))
    return event


def fan_out(event: Event, heard: Audience) -> None:
    """Write what each channel needs for `event`: notifications, e-mails, digest items, channel deliveries."""
    organisation_id = event.organisation_id
    emails: dict[int, str] = {}
    if heard.email_now:
        emails = dict(
            get_user_model().objects.filter(pk__in=heard.email_now).exclude(email="").values_list("pk", "email")
        )
    subject = event.text.splitlines()[0][:120]
    if heard.app:
        broadcast(
            organisation_id=organisation_id,
            user_ids=heard.app,
            kind=event.kind,
            text=event.text,
            url=event.url,
            emails={u: emails[u] for u in heard.app if u in emails},
            subject=subject,
        )
    in_app = set(heard.app)
    mail_only = [
        (None, Message(user_id=u, kind=event.kind, text=event.text, url=event.url, email=emails[u], subject=subject))
        for u in heard.email_now
        if u not in in_app and u in emails
    ]
    if mail_only:
        transaction.on_commit(lambda: send_emails(mail_only))
    if heard.digest:
        fixed = {"organisation_id": organisation_id, "event_id": event.pk, "created_at": adapted_now(timezone.now())}
        insert_for_each(DigestItem, fixed, "user_id", heard.digest)
    # The organisation's and the project's endpoints always; people's own channels as their preferences say.
    enqueue_deliveries(event=event, slack_users=heard.slack, teams_users=heard.teams)
