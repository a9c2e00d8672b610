"""Writes of outgoing hooks: create, change, delete, re-enable an endpoint, rotate its secret; the allowed
hosts. Every change writes an audit row; the secret and the URL's path (a Slack or Teams URL is itself a
credential) never go into one: the row names the host only.

Who (see `deliveries`): administrators for the organisation's endpoints and any project's; a project's manager
for that project's; everyone for their own Slack or Teams channel. A URL is checked by the address guard
(`addresses.check_url`) against the organisation's allowed hosts before anything is stored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction

from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.text import clean_text
from margin.notifications.addresses import check_url, normalise_host
from margin.notifications.deliveries import allowed_host_names, endpoint_get
from margin.notifications.models import AllowedHost, Endpoint, EndpointFormat
from margin.notifications.rules import EVENT_KINDS
from margin.notifications.signing import new_secret

MAX_URL = 2000
PERSONAL_FORMATS = (EndpointFormat.SLACK, EndpointFormat.TEAMS)


@dataclass(frozen=True)
class ProjectAccess:
    """A project the caller found the viewer may see (through the projects app's access function), and
    whether they manage it. Only callers that read projects can make one."""

    project_id: int
    manages: bool


def audit_picture(endpoint: Endpoint) -> dict[str, Any]:
    """What an audit row says of an endpoint: never the secret, and of the URL only its host."""
    return {
        "name": endpoint.name,
        "format": endpoint.format,
        "host": urlsplit(endpoint.url).hostname or "",
        "kinds": list(endpoint.kinds or []),
        "project_id": endpoint.project_id,
        "owner_id": endpoint.owner_id,
        "active": endpoint.active,
    }


def _clean_kinds(kinds: Iterable[str]) -> list[str]:
    chosen = sorted({str(k) for k in kinds})
    unknown = [k for k in chosen if k not in EVENT_KINDS]
    if unknown:
        raise Invalid(f"Unknown kind of event: {', '.join(unknown)}.", field="kinds")
    personal = [EVENT_KINDS[k].label for k in chosen if EVENT_KINDS[k].personal]
    if personal:
        raise Invalid(
            f"{personal[0]}: this kind speaks to one person and goes to their own channels only.", field="kinds"
        )
    return chosen


def _clean_url(organisation_id: int, url: str) -> str:
    text = (url or "").strip()
    if not text:
        raise Invalid("The URL is required.", field="url")
    if len(text) > MAX_URL:
        raise Invalid(f"The URL is longer than {MAX_URL} characters.", field="url")
    check_url(text, allowed_hosts=allowed_host_names(organisation_id))
    return text


@transaction.atomic
def endpoint_create(
    *,
    viewer: Viewer,
    format: str,
    name: str,
    url: str,
    kinds: Iterable[str] = (),
    project: ProjectAccess | None = None,
    personal: bool = False,
) -> Endpoint:
    """A new endpoint with a fresh secret (shown once by the caller; administrators can reveal it later)."""
    if format not in EndpointFormat.values:
        raise Invalid("Choose a format: webhook, slack or teams.", field="format")
    if personal:
        if format not in PERSONAL_FORMATS:
            raise Invalid("A personal channel is a Slack or Teams webhook.", field="format")
        if project is not None:
            raise Invalid("A personal channel is not tied to a project.", field="project")
    elif project is None:
        if not viewer.is_admin:
            raise Forbidden("Only administrators add webhooks for the whole organisation.")
    elif not (viewer.is_admin or project.manages):
        raise Forbidden("Only administrators and the project's manager add webhooks for a project.")
    endpoint = Endpoint.objects.create(
        organisation_id=viewer.organisation_id,
        format=format,
        name=clean_text(name, field="name", max_length=120, required=True),
        url=_clean_url(viewer.organisation_id, url),
        secret=new_secret(),
        kinds=[] if personal else _clean_kinds(kinds),
        project_id=project.project_id if project else None,
        owner_id=viewer.user_id if personal else None,
        created_by_id=viewer.user_id,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="notifications.endpoint.create",
        obj=endpoint,
        after=audit_picture(endpoint),
    )
    return endpoint


@transaction.atomic
def endpoint_update(
    *,
    viewer: Viewer,
    endpoint_id: int,
    managed_project_ids: Collection[int] = (),
    name: str | None = None,
    url: str | None = None,
    kinds: Iterable[str] | None = None,
    active: bool | None = None,
) -> Endpoint:
    """Change an endpoint's name, URL, kinds or switch it off/on (on: as `endpoint_enable`)."""
    endpoint = endpoint_get(viewer, endpoint_id, managed_project_ids)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    before = audit_picture(endpoint)
    if name is not None:
        endpoint.name = clean_text(name, field="name", max_length=120, required=True)
    if url is not None:
        endpoint.url = _clean_url(viewer.organisation_id, url)
    if kinds is not None:
        if endpoint.owner_id is not None and list(kinds):
            raise Invalid("A personal channel hears what your preferences choose, not a list of kinds.", field="kinds")
        endpoint.kinds = _clean_kinds(kinds)
    if active is not None and active != endpoint.active:
        endpoint.active = active
        if active:
            endpoint.consecutive_failures = 0
            endpoint.disabled_reason = ""
        else:
            endpoint.disabled_reason = "Switched off by a person."
    endpoint.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="notifications.endpoint.update",
        obj=endpoint,
        before=before,
        after=audit_picture(endpoint),
    )
    return endpoint


