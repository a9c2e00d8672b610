"""Users of the organisation (administrators): invite by e-mail, access role and companies, deactivate,
reset a second factor, and the organisation's two-factor rule. The same actions as Settings → Users."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.actions import (
    user_access_set,
    user_deactivate,
    user_invite,
    user_invite_again,
    user_reactivate,
)
from margin.accounts.queries import UserRow, Viewer, organisation_of, user_rows
from margin.accounts.twofactor import organisation_two_factor_set, two_factor_reset
from margin.api.pagination import Pages
from margin.api.schemas.common import Id, responses
from margin.api.schemas.users import AccessIn, InvitationIn, TwoFactorPolicyIn, TwoFactorPolicyOut, UserOut
from margin.api.security import viewer_of
from margin.core.errors import Forbidden, NotFound

router = Router(tags=["users"])


def _admin(request: HttpRequest) -> Viewer:
    viewer = viewer_of(request)
    if not viewer.is_admin:
        raise Forbidden("Only administrators manage users.")
    return viewer


def _out(row: UserRow) -> UserOut:
    user = row.membership.user
    return UserOut(
        id=user.pk,
        username=user.get_username(),
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        role=row.membership.role,
        company_ids=row.company_ids,
        can_log_for_others=row.membership.can_log_for_others,
        status=row.status,
        two_factor=row.two_factor,
        invitation_expires_at=row.invitation.expires_at if row.invitation is not None else None,
        last_login=user.last_login,
    )


def _one(viewer: Viewer, user_id: int) -> UserOut:
    rows = user_rows(viewer, user_id)
    if not rows:  # pragma: no cover - the action found them a moment ago
        raise NotFound("No such user.")
    return _out(rows[0])


@router.get("/users", response=responses(list[UserOut]), summary="List users (administrators)")
@paginate(Pages)
def user_list(request: HttpRequest) -> list[UserOut]:
    return [_out(row) for row in user_rows(_admin(request))]


@router.post(
    "/users/invitations",
    response=responses(UserOut, 201),
    summary="Invite someone by e-mail (administrators)",
)
def invitation_create(request: HttpRequest, payload: InvitationIn) -> Status[UserOut]:
    """Makes the account (username = e-mail) with its access and e-mails a link to set the password."""
    viewer = _admin(request)
    invitation = user_invite(
        viewer=viewer,
        email=payload.email,
        access_role=payload.role,
        company_ids=list(payload.company_ids),
        can_log_for_others=payload.can_log_for_others,
        first_name=payload.first_name,
        last_name=payload.last_name,
    )
    return Status(201, _one(viewer, invitation.user_id))


@router.get("/users/{user_id}", response=responses(UserOut), summary="Get a user (administrators)")
def user_detail(request: HttpRequest, user_id: Id) -> UserOut:
    return _one(_admin(request), user_id)


@router.post("/users/{user_id}/invitation", response=responses(UserOut), summary="Send the invitation again")
def invitation_resend(request: HttpRequest, user_id: Id) -> UserOut:
    viewer = _admin(request)
    user_invite_again(viewer=viewer, user_id=user_id)
    return _one(viewer, user_id)


@router.put("/users/{user_id}/access", response=responses(UserOut), summary="Set a user's access")
def access_set(request: HttpRequest, user_id: Id, payload: AccessIn) -> UserOut:
    viewer = _admin(request)
    user_access_set(
        viewer=viewer,
        user_id=user_id,
        access_role=payload.role,
        company_ids=list(payload.company_ids),
        can_log_for_others=payload.can_log_for_others,
    )
    return _one(viewer, user_id)


@router.post("/users/{user_id}/deactivate", response=responses(UserOut), summary="Deactivate a user")
def deactivate(request: HttpRequest, user_id: Id) -> UserOut:
    """They can no longer sign in; their sessions, API tokens and invitation links stop. Their history stays."""
    viewer = _admin(request)
    user_deactivate(viewer=viewer, user_id=user_id)
    return _one(viewer, user_id)


@router.post("/users/{user_id}/reactivate", response=responses(UserOut), summary="Reactivate a user")
def reactivate(request: HttpRequest, user_id: Id) -> UserOut:
    viewer = _admin(request)
    user_reactivate(viewer=viewer, user_id=user_id)
    return _one(viewer, user_id)


@router.delete("/users/{user_id}/two-factor", response=responses(None, 204), summary="Reset a user's second factor")
def two_factor_remove(request: HttpRequest, user_id: Id) -> Status[None]:
    two_factor_reset(viewer=_admin(request), user_id=user_id)
    return Status(204, None)


@router.get("/organisation/two-factor", response=responses(TwoFactorPolicyOut), summary="Is two-factor required")
def two_factor_policy(request: HttpRequest) -> TwoFactorPolicyOut:
    return TwoFactorPolicyOut(required=organisation_of(viewer_of(request)).require_two_factor)


@router.put(
    "/organisation/two-factor",
    response=responses(TwoFactorPolicyOut),
    summary="Require two-factor authentication of every member (administrators)",
)
def two_factor_policy_set(request: HttpRequest, payload: TwoFactorPolicyIn) -> TwoFactorPolicyOut:
    organisation = organisation_two_factor_set(viewer=_admin(request), required=payload.required)
    return TwoFactorPolicyOut(required=organisation.require_two_factor)
