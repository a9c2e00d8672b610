"""Who is calling: a personal API token (`Authorization: Bearer …`) or a Django session (with CSRF).

Both give the request its user (`request.auth`); every endpoint then works from the `Viewer` of
that user, which is what the access functions of the domain take.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from margin.accounts.actions import api_token_authenticate
from margin.accounts.queries import Viewer, second_factor_due, viewer_for
from margin.core.errors import Forbidden, Unauthenticated

TWO_FACTOR_DUE = (
    "Your organisation requires two-factor authentication: set it up in Margin (Security → Two-factor) first."
)


def _allowed(user: User) -> User:
    """An authenticated user whose organisation requires a second factor they have not set up gets 403."""
    if second_factor_due(user.pk):
        raise Forbidden(TWO_FACTOR_DUE, code="two_factor_required")
    return user


class BearerToken(HttpBearer):
    """`Authorization: Bearer mgn_…`: a personal token made at POST /me/tokens. No CSRF: a browser
    never adds this header on its own."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        try:
            user = api_token_authenticate(token)
        except Unauthenticated as refused:
            # A token was given and is wrong (unknown, revoked, expired, its user deactivated): say so rather
            # than falling back to the session.
            raise AuthenticationError(message=refused.message) from None
        return _allowed(user)


class SessionAuth(APIKeyCookie):
    """The signed-in Django session. Unsafe methods must carry the CSRF token (X-CSRFToken header),
    exactly as Django's own views require; a request without a signed-in session is simply not
    authenticated by this method (401, not a CSRF 403)."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)  # checks CSRF, then authenticate()

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not request.user.is_authenticated or not isinstance(request.user, User):
            return None
        return _allowed(request.user)


def user_of(request: HttpRequest) -> User:
    user = getattr(request, "auth", None)
    if not isinstance(user, User):  # pragma: no cover - every operation requires authentication
        raise AuthenticationError()
    return user


def viewer_of(request: HttpRequest) -> Viewer:
    """The viewer of the authenticated user (404 if they belong to no organisation), read once per
    request: the endpoint and the money fields of its answer (`margin.api.money`) share it."""
    viewer = getattr(request, "_margin_viewer", None)
    if not isinstance(viewer, Viewer) or viewer.user_id != user_of(request).pk:
        viewer = viewer_for(user_of(request))
        request._margin_viewer = viewer  # type: ignore[attr-defined]
    return viewer
