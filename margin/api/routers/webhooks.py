"""Outgoing hooks: /webhooks (the organisation's and projects' signed webhooks, Slack and Teams endpoints: list,
add, one, change, delete, send a test, the delivery log, switch back on, reveal or rotate the secret),
/allowed-hosts (administrators: on-premises receivers the address guard lets through) and /me/channels (a
person's own Slack and Teams channels). Who may do what is the actions' business
(:mod:`margin.notifications.endpoints`); an endpoint the caller does not manage answers 404."""

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from margin.accounts.queries import Viewer
from margin.api.schemas.common import Id, responses
from margin.api.schemas.webhooks import (
    AllowedHostIn,
    AllowedHostOut,
    ChannelIn,
    DeliveryOut,
    WebhookChangeIn,
    WebhookIn,
    WebhookOut,
    WebhookSecretOut,
)
from margin.api.security import viewer_of
from margin.core.errors import Forbidden
from margin.notifications.deliveries import (
    allowed_hosts_of,
    channels_of,
    deliveries_of,
    endpoint_get,
    endpoints_managed,
)
from margin.notifications.delivery import endpoint_send_test
from margin.notifications.endpoints import (
    ProjectAccess,
    allowed_host_add,
    allowed_host_remove,
    endpoint_create,
    endpoint_delete,
    endpoint_enable,
    endpoint_rotate_secret,
    endpoint_update,
    may_reveal_secret,
)
from margin.notifications.models import AllowedHost, Delivery, Endpoint
from margin.projects.queries import can_manage, project_get, projects_visible

router = Router(tags=["webhooks"])
hosts_router = Router(tags=["webhooks"])
channels_router = Router(tags=["webhooks"])


def managed_project_ids(viewer: Viewer) -> frozenset[int]:
    """The projects whose endpoints the viewer manages besides the organisation's (admins: all of them)."""
    if viewer.person_id is None:
        return frozenset()
    return frozenset(projects_visible(viewer).filter(manager_id=viewer.person_id).values_list("id", flat=True))


def webhook_out(endpoint: Endpoint, *, secret: bool = False) -> dict[str, Any]:
    out = {
        "id": endpoint.pk,
        "format": endpoint.format,
        "name": endpoint.name,
        "url": endpoint.url,
        "kinds": list(endpoint.kinds or []),
        "project_id": endpoint.project_id,
        "owner_id": endpoint.owner_id,
        "active": endpoint.active,
        "disabled_reason": endpoint.disabled_reason,
        "consecutive_failures": endpoint.consecutive_failures,
        "created_at": endpoint.created_at,
    }
    if secret:
        out["secret"] = endpoint.secret
    return out


def delivery_out(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "event_id": delivery.event_id,
        "event_kind": delivery.event.kind,
        "event_text": delivery.event.text,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
        "tries": [
            {
                "at": t.at,
                "status_code": t.status_code,
                "error": t.error,
                "response_excerpt": t.response_excerpt,
                "duration_ms": t.duration_ms,
            }
            for t in delivery.tries.all()
        ],
    }


def allowed_host_out(allowed: AllowedHost) -> dict[str, Any]:
    return {"id": allowed.pk, "host": allowed.host, "created_at": allowed.created_at}


@router.get("", response=responses(list[WebhookOut]), summary="The webhooks you manage (organisation, projects)")
def webhook_list(request: HttpRequest) -> list[dict[str, Any]]:
    viewer = viewer_of(request)
    return [webhook_out(e) for e in endpoints_managed(viewer, managed_project_ids(viewer))]


