"""Notifications: written in bulk, once per key, mailed after commit; marked read only by their user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from margin.core.errors import Invalid, NotFound
from margin.core.models import Notification
from margin.core.notifications import (
    Message,
    broadcast,
    notifications_mark_read,
    notifications_of,
    notify,
    unread_count,
)
from tests.checks import refused
from tests.firm import Firm


def _org(firm: Firm) -> int:
    return firm.admin.organisation_id


def test_notify_writes_in_bulk_once_per_key_and_mails_after_commit(
    firm: Firm, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    tom, lea = firm.member.user_id, firm.member2.user_id
    messages = [
        Message(user_id=tom, kind="k", text="Hello Tom", url="/week/", key="k1", email="tom@example.test"),
        Message(user_id=lea, kind="k", text="Hello Lea", key="k1"),
        Message(user_id=tom, kind="k", text="Hello again", key="k1"),  # same user and key: once
        Message(user_id=tom, kind="note", text="No key"),
    ]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = notify(organisation_id=_org(firm), messages=messages)
        assert mail.outbox == []  # nothing is mailed before the transaction commits
    assert len(rows) == 3 and len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["tom@example.test"]]
    assert mail.outbox[0].subject == "Hello Tom" and "http://127.0.0.1:8000/week/" in mail.outbox[0].body
    assert Notification.objects.get(user_id=tom, key="k1").emailed_at is not None
    assert Notification.objects.get(user_id=lea).emailed_at is None
    with django_capture_on_commit_callbacks(execute=True):
        again = notify(organisation_id=_org(firm), messages=messages)
    assert len(again) == 1  # only the unkeyed one
    assert len(mail.outbox) == 1
    assert unread_count(organisation_id=_org(firm), user_id=tom) == 3


def test_a_failing_mail_server_keeps_the_notification(
    firm: Firm, django_capture_on_commit_callbacks: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.mail.backends.locmem import EmailBackend

    def broken(self: Any, messages: Any) -> int:
        raise OSError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", broken)
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            organisation_id=_org(firm),
            messages=[Message(user_id=firm.member.user_id, kind="k", text="Hi", email="tom@example.test")],
        )
    row = Notification.objects.get()
    assert row.emailed_at is None and row.text == "Hi"


def test_bad_notifications_are_refused(firm: Firm) -> None:
    with refused(Invalid, match="required"):
        notify(organisation_id=_org(firm), messages=[Message(user_id=firm.member.user_id, kind="k", text="  ")])
    with refused(Invalid, match="kind"):
        notify(organisation_id=_org(firm), messages=[Message(user_id=firm.member.user_id, kind="", text="x")])
    assert notify(organisation_id=_org(firm), messages=[]) == []


def test_mark_read_only_touches_the_users_own(firm: Firm) -> None:
    org = _org(firm)
    tom, lea = firm.member.user_id, firm.member2.user_id
    mine = notify(organisation_id=org, messages=[Message(user_id=tom, kind="k", text=f"t{i}") for i in range(3)])
    theirs = notify(organisation_id=org, messages=[Message(user_id=lea, kind="k", text="l")])
    with refused(NotFound, *mine, *theirs):
        notifications_mark_read(organisation_id=org, user_id=tom, ids=[mine[0].pk, theirs[0].pk])
    with refused(NotFound, *theirs):  # the right user in another organisation
        notifications_mark_read(organisation_id=firm.other_admin.organisation_id, user_id=lea, ids=[theirs[0].pk])
    with refused(Invalid):
        notifications_mark_read(organisation_id=org, user_id=tom, ids=[])
    assert notifications_mark_read(organisation_id=org, user_id=tom, ids=[mine[0].pk]) == 1
    assert notifications_mark_read(organisation_id=org, user_id=tom, ids=[mine[0].pk]) == 0  # already read
    assert unread_count(organisation_id=org, user_id=tom) == 2
    assert notifications_mark_read(organisation_id=org, user_id=tom) == 2
    assert unread_count(organisation_id=org, user_id=tom) == 0
    assert unread_count(organisation_id=org, user_id=lea) == 1
    assert [n.pk for n in notifications_of(organisation_id=org, user_id=tom)] == [m.pk for m in reversed(mine)]


def test_broadcast_writes_one_row_per_person_and_mails_those_who_asked_after_commit(
    firm: Firm, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    tom, lea = firm.member.user_id, firm.member2.user_id
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        written = broadcast(
            organisation_id=_org(firm),
            user_ids=[tom, lea, tom],  # a person listed twice hears once
            kind="risk.raised",
            text="  Maya logged R-1  ",
            url="/projects/1/",
            emails={lea: "lea@example.test", 999_999: "stranger@example.test"},  # only recipients are mailed
            subject="R-1",
        )
        assert mail.outbox == []
    assert written == 2 and len(callbacks) == 1
    rows = Notification.objects.filter(kind="risk.raised").order_by("user_id")
    assert [(r.user_id, r.text, r.url, r.read_at) for r in rows] == [
        (tom, "Maya logged R-1", "/projects/1/", None),
        (lea, "Maya logged R-1", "/projects/1/", None),
    ]
    assert unread_count(organisation_id=_org(firm), user_id=tom) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["lea@example.test"]] and mail.outbox[0].subject == "R-1"
    assert Notification.objects.get(user_id=lea, kind="risk.raised").emailed_at is not None
    assert Notification.objects.get(user_id=tom, kind="risk.raised").emailed_at is None


def test_broadcast_refuses_an_empty_text_and_writes_nothing(firm: Firm) -> None:
    with refused(Invalid):
        broadcast(organisation_id=_org(firm), user_ids=[firm.member.user_id], kind="k", text="   ")
    assert not Notification.objects.exists()
