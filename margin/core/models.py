"""The audit trail: one row per state change, written in the same transaction as the change."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.BigIntegerField()
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"])]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


class JobRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class JobRun(models.Model):
    """What a person sees of a background job: its state and progress (done of total).

    A running job's worker writes `heartbeat_at` every few seconds (margin.core.jobruns.job_run_running);
    a run whose heartbeat stopped (the worker was killed) is failed with a message when it is next read.
    `total` 0 while running: the job cannot count its steps (one transaction), so no percentage is shown.
    """

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=JobRunStatus.choices, default=JobRunStatus.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    @property
    def counted(self) -> bool:
        """Whether `done of total` means something (else the screen shows work going on, not a share)."""
        return self.total > 0 or self.finished

    @property
    def percent(self) -> int:
        return 100 if self.status == JobRunStatus.DONE else int(100 * self.done / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (JobRunStatus.DONE, JobRunStatus.FAILED)


class Notification(models.Model):
    """Something a user should know (a rejected entry, a reminder): shown under the bell until read.

    `key` makes a notification idempotent: a job that runs twice for the same period writes one row
    per user and key (empty key: no such guarantee). `emailed_at` records that the e-mail went out.
    """

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    text = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell's unread count and the list, newest first.
            models.Index(fields=["user", "organisation", "read_at"], name="notification_unread"),
            models.Index(fields=["user", "organisation", "-created_at"], name="notification_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "key"],
                condition=~models.Q(key=""),
                name="notification_key_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class IdempotencyKey(models.Model):
    """A client's `Idempotency-Key` for one POST and the answer it got, so a resend replays that answer
    instead of doing the work again (docs/adr/0011-idempotency-keys.md).

    Unique per user and key: a concurrent duplicate waits on the unique index until the first request
    commits, then reads its answer. `fingerprint` is a hash of the method, path and body: the same key
    with a different request is refused. Rows older than `margin.core.idempotency.TTL` are expired.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)  # 0 while the first request runs (never committed)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=bytes)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
