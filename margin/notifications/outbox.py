"""The outbox: when an event is published, one `Delivery` per endpoint that should receive it, written in a
few set-based statements inside the publishing transaction, and the delivery job woken once it commits.

Which endpoints: the organisation's active ones without an owner whose project is empty or the event's
project and whose `kinds` is empty or holds the event's kind (never for a personal kind such as a mention,
which speaks to one person); plus the personal Slack and Teams endpoints of
the people `publish` decided hear this event on Slack or Teams (their preferences). Each format's payload
is built once per event, not once per endpoint. A payload that cannot be built (a Teams card over 28 KB even
shortened) makes that format's deliveries fail at once with the reason, so nothing half-made is posted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from margin.core.notifications import absolute_url
from margin.notifications.models import Delivery, DeliveryStatus, Endpoint, EndpointFormat, Event
from margin.notifications.payloads import EventFacts, PayloadRefused, webhook_payload
from margin.notifications.rules import event_kind
from margin.notifications.slack import slack_message
from margin.notifications.teams import teams_message

# Sent once the transaction that queued deliveries commits; the jobs module (connected in apps.py) answers
# by enqueueing the delivery job. A signal, because the job sits above this module in the app's layers.
deliveries_queued = Signal()

BUILDERS: dict[str, Callable[[EventFacts], dict[str, Any]]] = {
    EndpointFormat.WEBHOOK: webhook_payload,
    EndpointFormat.SLACK: slack_message,
    EndpointFormat.TEAMS: teams_message,
}


def facts_of(event: Event) -> EventFacts:
    known = event_kind(event.kind)
    return EventFacts(
        id=event.pk,
        kind=event.kind,
        kind_label=known.label if known else event.kind,
        created_at=(event.created_at or timezone.now()).isoformat(),
        organisation_id=event.organisation_id,
        project_id=event.project_id,
        object_type=event.object_type,
        object_id=event.object_id,
        text=event.text,
        url=absolute_url(event.url),
        data=dict(event.data or {}),
    )


def build_payload(fmt: str, facts: EventFacts) -> tuple[dict[str, Any], str]:
    """(payload, "") or ({}, the reason it cannot be sent)."""
    try:
        return BUILDERS[fmt](facts), ""
    except PayloadRefused as refused:
        return {}, str(refused)[:500]


def endpoints_for(event: Event, *, slack_users: set[int], teams_users: set[int]) -> list[Endpoint]:
    """The active endpoints that receive `event` (two queries' worth of rows, filtered here: `kinds` is JSON,
    which SQLite cannot search inside)."""
    chosen: list[Endpoint] = []
    known = event_kind(event.kind)
    personal_only = known is not None and known.personal
    shared = Endpoint.objects.filter(organisation_id=event.organisation_id, active=True, owner__isnull=True)
    shared = shared.filter(project_id__isnull=True) | shared.filter(project_id=event.project_id)
    for endpoint in [] if personal_only else shared.only("id", "format", "kinds"):
        if not endpoint.kinds or event.kind in endpoint.kinds:
            chosen.append(endpoint)
    if slack_users or teams_users:
        personal = Endpoint.objects.filter(
            organisation_id=event.organisation_id,
            active=True,
            owner__isnull=False,
            format__in=[EndpointFormat.SLACK, EndpointFormat.TEAMS],
        ).only("id", "format", "owner_id")
        for endpoint in personal:
            wanted = slack_users if endpoint.format == EndpointFormat.SLACK else teams_users
            if endpoint.owner_id in wanted:
                chosen.append(endpoint)
    return chosen


def enqueue_deliveries(*, event: Event, slack_users: set[int], teams_users: set[int]) -> int:
    """Write the event's deliveries; returns how many. The delivery job is woken when the caller commits."""
    endpoints = endpoints_for(event, slack_users=slack_users, teams_users=teams_users)
    if not endpoints:
        return 0
    facts = facts_of(event)
    built = {fmt: build_payload(fmt, facts) for fmt in {e.format for e in endpoints}}
    now = timezone.now()
    rows = []
    for endpoint in endpoints:
        payload, refused = built[endpoint.format]
        rows.append(
            Delivery(
                organisation_id=event.organisation_id,
                endpoint_id=endpoint.pk,
                event_id=event.pk,
                payload=payload,
                status=DeliveryStatus.FAILED if refused else DeliveryStatus.PENDING,
                next_attempt_at=None if refused else now,
                last_error=refused,
            )
        )
    Delivery.objects.bulk_create(rows, batch_size=1000)
    if any(not refused for _, refused in built.values()):
        transaction.on_commit(lambda: deliveries_queued.send(sender=Delivery, organisation_id=event.organisation_id))
    return len(rows)
