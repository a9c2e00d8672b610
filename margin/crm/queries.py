"""Reads of clients and their contacts (visible to everyone in the organisation)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from margin.accounts.queries import Viewer
from margin.core.errors import NotFound
from margin.crm.models import Client, Contact


def clients_visible(viewer: Viewer) -> QuerySet[Client]:
    return Client.objects.filter(organisation_id=viewer.organisation_id)


def client_get(viewer: Viewer, client_id: int) -> Client:
    client = clients_visible(viewer).filter(id=client_id).first()
    if client is None:
        raise NotFound("No such client.")
    return client


def clients_search(viewer: Viewer, text: str = "", *, active: bool | None = None) -> QuerySet[Client]:
    """Clients whose name, tax id, billing e-mail or a contact's name or e-mail contains `text`."""
    clients = clients_visible(viewer)
    words = text.split()
    for word in words:
        clients = clients.filter(
            Q(name__icontains=word)
            | Q(tax_id__icontains=word)
            | Q(billing_email__icontains=word)
            | Q(contacts__name__icontains=word)
            | Q(contacts__email__icontains=word)
        )
    if active is not None:
        clients = clients.filter(active=active)
    return clients.distinct() if words else clients


def contacts_of(viewer: Viewer, client: Client) -> QuerySet[Contact]:
    return Contact.objects.filter(organisation_id=viewer.organisation_id, client_id=client.pk)


def contact_get(viewer: Viewer, client: Client, contact_id: int) -> Contact:
    contact = contacts_of(viewer, client).filter(id=contact_id).first()
    if contact is None:
        raise NotFound("No such contact.")
    return contact


def invoice_recipient(viewer: Viewer, client: Client) -> Contact | None:
    """Whom an invoice to `client` is addressed to: the contact who receives invoices, the primary one first."""
    return contacts_of(viewer, client).filter(billing=True).order_by("-primary", "name", "id").first()
