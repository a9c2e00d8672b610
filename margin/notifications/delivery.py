"""The delivery worker: send what is due, record each attempt, retry with backoff, switch off an endpoint
that keeps failing; and the "Send test" use case.

- Due: status pending or retrying, `next_attempt_at` ≤ now, endpoint active; oldest first, in batches.
- Claiming: a batch is selected with `select_for_update(skip_locked=True)` (PostgreSQL; SQLite has no row
  locks, run one worker there) and leased by moving its `next_attempt_at` LEASE seconds ahead before the
  HTTP calls, in its own short transaction: two workers never send the same delivery, and a worker that dies
  mid-batch leaves deliveries that become due again when the lease ends.
- Sending: the address guard runs again (the allow-list may have changed, the name may resolve elsewhere) and
  the POST goes to the vetted address (`addresses.post`), 5 s timeout, no redirects. Webhooks are signed
  (`signing`); Slack and Teams get the same `Margin-Event`/`Margin-Delivery` headers without a signature.
- Outcome: 2xx delivered (the endpoint's failure count back to 0); anything else (3xx included) a failed
  attempt, retried after 1 min, 5 min, 30 min, 2 h and 6 h, then given up after the 6th attempt. An endpoint
  with DISABLE_AFTER failed attempts in a row is switched off with the reason, and whoever created it is told.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task, task_backends

from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Invalid
from margin.core.notifications import Message, notify
from margin.notifications.addresses import check_url, post
from margin.notifications.deliveries import allowed_host_names, endpoint_get
from margin.notifications.models import Attempt, Delivery, DeliveryStatus, Endpoint, EndpointFormat, Event
from margin.notifications.outbox import build_payload, deliveries_queued, facts_of
from margin.notifications.signing import DELIVERY_HEADER, EVENT_HEADER, signed_headers

TIMEOUT_SECONDS = 5.0
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
DISABLE_AFTER = 10
LEASE = timedelta(minutes=2)
BATCH = 100
TEST_KIND = "webhook.test"
ENDPOINTS_URL = "/settings/webhooks/"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass
class SendRun:
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    disabled: list[int] = field(default_factory=list)


def body_of(delivery: Delivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def headers_for(delivery: Delivery, endpoint: Endpoint, body: bytes) -> dict[str, str]:
    if endpoint.format == EndpointFormat.WEBHOOK and endpoint.secret:
        return signed_headers(secret=endpoint.secret, body=body, event_id=delivery.event_id, delivery_id=delivery.pk)
    return {EVENT_HEADER: str(delivery.event_id), DELIVERY_HEADER: str(delivery.pk)}


def attempt(delivery: Delivery, endpoint: Endpoint, allowed_hosts: Collection[str]) -> Outcome:
    """One POST of the delivery (no database writes): the address guard, then the request."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    if not delivery.payload:
        return Outcome(None, delivery.last_error or "Nothing to send: the message could not be built.", "", 0)
    try:
        target = check_url(endpoint.url, allowed_hosts=allowed_hosts)
    except Invalid as refused:
        return Outcome(None, f"Refused by the address guard: {refused}"[:500], "", took())
    body = body_of(delivery)
    try:
        reply = post(target, body, headers_for(delivery, endpoint, body), timeout=TIMEOUT_SECONDS)
    except TimeoutError:
        return Outcome(None, f"No answer within {TIMEOUT_SECONDS:g} s.", "", took())
    except (OSError, http.client.HTTPException) as error:
        return Outcome(None, f"Could not connect: {type(error).__name__}: {error}"[:500], "", took())
    problem = ""
    if 300 <= reply.status < 400:
        problem = f"Answered {reply.status} (a redirect); webhooks do not follow redirects."
    elif not 200 <= reply.status < 300:
        problem = f"Answered {reply.status}."
    return Outcome(reply.status, problem, reply.excerpt, took())


def _claim(batch: int, now: datetime) -> list[int]:
    with transaction.atomic():
        due = Delivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
            next_attempt_at__lte=now,
            endpoint__active=True,
        ).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.values_list("id", flat=True)[:batch])
        if ids:
            Delivery.objects.filter(id__in=ids).update(next_attempt_at=now + LEASE)
    return ids


def _disable_message(endpoint: Endpoint) -> str:
    return (
        f"The webhook {endpoint.name} was switched off after {DISABLE_AFTER} failed deliveries in a row. "
        "Check the receiver, then switch it on again."
    )


