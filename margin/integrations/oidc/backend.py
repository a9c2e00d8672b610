"""The OpenID Connect authentication backend: the provider's e-mail finds an account an administrator
invited; nobody is created.

On top of mozilla-django-oidc's checks (state, nonce, PKCE, the ID token's signature and algorithm) it
checks the token's audience (our client id) and, when OIDC_OP_ISSUER is set, its issuer; it wants the
e-mail verified by the provider (unless OIDC_TRUST_UNVERIFIED_EMAIL); it refuses deactivated accounts,
also for sessions already open (`get_user`). Every refusal says why on the sign-in page and is recorded
as a failed sign-in (`accounts.signin.sso_refused`).
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from margin.accounts.queries import users_for_sso
from margin.accounts.signin import sso_refused
from margin.web.access import client_address

log = logging.getLogger("margin.signin")

BACKEND = "margin.integrations.oidc.backend.InvitedUserBackend"


class Refused(SuspiciousOperation):
    """A sign-in the provider vouched for but Margin refuses; the message is for the person."""


class InvitedUserBackend(OIDCAuthenticationBackend):
    def _refuse(self, message: str, *, email: str = "", user: User | None = None, reason: str) -> None:
        request = getattr(self, "request", None)
        if request is not None:
            messages.error(request, message)
            sso_refused(user=user, email=email, address=client_address(request), reason=reason)
        raise Refused(message)

    def authenticate(self, request: Any, **kwargs: Any) -> User | None:
        try:
            user: User | None = super().authenticate(request, **kwargs)
        except requests.RequestException as failure:
            log.warning("single sign-on: the provider failed: %s", failure)
            if request is not None:
                messages.error(request, "Single sign-on failed: your provider did not answer as expected. Try again.")
            return None
        return user

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is for another client.")
        issuer = settings.OIDC_OP_ISSUER
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("The ID token comes from another issuer.")
        return payload

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        email = str(claims.get("email") or "")
        if not email:
            self._refuse(
                "Your sign-in provider did not share your e-mail address, so no account matches.", reason="sso_no_email"
            )
        if claims.get("email_verified") is not True and not settings.OIDC_TRUST_UNVERIFIED_EMAIL:
            self._refuse(
                f"Your sign-in provider has not verified the e-mail address {email}; "
                "Margin cannot match it to an account.",
                email=email,
                reason="sso_unverified_email",
            )
        return True

    def filter_users_by_claims(self, claims: dict[str, Any]) -> list[User]:
        email = str(claims.get("email") or "")
        users = users_for_sso(email)
        if not users:
            self._refuse(
                f"No Margin account has the e-mail address {email}. Ask your administrator to invite you.",
                email=email,
                reason="sso_no_account",
            )
        if len(users) > 1:
            self._refuse(
                f"Several Margin accounts have the e-mail address {email}; ask your administrator.",
                email=email,
                reason="sso_several_accounts",
            )
        if not users[0].is_active:
            self._refuse(
                "This account is deactivated; ask your administrator.",
                email=email,
                user=users[0],
                reason="sso_deactivated",
            )
        return users

    def create_user(self, claims: dict[str, Any]) -> User:  # pragma: no cover - OIDC_CREATE_USER is False
        raise Refused("Margin does not create accounts at sign-in.")

    def get_user(self, user_id: int) -> User | None:
        """The user of a session signed in through SSO, while they are active (as Django's ModelBackend)."""
        return User.objects.filter(pk=user_id, is_active=True).first()
