from __future__ import annotations

import pytest

from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.notifications.deliveries import channels_of, endpoint_get, endpoints_managed
from margin.notifications.endpoints import (
    ProjectAccess,
    allowed_host_add,
    allowed_host_remove,
    endpoint_create,
    endpoint_delete,
    endpoint_enable,
    endpoint_rotate_secret,
    endpoint_update,
)
from margin.notifications.models import AllowedHost, Endpoint
from tests.checks import audit_row, refused
from tests.firm import Firm

pytestmark = pytest.mark.django_db
LOCAL = "http://127.0.0.1:9/hook"


def allow(firm: Firm) -> None:
    allowed_host_add(viewer=firm.admin, host="127.0.0.1")


def test_create_checks_the_address_and_audits_without_the_secret(firm: Firm) -> None:
    allow(firm)
    endpoint = endpoint_create(viewer=firm.admin, format="webhook", name=" ERP ", url=LOCAL, kinds=["risk.raised"])
    assert endpoint.name == "ERP" and len(endpoint.secret) == 64 and endpoint.kinds == ["risk.raised"]
    row = audit_row("notifications.endpoint.create", endpoint)
    assert row.after == {
        "name": "ERP",
        "format": "webhook",
        "host": "127.0.0.1",
        "kinds": ["risk.raised"],
        "project_id": None,
        "owner_id": None,
        "active": True,
    }
    with refused(Invalid, match="link-local"):
        endpoint_create(viewer=firm.admin, format="slack", name="x", url="http://169.254.169.254/")
    with refused(Invalid, match="Unknown kind of event: nope"):
        endpoint_create(viewer=firm.admin, format="slack", name="x", url=LOCAL, kinds=["nope"])
    with refused(Invalid, match="goes to their own channels only"):
        endpoint_create(viewer=firm.admin, format="slack", name="x", url=LOCAL, kinds=["comment.mentioned"])
    with refused(Invalid, match="Choose a format"):
        endpoint_create(viewer=firm.admin, format="email", name="x", url=LOCAL)
    with refused(Invalid, match="Name is required"):
        endpoint_create(viewer=firm.admin, format="slack", name="  ", url=LOCAL)


def test_who_manages_which_endpoint(firm: Firm) -> None:
    allow(firm)
    glx = ProjectAccess(project_id=firm.project.pk, manages=True)
    with refused(Forbidden):
        endpoint_create(viewer=firm.manager, format="webhook", name="x", url=LOCAL)
    with refused(Forbidden):
        endpoint_create(
            viewer=firm.member,
            format="webhook",
            name="x",
            url=LOCAL,
            project=ProjectAccess(project_id=firm.project.pk, manages=False),
        )
    mine = endpoint_create(viewer=firm.manager, format="teams", name="GLX", url=LOCAL, project=glx)
    managed = {firm.project.pk}
    assert list(endpoints_managed(firm.manager, managed)) == [mine]
    assert list(endpoints_managed(firm.admin)) == [mine]
    assert list(endpoints_managed(firm.member)) == []
    with refused(NotFound):
        endpoint_update(viewer=firm.manager, endpoint_id=mine.pk, name="y")  # not told they manage GLX-1
    with refused(NotFound):
        endpoint_get(firm.other_admin, mine.pk)
    changed = endpoint_update(viewer=firm.manager, endpoint_id=mine.pk, managed_project_ids=managed, name="GLX ops")
    assert changed.name == "GLX ops"
    assert audit_row("notifications.endpoint.update", mine).before["name"] == "GLX"  # type: ignore[index]


def test_personal_channels(firm: Firm) -> None:
    allow(firm)
    with refused(Invalid, match="Slack or Teams"):
        endpoint_create(viewer=firm.member, format="webhook", name="x", url=LOCAL, personal=True)
    channel = endpoint_create(viewer=firm.member, format="slack", name="Me", url=LOCAL, personal=True, kinds=["x"])
    assert channel.owner_id == firm.member_user.pk and channel.kinds == []
    assert list(channels_of(firm.member)) == [channel] and list(channels_of(firm.member2)) == []
    assert list(endpoints_managed(firm.admin)) == []
    with refused(NotFound):
        endpoint_delete(viewer=firm.admin, endpoint_id=channel.pk)
    with refused(Invalid, match="preferences"):
        endpoint_update(viewer=firm.member, endpoint_id=channel.pk, kinds=["risk.raised"])
    endpoint_delete(viewer=firm.member, endpoint_id=channel.pk)
    assert not Endpoint.objects.filter(pk=channel.pk).exists()
    assert audit_row("notifications.endpoint.delete").before["owner_id"] == firm.member_user.pk  # type: ignore[index]


def test_switch_off_on_and_rotate(firm: Firm) -> None:
    allow(firm)
    endpoint = endpoint_create(viewer=firm.admin, format="webhook", name="ERP", url=LOCAL)
    with refused(Conflict, endpoint, match="already on"):
        endpoint_enable(viewer=firm.admin, endpoint_id=endpoint.pk)
    Endpoint.objects.filter(pk=endpoint.pk).update(active=False, consecutive_failures=10, disabled_reason="x")
    enabled = endpoint_enable(viewer=firm.admin, endpoint_id=endpoint.pk)
    assert enabled.active and enabled.consecutive_failures == 0 and enabled.disabled_reason == ""
    old = endpoint.secret
    rotated = endpoint_rotate_secret(viewer=firm.admin, endpoint_id=endpoint.pk)
    assert rotated.secret != old and len(rotated.secret) == 64
    row = audit_row("notifications.endpoint.rotate_secret", endpoint)
    assert old not in str(row.after) and rotated.secret not in str(row.after)


def test_allowed_hosts_are_for_administrators(firm: Firm) -> None:
    with refused(Forbidden):
        allowed_host_add(viewer=firm.manager, host="intranet.example")
    allowed = allowed_host_add(viewer=firm.admin, host="Intranet.Example.")
    assert allowed.host == "intranet.example"
    assert allowed_host_add(viewer=firm.admin, host="[::1]").host == "::1"
    with refused(Conflict):
        allowed_host_add(viewer=firm.admin, host="intranet.example")
    for bad in ["intranet.example:8080", "http://x/", "a b", "user@host"]:
        with refused(Invalid, match="without scheme"):
            allowed_host_add(viewer=firm.admin, host=bad)
    with refused(NotFound):
        allowed_host_remove(viewer=firm.other_admin, allowed_host_id=allowed.pk)
    allowed_host_remove(viewer=firm.admin, allowed_host_id=allowed.pk)
    assert not AllowedHost.objects.filter(pk=allowed.pk).exists()
