"""The signed-in user and their personal API tokens."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.actions import api_token_create, api_token_revoke
from margin.accounts.models import ApiToken
from margin.accounts.queries import api_tokens_of
from margin.api.pagination import Pages
from margin.api.schemas.accounts import MeOut, TokenCreatedOut, TokenIn, TokenOut
from margin.api.schemas.common import Id, responses
from margin.api.security import user_of, viewer_of

router = Router(tags=["accounts"])


@router.get("/me", response=responses(MeOut), summary="Who am I")
def me(request: HttpRequest) -> MeOut:
    user = user_of(request)
    viewer = viewer_of(request)
    return MeOut(
        user_id=user.pk,
        username=user.get_username(),
        email=user.email,
        organisation_id=viewer.organisation_id,
        role=viewer.role,
        person_id=viewer.person_id,
        company_ids=sorted(viewer.company_ids),
    )


@router.get("/me/tokens", response=responses(list[TokenOut]), summary="List my API tokens")
@paginate(Pages)
def token_list(request: HttpRequest) -> QuerySet[ApiToken]:
    return api_tokens_of(user_of(request).pk)


@router.post("/me/tokens", response=responses(TokenCreatedOut, 201), summary="Create an API token")
def token_create(request: HttpRequest, payload: TokenIn) -> Status[TokenCreatedOut]:
    """The secret is in this answer only; Margin keeps just its hash."""
    token, secret = api_token_create(user=user_of(request), name=payload.name, expires_in_days=payload.expires_in_days)
    return Status(
        201,
        TokenCreatedOut(
            id=token.pk,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            secret=secret,
        ),
    )


@router.delete("/me/tokens/{token_id}", response=responses(None, 204), summary="Revoke an API token")
def token_revoke(request: HttpRequest, token_id: Id) -> Status[None]:
    api_token_revoke(user=user_of(request), token_id=token_id)
    return Status(204, None)
