"""Reads of clients (visible to everyone in the organisation)."""

from __future__ import annotations

from django.db.models import QuerySet

from margin.accounts.queries import Viewer
from margin.core.errors import NotFound
from margin.crm.models import Client


def clients_visible(viewer: Viewer) -> QuerySet[Client]:
    return Client.objects.filter(organisation_id=viewer.organisation_id)


def client_get(viewer: Viewer, client_id: int) -> Client:
    client = clients_visible(viewer).filter(id=client_id).first()
    if client is None:
        raise NotFound("No such client.")
    return client
