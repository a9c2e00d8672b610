"""Settings → Webhooks & chat and My channels: who opens them, adding with refusals shown as form errors
(nothing stored), the secret shown once, "Send test" and the delivery log against a local receiver."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.notifications.endpoints import allowed_host_add
from margin.notifications.models import Endpoint
from margin.notifications.tests.receivers import receiving
from tests.checks import table_counts
from tests.firm import Firm

SignIn = Callable[[User], Client]


def test_who_opens_webhooks(sign_in: SignIn, firm: Firm) -> None:
    assert sign_in(firm.member_user).get(reverse("web:settings_webhooks")).status_code == 403
    assert sign_in(firm.finance_user).get(reverse("web:settings_webhooks")).status_code == 403
    manager = sign_in(firm.manager_user).get(reverse("web:settings_webhooks"))
    assert manager.status_code == 200
    html = manager.content.decode()
    assert "The whole organisation" not in html and "GLX-1" in html and 'data-testid="allowed-hosts"' not in html
    admin = sign_in(firm.admin_user).get(reverse("web:settings_webhooks")).content.decode()
    assert "The whole organisation" in admin and 'data-testid="allowed-hosts"' in admin
    assert "A risk is logged" in admin and "I follow" not in admin  # EVENT_KINDS, worded for a channel
    assert "Someone mentions me in a comment" not in admin  # a personal kind: never on a shared endpoint
    assert 'data-testid="nav-webhooks"' in admin
    assert sign_in(firm.member_user).get(reverse("web:my_channels")).status_code == 200


def test_a_refused_address_is_a_form_error_and_nothing_is_stored(sign_in: SignIn, firm: Firm) -> None:
    client = sign_in(firm.admin_user)
    before = table_counts()
    response = client.post(
        reverse("web:webhook_add"),
        {"format": "slack", "name": "Ops", "url": "http://169.254.169.254/latest/", "project": ""},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "169.254.169.254 resolves to 169.254.169.254, a link-local address" in html
    assert "is-invalid" in html
    assert table_counts() == before
    response = client.post(reverse("web:allowed_host_add"), {"host": "http://x/"})
    assert response.status_code == 422 and "without scheme, port or path" in response.content.decode()
    assert table_counts() == before


def test_add_see_the_secret_once_send_a_test_and_read_the_log(sign_in: SignIn, firm: Firm) -> None:
    client = sign_in(firm.admin_user)
    allowed_host_add(viewer=firm.admin, host="127.0.0.1")
    with receiving() as receiver:
        response = client.post(
            reverse("web:webhook_add"),
            {"format": "webhook", "name": "ERP <b>", "url": receiver.url(), "project": "", "kinds": ["risk.raised"]},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        endpoint = Endpoint.objects.get(name="ERP <b>")
        first = client.get(response["Location"]).content.decode()
        assert endpoint.secret in first and "ERP &lt;b&gt;" in first and "ERP <b>" not in first
        assert endpoint.secret not in client.get(response["Location"]).content.decode()  # once
        tested = client.post(reverse("web:webhook_test", args=[endpoint.pk]), follow=True)
    html = tested.content.decode()
    assert "Test delivered: the receiver answered 200." in html
    assert "Delivered 200" in html and 'data-testid="attempt"' in html
    assert len(receiver.requests) == 1
    revealed = client.post(reverse("web:webhook_reveal", args=[endpoint.pk])).content.decode()
    assert endpoint.secret in revealed


def test_my_channel(sign_in: SignIn, firm: Firm) -> None:
    allowed_host_add(viewer=firm.admin, host="127.0.0.1")
    client = sign_in(firm.member_user)
    response = client.post(
        reverse("web:my_channel_add"), {"format": "teams", "name": "My Teams", "url": "http://127.0.0.1:9/t"}
    )
    assert response.status_code == 302
    channel = Endpoint.objects.get(name="My Teams")
    assert channel.owner_id == firm.member_user.pk
    page = client.get(reverse("web:webhook", args=[channel.pk]))
    assert page.status_code == 200 and "your own channel" in page.content.decode()
    assert sign_in(firm.member2_user).get(reverse("web:webhook", args=[channel.pk])).status_code == 404
    refused = client.post(reverse("web:my_channel_add"), {"format": "webhook", "name": "x", "url": "http://a/"})
    assert refused.status_code == 422
