"""Notifications beyond the bell: events, who follows what, each person's preferences, the daily digest, and
outgoing hooks (signed webhooks, Slack and Teams channels) with their delivery log.

This app sits just above `accounts` so that every domain app can publish an event. It therefore names the
things an event is about by type and id (as the audit trail does: `projects.project`, 42), never by a
foreign key to an app above it; the callers, which may see those apps, decide who may hear of what.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Channel(models.TextChoices):
    APP = "app", "In the app"
    EMAIL = "email", "E-mail"
    SLACK = "slack", "Slack"
    TEAMS = "teams", "Microsoft Teams"


class EmailMode(models.TextChoices):
    OFF = "off", "Off"
    IMMEDIATE = "immediate", "At once"
    DIGEST = "digest", "Daily digest"


class Event(models.Model):
    """Something happened that people may want to hear of: the one record every channel is fed from.

    `text` is one plain sentence ("Maya approved CR-3 *New reporting module* on Globex portal"); `data` holds
    what the formats show beside it (title, fields, the object's link) as JSON-safe values."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    project_id = models.BigIntegerField(null=True, blank=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    text = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "created_at"], name="notif_event_org_created"),
            models.Index(fields=["organisation", "project_id", "created_at"], name="notif_event_project"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:60]}"


class Follow(models.Model):
    """A person follows a project (or any object, by type and id) and hears of what happens on it."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    object_type = models.CharField(max_length=64)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "object_type", "object_id"], name="notif_follow_once"),
        ]
        indexes = [models.Index(fields=["object_type", "object_id"], name="notif_follow_object")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.object_type} {self.object_id}"


class Preference(models.Model):
    """One person's choice for one kind of event: which channels it reaches them on. No row: the kind's
    defaults (`rules.EVENT_KINDS`)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=64)
    app = models.BooleanField(default=True)
    email = models.CharField(max_length=10, choices=EmailMode.choices, default=EmailMode.OFF)
    slack = models.BooleanField(default=False)
    teams = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user", "kind"], name="notif_preference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class DigestItem(models.Model):
    """An event waiting for a person's daily digest e-mail; `sent_at` once the digest went out."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "user"], name="notif_digest_waiting")]

    def __str__(self) -> str:
        return f"digest {self.user_id} {self.event_id}"


class EndpointFormat(models.TextChoices):
    WEBHOOK = "webhook", "Signed webhook (JSON)"
    SLACK = "slack", "Slack incoming webhook"
    TEAMS = "teams", "Microsoft Teams (Workflows)"


class Endpoint(models.Model):
    """Where events go outside Margin: a signed JSON webhook, a Slack incoming webhook or a Teams Workflows
    webhook. `kinds` empty: every kind. `project_id`: only that project's events. `owner`: a person's own Slack
    or Teams channel, fed by their preferences rather than by `kinds`."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=8, choices=EndpointFormat.choices)
    name = models.CharField(max_length=120)
    url = models.URLField(max_length=2000)
    secret = models.CharField(max_length=64, blank=True)
    kinds = models.JSONField(default=list, blank=True)
    project_id = models.BigIntegerField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.format})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RETRYING = "retrying", "Failed, will retry"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Gave up"


class Delivery(models.Model):
    """One event on its way to one endpoint. The payload is built when the event is published (what was
    true then) and sent, retried with backoff, by the delivery job."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notif_delivery_due"),
            models.Index(fields=["endpoint", "created_at"], name="notif_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} to {self.endpoint_id}: {self.status}"


class Attempt(models.Model):
    """One try at a delivery: the delivery log shows these with their response codes."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"attempt {self.delivery_id} {self.status_code}"


class AllowedHost(models.Model):
    """A host an administrator allows as a webhook address although it resolves to a private, loopback or
    link-local address (an on-premises receiver). Everything else in those ranges is refused."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    host = models.CharField(max_length=253)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "host"], name="notif_allowed_host_once")]

    def __str__(self) -> str:
        return self.host