@transaction.atomic
def endpoint_enable(*, viewer: Viewer, endpoint_id: int, managed_project_ids: Collection[int] = ()) -> Endpoint:
    """Switch a disabled endpoint back on: its failure count starts again and what waited is sent."""
    endpoint = endpoint_get(viewer, endpoint_id, managed_project_ids)
    if endpoint.active:
        raise Conflict("This webhook is already on.")
    return endpoint_update(viewer=viewer, endpoint_id=endpoint_id, managed_project_ids=managed_project_ids, active=True)


@transaction.atomic
def endpoint_rotate_secret(*, viewer: Viewer, endpoint_id: int, managed_project_ids: Collection[int] = ()) -> Endpoint:
    """A new signing secret; the old one stops working at once (receivers must be updated)."""
    endpoint = endpoint_get(viewer, endpoint_id, managed_project_ids)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="notifications.endpoint.rotate_secret",
        obj=endpoint,
        after={"name": endpoint.name},
    )
    return endpoint


@transaction.atomic
def endpoint_delete(*, viewer: Viewer, endpoint_id: int, managed_project_ids: Collection[int] = ()) -> None:
    """Remove an endpoint with its delivery log; deliveries still waiting are dropped."""
    endpoint = endpoint_get(viewer, endpoint_id, managed_project_ids)
    picture = audit_picture(endpoint)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="notifications.endpoint.delete",
        obj=endpoint,
        before=picture,
    )
    endpoint.delete()


def may_reveal_secret(viewer: Viewer, endpoint: Endpoint) -> bool:
    """Administrators may show a webhook's secret again; others see it once, when it is made or rotated."""
    return viewer.is_admin and endpoint.organisation_id == viewer.organisation_id


def _is_host(name: str) -> bool:
    if not name or any(c.isspace() or c in "/@?#\\" for c in name):
        return False
    if ":" in name:  # only an IPv6 address has colons; "host:8080" is refused
        try:
            ipaddress.IPv6Address(name)
        except ValueError:
            return False
    return True


@transaction.atomic
def allowed_host_add(*, viewer: Viewer, host: str) -> AllowedHost:
    """Allow webhooks to a host that resolves to a private or loopback address (administrators only)."""
    if not viewer.is_admin:
        raise Forbidden("Only administrators allow hosts.")
    name = normalise_host(clean_text(host, field="host", max_length=253, required=True)).strip("[]")
    if not _is_host(name):
        raise Invalid("Give a host name or address only, without scheme, port or path.", field="host")
    try:
        with transaction.atomic():
            allowed = AllowedHost.objects.create(
                organisation_id=viewer.organisation_id, host=name, created_by_id=viewer.user_id
            )
    except IntegrityError as error:
        raise Conflict(f"{name} is already allowed.", field="host") from error
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="notifications.allowed_host.add",
        obj=allowed,
        after={"host": allowed.host},
    )
    return allowed


@transaction.atomic
def allowed_host_remove(*, viewer: Viewer, allowed_host_id: int) -> None:
    """Stop allowing a host (endpoints already pointing there fail their next send)."""
    if not viewer.is_admin:
        raise Forbidden("Only administrators allow hosts.")
    allowed = AllowedHost.objects.filter(organisation_id=viewer.organisation_id, id=allowed_host_id).first()
    if allowed is None:
        raise NotFound("No such allowed host.")
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="notifications.allowed_host.remove",
        obj=allowed,
        before={"host": allowed.host},
    )
    allowed.delete()