@router.post("", response=responses(WebhookSecretOut, 201), summary="Add a webhook (its secret is shown once)")
def webhook_add(request: HttpRequest, payload: WebhookIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    project = None
    if payload.project_id is not None:
        found = project_get(viewer, payload.project_id)
        project = ProjectAccess(project_id=found.pk, manages=can_manage(viewer, found))
    endpoint = endpoint_create(
        viewer=viewer,
        format=payload.format,
        name=payload.name,
        url=payload.url,
        kinds=payload.kinds,
        project=project,
    )
    return Status(201, webhook_out(endpoint, secret=True))


@router.get("/{webhook_id}", response=responses(WebhookOut), summary="One webhook")
def webhook_detail(request: HttpRequest, webhook_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    return webhook_out(endpoint_get(viewer, webhook_id, managed_project_ids(viewer)))


@router.patch("/{webhook_id}", response=responses(WebhookOut), summary="Change a webhook, or switch it off or on")
def webhook_change(request: HttpRequest, webhook_id: Id, payload: WebhookChangeIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    endpoint = endpoint_update(
        viewer=viewer,
        endpoint_id=webhook_id,
        managed_project_ids=managed_project_ids(viewer),
        name=payload.name,
        url=payload.url,
        kinds=payload.kinds,
        active=payload.active,
    )
    return webhook_out(endpoint)


@router.delete("/{webhook_id}", response=responses(None, 204), summary="Delete a webhook and its delivery log")
def webhook_remove(request: HttpRequest, webhook_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    endpoint_delete(viewer=viewer, endpoint_id=webhook_id, managed_project_ids=managed_project_ids(viewer))
    return Status(204, None)


@router.post("/{webhook_id}/test", response=responses(DeliveryOut), summary="Send a test message now")
def webhook_test(request: HttpRequest, webhook_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    delivery = endpoint_send_test(
        viewer=viewer, endpoint_id=webhook_id, managed_project_ids=managed_project_ids(viewer)
    )
    found = deliveries_of(delivery.endpoint, limit=1)
    return delivery_out(found[0] if found else delivery)


@router.get("/{webhook_id}/deliveries", response=responses(list[DeliveryOut]), summary="The delivery log")
def webhook_deliveries(request: HttpRequest, webhook_id: Id) -> list[dict[str, Any]]:
    viewer = viewer_of(request)
    endpoint = endpoint_get(viewer, webhook_id, managed_project_ids(viewer))
    return [delivery_out(d) for d in deliveries_of(endpoint)]


@router.post("/{webhook_id}/enable", response=responses(WebhookOut), summary="Switch a switched-off webhook on")
def webhook_enable(request: HttpRequest, webhook_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    return webhook_out(
        endpoint_enable(viewer=viewer, endpoint_id=webhook_id, managed_project_ids=managed_project_ids(viewer))
    )


@router.get("/{webhook_id}/secret", response=responses(WebhookSecretOut), summary="Reveal the secret (admins)")
def webhook_secret(request: HttpRequest, webhook_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    endpoint = endpoint_get(viewer, webhook_id, managed_project_ids(viewer))
    if not may_reveal_secret(viewer, endpoint) and endpoint.owner_id != viewer.user_id:
        raise Forbidden("Only administrators reveal a webhook's secret again; rotate it to get a new one.")
    return webhook_out(endpoint, secret=True)


@router.post("/{webhook_id}/rotate-secret", response=responses(WebhookSecretOut), summary="A new signing secret")
def webhook_rotate(request: HttpRequest, webhook_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    endpoint = endpoint_rotate_secret(
        viewer=viewer, endpoint_id=webhook_id, managed_project_ids=managed_project_ids(viewer)
    )
    return webhook_out(endpoint, secret=True)


@hosts_router.get("", response=responses(list[AllowedHostOut]), summary="Allowed on-premises hosts (admins)")
def allowed_host_list(request: HttpRequest) -> list[dict[str, Any]]:
    viewer = viewer_of(request)
    if not viewer.is_admin:
        raise Forbidden("Only administrators see the allowed hosts.")
    return [allowed_host_out(a) for a in allowed_hosts_of(viewer)]


@hosts_router.post("", response=responses(AllowedHostOut, 201), summary="Allow a host (admins)")
def allowed_host_post(request: HttpRequest, payload: AllowedHostIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    return Status(201, allowed_host_out(allowed_host_add(viewer=viewer, host=payload.host)))


@hosts_router.delete("/{allowed_host_id}", response=responses(None, 204), summary="Stop allowing a host (admins)")
def allowed_host_delete(request: HttpRequest, allowed_host_id: Id) -> Status[None]:
    allowed_host_remove(viewer=viewer_of(request), allowed_host_id=allowed_host_id)
    return Status(204, None)


@channels_router.get("", response=responses(list[WebhookOut]), summary="Your own Slack and Teams channels")
def channel_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [webhook_out(e) for e in channels_of(viewer_of(request))]


@channels_router.post("", response=responses(WebhookOut, 201), summary="Add your own Slack or Teams channel")
def channel_add(request: HttpRequest, payload: ChannelIn) -> Status[dict[str, Any]]:
    endpoint = endpoint_create(
        viewer=viewer_of(request), format=payload.format, name=payload.name, url=payload.url, personal=True
    )
    return Status(201, webhook_out(endpoint))
