"""Notifications: what a user should know, in the app (the bell) and by e-mail.

`notify()` writes many notifications in one statement (a reminder run writes one per person) and
sends their e-mails through Django's e-mail backend once the surrounding transaction commits, so a
refused action never mails anyone. A notification with a `key` is written once per user and key:
running a job twice for the same period notifies nobody twice.

Core sits below accounts, so these functions take user and organisation ids, not a `Viewer`; the
callers (actions, jobs, views) have already decided who may do what.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from margin.core.errors import Invalid, NotFound
from margin.core.inserts import adapted_now, insert_for_each
from margin.core.models import Notification
from margin.core.text import clean_text

log = logging.getLogger(__name__)

MAX_TEXT = 4000


@dataclass(frozen=True)
class Message:
    """One notification for one user. `email` empty: in the app only."""

    user_id: int
    kind: str
    text: str
    url: str = ""
    key: str = ""
    email: str = ""
    subject: str = ""


def absolute_url(url: str) -> str:
    """A link for an e-mail: relative paths get the configured base address."""
    if not url or "://" in url:
        return url
    return str(settings.MARGIN["BASE_URL"]) + url


def _mail_body(message: Message) -> str:
    link = absolute_url(message.url)
    return f"{message.text}\n\n{link}\n" if link else f"{message.text}\n"


@transaction.atomic
def notify(*, organisation_id: int, messages: Sequence[Message]) -> list[Notification]:
    """Write the notifications that are new (one per user and key) and queue their e-mails.

    Returns the notifications written; those already there for the same user and key are skipped.
    """
    wanted: dict[tuple[int, str], Message] = {}
    unkeyed: list[Message] = []
    for message in messages:
        if not message.kind:
            raise Invalid("A notification needs a kind.", field="kind")
        if message.key:
            wanted.setdefault((message.user_id, message.key), message)
        else:
            unkeyed.append(message)
    if wanted:
        existing = set(
            Notification.objects.filter(
                organisation_id=organisation_id,
                user_id__in={u for u, _ in wanted},
                key__in={k for _, k in wanted},
            ).values_list("user_id", "key")
        )
        fresh = [m for (user_id, key), m in wanted.items() if (user_id, key) not in existing]
    else:
        fresh = []
    todo = fresh + unkeyed
    if not todo:
        return []
    rows = Notification.objects.bulk_create(
        [
            Notification(
                organisation_id=organisation_id,
                user_id=m.user_id,
                kind=m.kind[:64],
                text=clean_text(m.text, field="text", max_length=MAX_TEXT, required=True),
                url=m.url[:500],
                key=m.key[:200],
            )
            for m in todo
        ],
        batch_size=1000,
    )
    mail = [(row.pk, m) for row, m in zip(rows, todo, strict=True) if m.email]
    if mail:
        transaction.on_commit(lambda: send_emails(mail))
    return rows


@transaction.atomic
def broadcast(
    *,
    organisation_id: int,
    user_ids: Sequence[int],
    kind: str,
    text: str,
    url: str = "",
    emails: Mapping[int, str] | None = None,
    subject: str = "",
) -> int:
    """One notification for many users (an event fanned out to its followers): the text checked once and the
    rows written by one INSERT … SELECT over the ids, many times faster than `notify` for thousands of people. Those in
    `emails` (user id → address) are mailed once the transaction commits. Returns how many were written."""
    if not kind:
        raise Invalid("A notification needs a kind.", field="kind")
    clean = clean_text(text, field="text", max_length=MAX_TEXT, required=True)
    created_at = timezone.now()
    at = adapted_now(created_at)
    people = list(dict.fromkeys(user_ids))
    listed = set(people)
    fixed = {"organisation_id": organisation_id, "kind": kind[:64], "text": clean, "url": url[:500], "key": ""}
    written = insert_for_each(Notification, {**fixed, "created_at": at}, "user_id", people)
    mail = [
        (u, Message(user_id=u, kind=kind, text=clean, url=url, email=address, subject=subject))
        for u, address in (emails or {}).items()
        if address and u in listed
    ]
    if mail:
        transaction.on_commit(lambda: _mail_broadcast(organisation_id, kind, created_at, mail))
    return written


def _mail_broadcast(organisation_id: int, kind: str, created_at: datetime, mail: Sequence[tuple[int, Message]]) -> None:
    """Send a broadcast's e-mails, then stamp its rows (found by user, kind and their shared creation time)."""
    if send_emails([(None, m) for _, m in mail]):
        Notification.objects.filter(
            organisation_id=organisation_id,
            kind=kind[:64],
            created_at=created_at,
            user_id__in=[u for u, _ in mail],
        ).update(emailed_at=timezone.now())


def send_emails(mail: Sequence[tuple[int | None, Message]]) -> int:
    """Send the e-mails over one connection and stamp `emailed_at`; a mail failure is logged, not raised
    (the notification is in the app whatever happens to the mail server)."""
    emails = [
        EmailMessage(
            subject=m.subject or m.text.splitlines()[0][:120],
            body=_mail_body(m),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[m.email],
        )
        for _, m in mail
    ]
    try:
        with get_connection() as connection:
            sent = int(connection.send_messages(emails) or 0)
    except Exception:  # the mail server's problem must not undo or hide the notification
        log.exception("Sending %d notification e-mails failed", len(emails))
        return 0
    ids = [pk for pk, _ in mail if pk is not None]
    if sent and ids:
        Notification.objects.filter(id__in=ids).update(emailed_at=timezone.now())
    return sent


def notifications_of(*, organisation_id: int, user_id: int) -> QuerySet[Notification]:
    """A user's notifications in one organisation, newest first."""
    return Notification.objects.filter(organisation_id=organisation_id, user_id=user_id).order_by("-created_at", "-id")


def unread_count(*, organisation_id: int, user_id: int) -> int:
    return Notification.objects.filter(organisation_id=organisation_id, user_id=user_id, read_at__isnull=True).count()


@transaction.atomic
def notifications_mark_read(*, organisation_id: int, user_id: int, ids: Sequence[int] | None = None) -> int:
    """Mark some (or, with `ids=None`, all) of a user's notifications read; returns how many changed.

    Naming a notification that is not the user's answers NotFound and marks nothing."""
    mine = Notification.objects.filter(organisation_id=organisation_id, user_id=user_id)
    if ids is not None:
        wanted = set(ids)
        if not wanted:
            raise Invalid("Choose at least one notification.", field="ids")
        if mine.filter(id__in=wanted).count() != len(wanted):
            raise NotFound("No such notification.")
        mine = mine.filter(id__in=wanted)
    return mine.filter(Q(read_at__isnull=True)).update(read_at=timezone.now())
