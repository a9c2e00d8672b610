"""/webhooks, /allowed-hosts and /me/channels through the real URLconf: who may do what, the address guard's
refusals (422 with a message, nothing stored), the secret shown once and revealed to administrators only, a
test send and the delivery log against a local receiver."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from margin.api.tests.conftest import Api, error_of, unchanged
from margin.core.models import AuditEntry
from margin.notifications.models import Endpoint
from margin.notifications.tests.receivers import receiving
from tests.firm import Firm

pytestmark = pytest.mark.django_db
ApiAs = Callable[[User | None], Api]


def allow_localhost(api: Api) -> int:
    response = api.post("/allowed-hosts", {"host": "127.0.0.1"})
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def test_admin_adds_a_webhook_sees_the_secret_once_and_tests_it(firm: Firm, api_as: ApiAs) -> None:
    admin = api_as(firm.admin_user)
    allow_localhost(admin)
    with receiving() as receiver:
        made = admin.post(
            "/webhooks", {"format": "webhook", "name": "ERP", "url": receiver.url(), "kinds": ["risk.raised"]}
        )
        assert made.status_code == 201, made.content
        body = made.json()
        assert len(body["secret"]) == 64 and body["kinds"] == ["risk.raised"] and body["project_id"] is None
        hook_id = body["id"]
        assert "secret" not in admin.get(f"/webhooks/{hook_id}").json()
        assert admin.get(f"/webhooks/{hook_id}/secret").json()["secret"] == body["secret"]
        tested = admin.post(f"/webhooks/{hook_id}/test")
    assert tested.status_code == 200, tested.content
    result = tested.json()
    assert result["status"] == "delivered" and result["last_status_code"] == 200
    assert result["tries"][0]["status_code"] == 200 and result["tries"][0]["response_excerpt"] == "ok"
    log = admin.get(f"/webhooks/{hook_id}/deliveries").json()
    assert [d["id"] for d in log] == [result["id"]]
    assert len(receiver.requests) == 1 and "Margin-Signature" in receiver.requests[0].headers
    audit = AuditEntry.objects.filter(object_type="notifications.endpoint", object_id=hook_id)
    assert {a.action for a in audit} == {"notifications.endpoint.create", "notifications.endpoint.test"}
    assert all(body["secret"] not in str(a.after) + str(a.before) for a in audit)
    assert all(str(receiver.port) not in str(a.after) for a in audit)  # the URL's host only, no path or port


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/hook", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://2130706433/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://10.0.0.1/", "private"),
        ("ftp://example.com/", "Only http"),
        ("https://user:pw@example.com/", "user name or password"),
    ],
)
def test_refused_addresses_answer_422_and_store_nothing(firm: Firm, api_as: ApiAs, url: str, message: str) -> None:
    admin = api_as(firm.admin_user)
    with unchanged():
        body = error_of(admin.post("/webhooks", {"format": "slack", "name": "x", "url": url}), 422)
    assert message in body["detail"] and body["field"] == "url"


def test_who_may_add_what(firm: Firm, api_as: ApiAs) -> None:
    hook = {"format": "webhook", "name": "n", "url": "http://127.0.0.1:9/x"}
    admin, manager, member = api_as(firm.admin_user), api_as(firm.manager_user), api_as(firm.member_user)
    allow_localhost(admin)
    with unchanged():
        error_of(manager.post("/webhooks", hook), 403)  # the whole organisation: administrators only
        error_of(member.post("/webhooks", {**hook, "project_id": firm.project.pk}), 403)
        error_of(manager.post("/webhooks", {**hook, "project_id": firm.other_project.pk}), 404)
        error_of(member.post("/allowed-hosts", {"host": "intranet.example"}), 403)
        error_of(member.get("/allowed-hosts"), 403)
        error_of(admin.post("/webhooks", {**hook, "kinds": ["no.such.kind"]}), 422)
        error_of(member.post("/me/channels", {"format": "webhook", "name": "n", "url": hook["url"]}), 422)
    made = manager.post("/webhooks", {**hook, "project_id": firm.project.pk})
    assert made.status_code == 201, made.content
    hook_id = made.json()["id"]
    assert [w["id"] for w in manager.get("/webhooks").json()] == [hook_id]
    assert member.get("/webhooks").json() == []
    with unchanged():
        error_of(member.get(f"/webhooks/{hook_id}"), 404)
        error_of(member.patch(f"/webhooks/{hook_id}", {"name": "mine now"}), 404)
        error_of(api_as(User.objects.get(pk=firm.other_admin.user_id)).get(f"/webhooks/{hook_id}"), 404)
        error_of(manager.get(f"/webhooks/{hook_id}/secret"), 403)  # shown once; administrators reveal it
    changed = manager.patch(f"/webhooks/{hook_id}", {"name": "Renamed", "active": False})
    assert changed.json()["name"] == "Renamed" and changed.json()["active"] is False
    assert changed.json()["disabled_reason"] == "Switched off by a person."
    assert manager.post(f"/webhooks/{hook_id}/enable").json()["active"] is True
    error_of(manager.post(f"/webhooks/{hook_id}/enable"), 409)
    rotated = manager.post(f"/webhooks/{hook_id}/rotate-secret").json()["secret"]
    assert rotated == Endpoint.objects.get(pk=hook_id).secret
    assert manager.delete(f"/webhooks/{hook_id}").status_code == 204
    assert not Endpoint.objects.filter(pk=hook_id).exists()


def test_my_channels_are_mine(firm: Firm, api_as: ApiAs) -> None:
    admin, member, member2 = api_as(firm.admin_user), api_as(firm.member_user), api_as(firm.member2_user)
    allow_localhost(admin)
    made = member.post("/me/channels", {"format": "slack", "name": "My Slack", "url": "http://127.0.0.1:9/s"})
    assert made.status_code == 201, made.content
    channel = made.json()
    assert channel["owner_id"] == firm.member_user.pk and "secret" not in channel
    assert [c["id"] for c in member.get("/me/channels").json()] == [channel["id"]]
    assert member2.get("/me/channels").json() == []
    assert [w["id"] for w in admin.get("/webhooks").json()] == []  # someone's own channel is not the org's
    with unchanged():
        error_of(member2.get(f"/webhooks/{channel['id']}"), 404)
        error_of(admin.delete(f"/webhooks/{channel['id']}"), 404)
        error_of(member.patch(f"/webhooks/{channel['id']}", {"kinds": ["risk.raised"]}), 422)
    assert member.delete(f"/webhooks/{channel['id']}").status_code == 204


def test_allowed_hosts(firm: Firm, api_as: ApiAs) -> None:
    admin = api_as(firm.admin_user)
    host_id = allow_localhost(admin)
    with unchanged():
        error_of(admin.post("/allowed-hosts", {"host": "127.0.0.1"}), 409)
        error_of(admin.post("/allowed-hosts", {"host": "intranet.example:8080"}), 422)
        error_of(admin.post("/allowed-hosts", {"host": "http://intranet.example/"}), 422)
    assert [h["host"] for h in admin.get("/allowed-hosts").json()] == ["127.0.0.1"]
    assert admin.delete(f"/allowed-hosts/{host_id}").status_code == 204
    body = error_of(admin.post("/webhooks", {"format": "teams", "name": "t", "url": "http://127.0.0.1:9/"}), 422)
    assert "loopback" in body["detail"]
