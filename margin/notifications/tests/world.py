"""Outgoing hooks in the world of tests.roles (the money matrix): an organisation-wide webhook to an address
that cannot resolve (`.invalid`: a test send fails at once, offline) and an allowed host."""

from __future__ import annotations

from margin.notifications.models import AllowedHost, Endpoint, EndpointFormat
from margin.notifications.signing import new_secret
from tests.firm import Firm


def hook_ids(firm: Firm) -> dict[str, object]:
    organisation_id = firm.admin.organisation_id
    webhook = Endpoint.objects.create(
        organisation_id=organisation_id,
        format=EndpointFormat.WEBHOOK,
        name="ERP",
        url="https://hooks.example.invalid/margin",
        secret=new_secret(),
        created_by_id=firm.admin.user_id,
    )
    allowed = AllowedHost.objects.create(organisation_id=organisation_id, host="intranet.example")
    return {"webhook_id": webhook.pk, "allowed_host_id": allowed.pk}