@transaction.atomic
def record_outcome(delivery: Delivery, endpoint: Endpoint, outcome: Outcome, *, retry: bool = True) -> bool:
    """Write the attempt and its consequences; True when it switched the endpoint off."""
    now = timezone.now()
    Attempt.objects.create(
        delivery=delivery,
        status_code=outcome.status_code,
        error=outcome.error[:500],
        response_excerpt=outcome.excerpt[:500],
        duration_ms=outcome.duration_ms,
    )
    delivery.attempts += 1
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error[:500]
    if outcome.ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif retry and delivery.attempts < MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    delivery.save(
        update_fields=["attempts", "last_status_code", "last_error", "status", "delivered_at", "next_attempt_at"]
    )
    if not retry:  # a test send says how the receiver answers; it does not count towards switching off
        return False
    if outcome.ok:
        Endpoint.objects.filter(pk=endpoint.pk, consecutive_failures__gt=0).update(consecutive_failures=0)
        return False
    Endpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    switched = Endpoint.objects.filter(pk=endpoint.pk, active=True, consecutive_failures__gte=DISABLE_AFTER).update(
        active=False,
        disabled_reason=f"Switched off after {DISABLE_AFTER} failed deliveries in a row; last: {outcome.error}"[:300],
    )
    if switched and endpoint.created_by_id:
        notify(
            organisation_id=endpoint.organisation_id,
            messages=[
                Message(
                    user_id=endpoint.created_by_id,
                    kind="webhook.disabled",
                    text=_disable_message(endpoint),
                    url=ENDPOINTS_URL if endpoint.owner_id is None else "/me/channels/",
                )
            ],
        )
    return bool(switched)


def send_due(*, limit: int | None = None, batch: int = BATCH) -> SendRun:
    """Send every due delivery (at most `limit`), batch by batch; returns what happened."""
    run = SendRun()
    hosts: dict[int, set[str]] = {}
    while limit is None or run.sent < limit:
        size = batch if limit is None else min(batch, limit - run.sent)
        ids = _claim(size, timezone.now())
        if not ids:
            break
        deliveries = Delivery.objects.filter(id__in=ids).select_related("endpoint").order_by("id")
        for delivery in deliveries:
            endpoint = delivery.endpoint
            if endpoint.organisation_id not in hosts:
                hosts[endpoint.organisation_id] = allowed_host_names(endpoint.organisation_id)
            outcome = attempt(delivery, endpoint, hosts[endpoint.organisation_id])
            if record_outcome(delivery, endpoint, outcome):
                run.disabled.append(endpoint.pk)
            run.sent += 1
            if outcome.ok:
                run.delivered += 1
            else:
                run.failed += 1
    return run


def next_due_at() -> datetime | None:
    """When the next retry falls due (for scheduling the job again), or None."""
    return (
        Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING], endpoint__active=True)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )


TEST_TEXT = "Test from Margin: if you can read this, the webhook works."


def endpoint_send_test(*, viewer: Viewer, endpoint_id: int, managed_project_ids: Collection[int] = ()) -> Delivery:
    """Send a test message to the endpoint now and return its delivery (delivered or failed, with the
    attempt): the answer is shown at once, nothing is retried, and it does not count towards switching the
    endpoint off. A switched-off endpoint can be tested (to check it before switching it on)."""
    endpoint = endpoint_get(viewer, endpoint_id, managed_project_ids)
    with transaction.atomic():
        event = Event.objects.create(
            organisation_id=viewer.organisation_id,
            kind=TEST_KIND,
            actor_id=viewer.user_id,
            project_id=endpoint.project_id,
            object_type="notifications.endpoint",
            object_id=endpoint.pk,
            text=TEST_TEXT,
            url=ENDPOINTS_URL,
            data={"title": "Margin test message", "fields": {"Endpoint": endpoint.name}},
        )
        payload, refused = build_payload(endpoint.format, facts_of(event))
        delivery = Delivery.objects.create(
            organisation_id=viewer.organisation_id,
            endpoint=endpoint,
            event=event,
            payload=payload,
            status=DeliveryStatus.PENDING,
            next_attempt_at=None,
            last_error=refused,
        )
        audit.record(
            organisation_id=viewer.organisation_id,
            actor_id=viewer.user_id,
            action="notifications.endpoint.test",
            obj=endpoint,
            after={"delivery": delivery.pk},
        )
    outcome = attempt(delivery, endpoint, allowed_host_names(viewer.organisation_id))
    record_outcome(delivery, endpoint, outcome, retry=False)
    return delivery


@task()
def deliver_webhooks() -> int:
    """The delivery job: send what is due; if retries wait, run again when the first falls due (on a backend
    that can defer, as the database backend). Returns the deliveries attempted. Without a worker, run
    `manage.py deliver_webhooks` from cron (docs/deploy.md)."""
    run = send_due()
    due = next_due_at()
    if due is not None and due > timezone.now() and task_backends[deliver_webhooks.backend].supports_defer:
        deliver_webhooks.using(run_after=due).enqueue()
    return run.sent


def _on_deliveries_queued(**_: Any) -> None:
    deliver_webhooks.enqueue()


def connect_signals() -> None:
    """Called from the app's ready(): a publish that queued deliveries wakes the delivery job on commit."""
    deliveries_queued.connect(_on_deliveries_queued, dispatch_uid="notifications.deliver_webhooks")
