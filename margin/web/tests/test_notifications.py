"""The bell, the notification menu and list, opening one (marks it read, stays inside Margin)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.core.models import Notification
from margin.core.notifications import Message, notify
from tests.firm import Firm


def _notify(firm: Firm, user_id: int, text: str, url: str = "") -> Notification:
    (row,) = notify(
        organisation_id=firm.admin.organisation_id, messages=[Message(user_id=user_id, kind="k", text=text, url=url)]
    )
    return row


def test_the_bell_counts_unread(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.member_user)
    html = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="bell"' in html and 'data-testid="bell-count"' not in html
    _notify(firm, firm.member.user_id, "One")
    _notify(firm, firm.member.user_id, "Two")
    _notify(firm, firm.member2.user_id, "Lea's")
    html = client.get(reverse("web:week")).content.decode()
    assert 'data-testid="bell-count">2</span>' in html and "Notifications: 2 unread" in html
    menu = client.get(reverse("web:notification_menu"), HTTP_HX_REQUEST="true").content.decode()
    assert "One" in menu and "Two" in menu and "Lea" not in menu and "2 unread" in menu


def test_open_marks_read_and_redirects_inside_margin(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.member_user)
    inside = _notify(firm, firm.member.user_id, "Week", url="/week/2026-11-16/")
    outside = _notify(firm, firm.member.user_id, "Evil", url="https://evil.example/")
    response = client.get(reverse("web:notification_open", args=[inside.pk]))
    assert response.status_code == 302 and response["Location"] == "/week/2026-11-16/"
    inside.refresh_from_db()
    assert inside.read_at is not None
    response = client.get(reverse("web:notification_open", args=[outside.pk]))
    assert response["Location"] == reverse("web:notifications")
    theirs = _notify(firm, firm.member2.user_id, "Lea's", url="/week/")
    assert client.get(reverse("web:notification_open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_list_and_mark_all_read(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.member_user)
    assert "No notifications yet" in client.get(reverse("web:notifications")).content.decode()
    for i in range(3):
        _notify(firm, firm.member.user_id, f"Note {i}")
    lea = _notify(firm, firm.member2.user_id, "Lea's")
    html = client.get(reverse("web:notifications")).content.decode()
    assert html.index("Note 2") < html.index("Note 0") and "Lea's" not in html
    assert client.get(reverse("web:notifications_read")).status_code == 405
    assert client.post(reverse("web:notifications_read")).status_code == 302
    assert not Notification.objects.filter(user=firm.member_user, read_at__isnull=True).exists()
    lea.refresh_from_db()
    assert lea.read_at is None
    assert "Nothing unread" in client.get(reverse("web:notifications"), {"unread": "1"}).content.decode()
