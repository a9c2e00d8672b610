"""The demo firm's outgoing hooks: one organisation Slack endpoint and one Teams endpoint with a short delivery
log, so Settings → Webhooks & chat shows something real. Both point at example addresses and are switched off,
so `make run` never posts to the internet (the delivery worker only sends to endpoints that are on); switching
one on after pasting a real URL is what a firm would do.

They are written directly rather than through `endpoint_create`, whose address guard resolves the host name:
the demo must build offline. The log's payloads are built by the outbox from the demo's own latest events."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from margin.accounts.queries import Viewer
from margin.notifications.models import Attempt, Delivery, DeliveryStatus, Endpoint, EndpointFormat, Event
from margin.notifications.outbox import build_payload, facts_of
from margin.notifications.signing import new_secret

OFF = "Demo: points at an example address. Paste your own webhook URL, then switch it on."


def demo_webhooks(admin: Viewer) -> None:
    slack = Endpoint.objects.create(
        organisation_id=admin.organisation_id,
        format=EndpointFormat.SLACK,
        name="#delivery-leads (Slack)",
        url="https://hooks.slack.com/services/T00DEMO/B00DEMO/demo-not-a-real-token",
        secret=new_secret(),
        kinds=["risk.raised", "issue.raised", "change_request.submitted", "change_request.decided"],
        active=False,
        disabled_reason=OFF,
        created_by_id=admin.user_id,
    )
    teams = Endpoint.objects.create(
        organisation_id=admin.organisation_id,
        format=EndpointFormat.TEAMS,
        name="PMO channel (Teams)",
        url="https://demo.westeurope.logic.azure.com/workflows/demo/triggers/manual/paths/invoke",
        secret=new_secret(),
        kinds=[],
        active=False,
        disabled_reason=OFF,
        created_by_id=admin.user_id,
    )
    events = list(Event.objects.filter(organisation_id=admin.organisation_id).order_by("-created_at", "-id")[:3])
    now = timezone.now()
    # (endpoint, answers of each attempt: a status code or None for no answer) — newest event first
    plan: list[tuple[Endpoint, list[int | None]]] = [(slack, [200]), (teams, [202]), (slack, [503, None])]
    for event, (endpoint, answers) in zip(events, plan, strict=False):
        payload, _ = build_payload(endpoint.format, facts_of(event))
        last = answers[-1]
        ok = last is not None and 200 <= last < 300
        delivery = Delivery.objects.create(
            organisation_id=admin.organisation_id,
            endpoint=endpoint,
            event=event,
            payload=payload,
            status=DeliveryStatus.DELIVERED if ok else DeliveryStatus.RETRYING,
            attempts=len(answers),
            last_status_code=last,
            last_error="" if ok else "No answer within 5 s.",
            next_attempt_at=None if ok else now + timedelta(minutes=5),
            delivered_at=now if ok else None,
        )
        Attempt.objects.bulk_create(
            [
                Attempt(
                    delivery=delivery,
                    status_code=code,
                    error="" if code is None or 200 <= code < 300 else f"Answered {code}.",
                    response_excerpt="ok" if code == 200 else "",
                    duration_ms=180 + 40 * i,
                )
                if code is not None
                else Attempt(delivery=delivery, error="No answer within 5 s.", duration_ms=5000)
                for i, code in enumerate(answers)
            ]
        )
