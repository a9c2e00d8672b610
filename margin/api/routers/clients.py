"""Clients: who the firm bills."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from margin.api.pagination import Pages
from margin.api.schemas.common import Id, responses
from margin.api.schemas.crm import ClientIn, ClientOut, ClientPatch
from margin.api.security import viewer_of
from margin.crm.actions import client_create, client_update
from margin.crm.models import Client
from margin.crm.queries import client_get, clients_visible

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
