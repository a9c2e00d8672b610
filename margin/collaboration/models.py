"""Comments (Markdown, with @mentions) and file attachments on the objects people talk about: projects,
tasks, risks, issues, change requests and invoices.

A comment or an attachment names its target by type and id (like the audit trail) and keeps the project the
target belongs to, so a project's threads and feed are one indexed read and access follows the project. An
invoice may have no project: its thread is then reached only through the invoice's own access rule.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

MAX_COMMENT_LENGTH = 10_000


class TargetType(models.TextChoices):
    PROJECT = "project", "Project"
    TASK = "task", "Task"
    RISK = "risk", "Risk"
    ISSUE = "issue", "Issue"
    CHANGE_REQUEST = "change_request", "Change request"
    INVOICE = "invoice", "Invoice"


class Comment(models.Model):
    """A message in the thread of one object. `body` is the author's Markdown; `body_html` the sanitised HTML
    rendered from it on every save (markup.render), so a page never renders Markdown and never trusts it."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    target_type = models.CharField(max_length=20, choices=TargetType.choices)
    target_id = models.BigIntegerField()
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(max_length=MAX_COMMENT_LENGTH)
    body_html = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["organisation", "target_type", "target_id", "created_at"], name="collab_comment_thread"
            ),
            models.Index(fields=["project", "created_at"], name="collab_comment_project"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.target_type} {self.target_id}"

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None


class Mention(models.Model):
    """A person named in a comment who could see its target when it was written (and was told)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="collab_mention_once")]

    def __str__(self) -> str:
        return f"{self.user_id} in comment {self.comment_id}"


class Attachment(models.Model):
    """A file on an object. Stored under a random name; `original_name` is only ever shown as text and sent
    back encoded. `content_type` is what its bytes were checked to be (files.check_upload), never a claim."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    target_type = models.CharField(max_length=20, choices=TargetType.choices)
    target_id = models.BigIntegerField()
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to="attachments/", max_length=300)
    thumbnail = models.FileField(upload_to="attachments/thumbs/", max_length=300, blank=True)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["organisation", "target_type", "target_id", "created_at"], name="collab_attach_thread"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
