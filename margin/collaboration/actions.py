"""Writes on comments and attachments: each one transaction, checked, audited, and published as an event.

Who may hear is decided here, through the target's own access function asked for each person
(`queries.who_can_see`): a mentioned person who cannot open the target is neither recorded nor told, and the
comment renders their `@handle` as plain text, exactly as for a name nobody has — so a comment reveals nothing
about who exists. Followers of the project hear of new comments and files on it, if they may open the target.
"""

from __future__ import annotations

import hashlib
import uuid
import weakref
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.utils import timezone

from margin.accounts.queries import Viewer, margin_number
from margin.collaboration import files, markup
from margin.collaboration.models import MAX_COMMENT_LENGTH, Attachment, Comment, Mention
from margin.collaboration.queries import Target, display_name, users_by_handle, who_can_see
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, NotFound
from margin.core.text import clean_text
from margin.notifications.events import publish
from margin.notifications.models import Follow

MAX_ATTACHMENTS = 200
PROJECT_OBJECT = "projects.project"


def edit_window() -> timedelta:
    return timedelta(minutes=margin_number("COMMENT_EDIT_MINUTES"))


def max_attachment_bytes() -> int:
    return margin_number("ATTACHMENT_MAX_MB") * 1024 * 1024


def _check_target(viewer: Viewer, target: Target) -> None:
    if target.organisation_id != viewer.organisation_id:
        raise NotFound("No such object.")


def _followers(target: Target) -> set[int]:
    if target.project is None:
        return set()
    return set(
        Follow.objects.filter(
            organisation_id=target.organisation_id, object_type=PROJECT_OBJECT, object_id=target.project.pk
        ).values_list("user_id", flat=True)
    )


def _excerpt(body: str, length: int = 140) -> str:
    text = " ".join(body.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _resolve_mentions(target: Target, body: str) -> dict[str, User]:
    """The handles of `body` that name someone of the organisation who may see the target."""
    named = users_by_handle(target.organisation_id, markup.find_mentions(body))
    seeing = who_can_see(target, [u.pk for u in named.values()])
    return {handle: user for handle, user in named.items() if user.pk in seeing}


def _render(body: str, mentioned: dict[str, User]) -> str:
    return markup.render(body, mentions={h: display_name(u) for h, u in mentioned.items()})


def _tell(*, viewer: Viewer, target: Target, comment: Comment, mentioned: list[int], followers: bool) -> None:
    actor = display_name(User.objects.filter(pk=viewer.user_id).first())
    url = f"{target.url}#comment-{comment.pk}"
    common: dict[str, Any] = {
        "organisation_id": target.organisation_id,
        "actor_id": viewer.user_id,
        "project_id": target.project_id,
        "object_type": "collaboration.comment",
        "object_id": comment.pk,
        "url": url,
        "data": {"target": target.key, "title": target.label, "excerpt": _excerpt(comment.body)},
    }
    if mentioned:
        publish(
            kind="comment.mentioned",
            text=f"{actor} mentioned you on {target.label}: {_excerpt(comment.body)}",
            recipients=mentioned,
            **common,
        )
    if followers:
        audience = who_can_see(target, _followers(target) - set(mentioned) - {viewer.user_id})
        publish(
            kind="comment.created",
            text=f"{actor} commented on {target.label}: {_excerpt(comment.body)}",
            recipients=sorted(audience),
            **common,
        )


def _snapshot(comment: Comment) -> audit.Snapshot:
    return audit.snapshot(comment, ["target_type", "target_id", "project", "body", "deleted_at"])


@transaction.atomic
def comment_create(*, viewer: Viewer, target: Target, body: str) -> Comment:
    """Post a comment on `target` (reached through its access function by `viewer`)."""
    _check_target(viewer, target)
    text = clean_text(body, field="comment", max_length=MAX_COMMENT_LENGTH, required=True)
    mentioned = _resolve_mentions(target, text)
    comment = Comment.objects.create(
        organisation_id=target.organisation_id,
        target_type=target.type,
        target_id=target.id,
        project=target.project,
        author_id=viewer.user_id,
        body=text,
        body_html=_render(text, mentioned),
    )
    told = sorted({u.pk for u in mentioned.values()} - {viewer.user_id})
    Mention.objects.bulk_create([Mention(comment=comment, user_id=u) for u in told])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="comment.create",
        obj=comment,
        after=_snapshot(comment),
    )
    _tell(viewer=viewer, target=target, comment=comment, mentioned=told, followers=True)
    return comment


def _locked(comment: Comment) -> Comment:
    return Comment.objects.select_for_update().get(pk=comment.pk)


def _check_window(comment: Comment, verb: str) -> None:
    minutes = margin_number("COMMENT_EDIT_MINUTES")
    if timezone.now() - comment.created_at > edit_window():
        raise Conflict(f"A comment can be {verb} only within {minutes} minutes of posting it.")


def may_edit(viewer: Viewer, comment: Comment) -> bool:
    return (
        comment.deleted_at is None
        and comment.author_id == viewer.user_id
        and timezone.now() - comment.created_at <= edit_window()
    )


def may_delete(viewer: Viewer, comment: Comment) -> bool:
    return comment.deleted_at is None and (viewer.is_admin or may_edit(viewer, comment))


