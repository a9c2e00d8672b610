"""Job roles (Consultant, Senior Consultant...): what people hold and rate cards price."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.actions import role_create, role_update
from margin.accounts.models import Role
from margin.accounts.queries import role_get, roles_visible
from margin.api.pagination import Pages
from margin.api.schemas.accounts import RoleIn, RoleOut
from margin.api.schemas.common import Id, responses
from margin.api.security import viewer_of

router = Router(tags=["roles"])


@router.get("", response=responses(list[RoleOut]), summary="List roles")
@paginate(Pages)
def role_list(request: HttpRequest) -> QuerySet[Role]:
    return roles_visible(viewer_of(request)).order_by("name", "id")


@router.post("", response=responses(RoleOut, 201), summary="Create a role (administrators)")
def role_add(request: HttpRequest, payload: RoleIn) -> Status[Role]:
    return Status(201, role_create(viewer=viewer_of(request), name=payload.name))


@router.get("/{role_id}", response=responses(RoleOut), summary="Get a role")
def role_detail(request: HttpRequest, role_id: Id) -> Role:
    return role_get(viewer_of(request), role_id)


@router.patch("/{role_id}", response=responses(RoleOut), summary="Rename a role (administrators)")
def role_change(request: HttpRequest, role_id: Id, payload: RoleIn) -> Role:
    viewer = viewer_of(request)
    return role_update(viewer=viewer, role=role_get(viewer, role_id), name=payload.name)
