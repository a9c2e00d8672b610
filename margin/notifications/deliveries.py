"""Reads of outgoing hooks: the endpoints a person may manage, one endpoint (404 otherwise), its delivery log
and the organisation's allowed hosts.

Who manages which endpoint: administrators every endpoint of their organisation that is not someone's
personal channel; a project manager those of the projects they manage; everyone their own personal Slack and
Teams channels (owner = themselves). The projects a viewer manages live in an app above this one, so callers
(web and API, which may read projects) pass `managed_project_ids`.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Prefetch, Q, QuerySet

from margin.accounts.queries import Viewer
from margin.core.errors import NotFound
from margin.notifications.models import AllowedHost, Attempt, Delivery, Endpoint

LOG_SIZE = 50


def endpoints_managed(viewer: Viewer, managed_project_ids: Collection[int] = ()) -> QuerySet[Endpoint]:
    """The organisation's and projects' endpoints the viewer manages (personal channels excluded)."""
    shared = Endpoint.objects.filter(organisation_id=viewer.organisation_id, owner__isnull=True)
    if viewer.is_admin:
        return shared.order_by("name", "id")
    return shared.filter(project_id__in=list(managed_project_ids)).order_by("name", "id")


def channels_of(viewer: Viewer) -> QuerySet[Endpoint]:
    """The viewer's own Slack and Teams channels."""
    return Endpoint.objects.filter(organisation_id=viewer.organisation_id, owner_id=viewer.user_id).order_by(
        "name", "id"
    )


def may_manage_q(viewer: Viewer, managed_project_ids: Collection[int]) -> Q:
    own = Q(owner_id=viewer.user_id)
    if viewer.is_admin:
        return own | Q(owner__isnull=True)
    return own | Q(owner__isnull=True, project_id__in=list(managed_project_ids))


def endpoint_get(viewer: Viewer, endpoint_id: int, managed_project_ids: Collection[int] = ()) -> Endpoint:
    """One endpoint the viewer manages; NotFound for anything else (another organisation's, another person's
    channel, a project they do not manage)."""
    endpoint = (
        Endpoint.objects.filter(organisation_id=viewer.organisation_id, id=endpoint_id)
        .filter(may_manage_q(viewer, managed_project_ids))
        .first()
    )
    if endpoint is None:
        raise NotFound("No such webhook.")
    return endpoint


def deliveries_of(endpoint: Endpoint, *, limit: int = LOG_SIZE) -> list[Delivery]:
    """The endpoint's latest deliveries, newest first, with their attempts (oldest first) and events."""
    return list(
        Delivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .prefetch_related(Prefetch("tries", queryset=Attempt.objects.order_by("at", "id")))
        .order_by("-created_at", "-id")[:limit]
    )


def allowed_hosts_of(viewer: Viewer) -> QuerySet[AllowedHost]:
    return AllowedHost.objects.filter(organisation_id=viewer.organisation_id).order_by("host")


def allowed_host_names(organisation_id: int) -> set[str]:
    return set(AllowedHost.objects.filter(organisation_id=organisation_id).values_list("host", flat=True))