@transaction.atomic
def comment_edit(*, viewer: Viewer, comment: Comment, target: Target, body: str) -> Comment:
    """The author changes their comment within the window; people newly mentioned are told."""
    _check_target(viewer, target)
    comment = _locked(comment)
    if comment.deleted_at is not None:
        raise Conflict("This comment was deleted.")
    if comment.author_id != viewer.user_id:
        raise Forbidden("Only its author may edit a comment.")
    _check_window(comment, "edited")
    text = clean_text(body, field="comment", max_length=MAX_COMMENT_LENGTH, required=True)
    before = _snapshot(comment)
    mentioned = _resolve_mentions(target, text)
    comment.body = text
    comment.body_html = _render(text, mentioned)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    already = set(Mention.objects.filter(comment=comment).values_list("user_id", flat=True))
    new = sorted({u.pk for u in mentioned.values()} - already - {viewer.user_id})
    Mention.objects.bulk_create([Mention(comment=comment, user_id=u) for u in new])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="comment.edit",
        obj=comment,
        before=before,
        after=_snapshot(comment),
    )
    _tell(viewer=viewer, target=target, comment=comment, mentioned=new, followers=False)
    return comment


@transaction.atomic
def comment_delete(*, viewer: Viewer, comment: Comment, target: Target) -> Comment:
    """The author within the window, or an administrator at any time; the thread shows "comment deleted"."""
    _check_target(viewer, target)
    comment = _locked(comment)
    if comment.deleted_at is not None:
        raise Conflict("This comment was already deleted.")
    if not viewer.is_admin:
        if comment.author_id != viewer.user_id:
            raise Forbidden("Only its author or an administrator may delete a comment.")
        _check_window(comment, "deleted")
    before = _snapshot(comment)
    comment.deleted_at = timezone.now()
    comment.body = ""
    comment.body_html = ""
    comment.save(update_fields=["deleted_at", "body", "body_html"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="comment.delete",
        obj=comment,
        before=before,
        after=_snapshot(comment),
    )
    return comment


# --- attachments ------------------------------------------------------------------------------------


def _delete_names(storage: Storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


class _StoredUntilRollback:
    """Registered with `transaction.on_commit` before any byte is written: on commit Django calls it and the
    files stay; when the transaction (or one around it) rolls back, Django drops the callback and the
    finalizer removes the files."""

    def __init__(self, storage: Storage, names: list[str]) -> None:
        self._finalizer = weakref.finalize(self, _delete_names, storage, names)

    def __call__(self) -> None:
        self._finalizer.detach()


def _attachment_snapshot(attachment: Attachment) -> audit.Snapshot:
    return audit.snapshot(
        attachment, ["target_type", "target_id", "original_name", "content_type", "size", "sha256", "deleted_at"]
    )


@transaction.atomic
def attachment_add(
    *, viewer: Viewer, target: Target, data: bytes, filename: str, declared_type: str = ""
) -> Attachment:
    """Attach a file: its type is read from its bytes and must agree with its name and declared type."""
    _check_target(viewer, target)
    checked = files.check_upload(data, name=filename, declared_type=declared_type, max_bytes=max_attachment_bytes())
    count = Attachment.objects.filter(
        organisation_id=target.organisation_id, target_type=target.type, target_id=target.id, deleted_at__isnull=True
    ).count()
    if count >= MAX_ATTACHMENTS:
        raise Conflict(f"This {target.type.replace('_', ' ')} already holds {MAX_ATTACHMENTS} files.")
    attachment = Attachment(
        organisation_id=target.organisation_id,
        target_type=target.type,
        target_id=target.id,
        project=target.project,
        uploaded_by_id=viewer.user_id,
        original_name=checked.name,
        content_type=checked.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=checked.width,
        height=checked.height,
    )
    stem = f"{target.organisation_id}/{uuid.uuid4().hex}"
    stored: list[str] = []
    transaction.on_commit(_StoredUntilRollback(attachment.file.storage, stored))
    attachment.file.save(f"{stem}.{checked.extension}", ContentFile(data), save=False)
    stored.append(str(attachment.file.name))
    if checked.thumbnail is not None:
        attachment.thumbnail.save(f"{stem}.jpg", ContentFile(checked.thumbnail), save=False)
        stored.append(str(attachment.thumbnail.name))
    attachment.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="attachment.create",
        obj=attachment,
        after=_attachment_snapshot(attachment),
    )
    audience = who_can_see(target, _followers(target) - {viewer.user_id})
    actor = display_name(User.objects.filter(pk=viewer.user_id).first())
    publish(
        organisation_id=target.organisation_id,
        kind="attachment.added",
        text=f"{actor} attached {checked.name} to {target.label}",
        recipients=sorted(audience),
        actor_id=viewer.user_id,
        project_id=target.project_id,
        object_type="collaboration.attachment",
        object_id=attachment.pk,
        url=f"{target.url}#attachments",
        data={"target": target.key, "title": target.label, "file": checked.name},
    )
    return attachment


def may_delete_attachment(viewer: Viewer, attachment: Attachment) -> bool:
    return attachment.deleted_at is None and (viewer.is_admin or attachment.uploaded_by_id == viewer.user_id)


@transaction.atomic
def attachment_delete(*, viewer: Viewer, attachment: Attachment, target: Target) -> None:
    """Its uploader or an administrator removes a file: the row stays (deleted), the stored bytes go on commit."""
    _check_target(viewer, target)
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if attachment.deleted_at is not None:
        raise Conflict("This file was already removed.")
    if not may_delete_attachment(viewer, attachment):
        raise Forbidden("Only whoever attached a file, or an administrator, may remove it.")
    before = _attachment_snapshot(attachment)
    names = [f.name for f in (attachment.file, attachment.thumbnail) if f and f.name]
    storage = attachment.file.storage
    attachment.deleted_at = timezone.now()
    attachment.save(update_fields=["deleted_at"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="attachment.delete",
        obj=attachment,
        before=before,
        after=_attachment_snapshot(attachment),
    )
    transaction.on_commit(lambda: _delete_names(storage, names))
