"""A rejection tells the person why: in the app and by e-mail, once per person and week; a refused
rejection tells nobody."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core import mail
from django.utils import timezone

from margin.core.errors import Invalid
from margin.core.models import Notification
from margin.core.periods import week_start
from margin.timesheets.actions import time_entries_reject, time_entries_submit, time_entry_create
from tests.checks import refused
from tests.firm import Firm


def test_a_rejection_tells_the_person_why(firm: Firm, django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    entries = [
        time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=monday, minutes=90),
        time_entry_create(
            viewer=firm.member, project=firm.project, task=firm.design, work_date=monday + timedelta(1), minutes=30
        ),
        time_entry_create(viewer=firm.member2, project=firm.project, task=firm.build, work_date=monday, minutes=60),
    ]
    time_entries_submit(viewer=firm.member, monday=monday)
    time_entries_submit(viewer=firm.member2, monday=monday)
    with django_capture_on_commit_callbacks(execute=True):
        time_entries_reject(viewer=firm.manager, entry_ids=[e.pk for e in entries], reason="Book it on Design")
    tom = Notification.objects.get(user=firm.member_user)
    assert tom.kind == "time.rejected"
    assert tom.text == f"Maya rejected 2 entries (2:00 h) of your week of {monday:%-d %b %Y}: Book it on Design"
    assert tom.url == f"/week/{monday.isoformat()}/"
    assert Notification.objects.filter(user=firm.member2_user).count() == 1
    assert Notification.objects.filter(user=firm.manager_user).count() == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["lea@example.test", "tom@example.test"]
    assert "Book it on Design" in mail.outbox[0].body


def test_a_refused_rejection_notifies_nobody(
    firm: Firm, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    entry = time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=monday, minutes=90)
    time_entries_submit(viewer=firm.member, monday=monday)
    with django_capture_on_commit_callbacks(execute=True), refused(Invalid, entry):
        time_entries_reject(viewer=firm.manager, entry_ids=[entry.pk], reason=" ")
    assert Notification.objects.count() == 0 and mail.outbox == []
