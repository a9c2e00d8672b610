"""Clients: who the firm bills, and their contacts."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from margin.api.pagination import Pages
from margin.api.schemas.common import Id, responses
from margin.api.schemas.crm import ClientIn, ClientOut, ClientPatch, ContactIn, ContactOut, ContactPatch
from margin.api.security import viewer_of
from margin.crm.actions import client_create, client_update, contact_create, contact_delete, contact_update
from margin.crm.models import Client, Contact
from margin.crm.queries import client_get, clients_visible, contact_get, contacts_of

router = Router(tags=["clients"])


@router.get("", response=responses(list[ClientOut]), summary="List clients")
@paginate(Pages)
def client_list(request: HttpRequest) -> QuerySet[Client]:
    return clients_visible(viewer_of(request)).order_by("name", "id")


@router.post("", response=responses(ClientOut, 201), summary="Create a client")
def client_add(request: HttpRequest, payload: ClientIn) -> Status[Client]:
    details = payload.model_dump()
    name, currency = details.pop("name"), details.pop("currency")
    return Status(201, client_create(viewer=viewer_of(request), name=name, currency=currency, **details))


@router.get("/{client_id}", response=responses(ClientOut), summary="Get a client")
def client_detail(request: HttpRequest, client_id: Id) -> Client:
    return client_get(viewer_of(request), client_id)


@router.patch("/{client_id}", response=responses(ClientOut), summary="Change a client")
def client_change(request: HttpRequest, client_id: Id, payload: ClientPatch) -> Client:
    viewer = viewer_of(request)
    client = client_get(viewer, client_id)
    return client_update(viewer=viewer, client=client, **payload.model_dump(exclude_unset=True, exclude_none=True))


@router.get("/{client_id}/contacts", response=responses(list[ContactOut]), summary="A client's contacts")
@paginate(Pages)
def contact_list(request: HttpRequest, client_id: Id) -> QuerySet[Contact]:
    viewer = viewer_of(request)
    return contacts_of(viewer, client_get(viewer, client_id))


@router.post("/{client_id}/contacts", response=responses(ContactOut, 201), summary="Add a contact to a client")
def contact_add(request: HttpRequest, client_id: Id, payload: ContactIn) -> Status[Contact]:
    viewer = viewer_of(request)
    client = client_get(viewer, client_id)
    details = payload.model_dump()
    return Status(201, contact_create(viewer=viewer, client=client, **details))


@router.patch("/{client_id}/contacts/{contact_id}", response=responses(ContactOut), summary="Change a contact")
def contact_change(request: HttpRequest, client_id: Id, contact_id: Id, payload: ContactPatch) -> Contact:
    viewer = viewer_of(request)
    contact = contact_get(viewer, client_get(viewer, client_id), contact_id)
    return contact_update(viewer=viewer, contact=contact, **payload.model_dump(exclude_unset=True, exclude_none=True))


@router.delete("/{client_id}/contacts/{contact_id}", response=responses(None, 204), summary="Remove a contact")
def contact_remove(request: HttpRequest, client_id: Id, contact_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    contact_delete(viewer=viewer, contact=contact_get(viewer, client_get(viewer, client_id), contact_id))
    return Status(204, None)
