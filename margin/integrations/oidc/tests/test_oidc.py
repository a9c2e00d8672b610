"""Single sign-on end to end against a real OpenID provider running locally (oidc-provider-mock, on a
thread): Django's test client follows the authorisation-code flow; the provider signs real ID tokens.

The mock's ID tokens carry no `kid`, so the provider's public key is given as OIDC_RP_IDP_SIGN_KEY (PEM),
as an installation with such a provider would do (docs/deploy.md)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pyotp
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from joserfc.jwk import RSAKey

from margin.accounts import actions
from margin.accounts.models import SignInFailure
from margin.accounts.twofactor import two_factor_begin, two_factor_confirm
from margin.core.models import AuditEntry
from tests.checks import audit_rows
from tests.firm import Firm

oidc_provider_mock = pytest.importorskip("oidc_provider_mock")

BACKENDS = ["django.contrib.auth.backends.ModelBackend", "margin.integrations.oidc.backend.InvitedUserBackend"]


@pytest.fixture(scope="module")
def provider() -> Iterator[dict[str, Any]]:
    with oidc_provider_mock.run_server_in_thread(
        port=0, require_client_registration=True, require_nonce=True
    ) as server:
        base = f"http://localhost:{server.server_port}"
        discovery = httpx.get(f"{base}/.well-known/openid-configuration").json()
        key = httpx.get(discovery["jwks_uri"]).json()["keys"][0]
        pem = RSAKey.import_key(key).as_pem(private=False).decode()
        client = httpx.post(
            discovery["registration_endpoint"],
            json={
                "redirect_uris": ["http://testserver/oidc/callback/"],
                "token_endpoint_auth_method": "client_secret_post",
            },
        ).json()
        yield {"base": base, "discovery": discovery, "pem": pem, "client": client}


@pytest.fixture
def sso(settings: Any, provider: dict[str, Any]) -> dict[str, Any]:
    discovery, client = provider["discovery"], provider["client"]
    settings.AUTHENTICATION_BACKENDS = BACKENDS
    settings.OIDC_RP_CLIENT_ID = client["client_id"]
    settings.OIDC_RP_CLIENT_SECRET = client["client_secret"]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = discovery["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = discovery["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = discovery["userinfo_endpoint"]
    settings.OIDC_RP_IDP_SIGN_KEY = provider["pem"]
    settings.OIDC_OP_ISSUER = discovery["issuer"]
    return provider


def provider_user(provider: dict[str, Any], sub: str, **claims: Any) -> None:
    response = httpx.put(f"{provider['base']}/users/{sub}", json=claims)
    assert response.status_code == 204, response.text


def sign_in_through(client: Client, sub: str) -> Any:
    """Press the SSO button, sign in as `sub` at the provider, come back; the last response."""
    start = client.get(reverse("oidc_authentication_init"))
    assert start.status_code == 302, start.content
    at_provider = httpx.post(start["Location"], data={"sub": sub})
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["location"])
    assert back.path == "/oidc/callback/"
    return client.get(f"{back.path}?{back.query}", follow=True)


def test_an_invited_user_signs_in_with_single_sign_on(firm: Firm, sso: dict[str, Any]) -> None:
    invitation = actions.user_invite(viewer=firm.admin, email="Ines@Example.test", access_role="member", company_ids=[])
    provider_user(sso, "ines-sub", email="ines@example.test", email_verified=True, name="Ines")
    client = Client()
    page = sign_in_through(client, "ines-sub")
    assert page.redirect_chain[-1][0] == reverse("web:home")
    assert int(client.session["_auth_user_id"]) == invitation.user_id
    row = audit_rows("user.sign_in", invitation.user)[-1]
    assert row.after["method"] == "sso" and row.organisation_id == firm.admin.organisation_id


def test_the_sso_button_shows_only_when_configured(firm: Firm, settings: Any, sso: dict[str, Any]) -> None:
    assert b'data-testid="sso"' in Client().get(reverse("web:login")).content
    settings.AUTHENTICATION_BACKENDS = BACKENDS[:1]
    assert b'data-testid="sso"' not in Client().get(reverse("web:login")).content
    assert Client().get(reverse("oidc_authentication_init")).status_code == 404


def test_someone_not_invited_is_refused_and_no_account_is_made(firm: Firm, sso: dict[str, Any]) -> None:
    provider_user(sso, "mallory", email="mallory@example.test", email_verified=True)
    users, audits = User.objects.count(), AuditEntry.objects.count()
    client = Client()
    page = sign_in_through(client, "mallory")
    assert page.redirect_chain[-1][0] == reverse("web:login")
    assert "No Margin account has the e-mail address mallory@example.test" in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users and AuditEntry.objects.count() == audits
    assert SignInFailure.objects.filter(username="mallory@example.test").exists()


def test_an_unverified_email_is_refused(firm: Firm, sso: dict[str, Any]) -> None:
    actions.user_invite(viewer=firm.admin, email="vic@example.test", access_role="member", company_ids=[])
    provider_user(sso, "vic", email="vic@example.test", email_verified=False)
    client = Client()
    page = sign_in_through(client, "vic")
    assert "has not verified the e-mail address" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_deactivated_user_is_refused_and_their_session_ends(firm: Firm, sso: dict[str, Any]) -> None:
    invitation = actions.user_invite(viewer=firm.admin, email="dan@example.test", access_role="member", company_ids=[])
    provider_user(sso, "dan", email="dan@example.test", email_verified=True)
    client = Client()
    sign_in_through(client, "dan")
    assert client.get(reverse("web:home")).status_code == 200
    actions.user_deactivate(viewer=firm.admin, user_id=invitation.user_id)
    assert client.get(reverse("web:home")).status_code == 302  # the SSO session is gone too
    page = sign_in_through(Client(), "dan")
    assert "This account is deactivated" in page.content.decode()
    failure = audit_rows("user.sign_in_failed", invitation.user)[-1]
    assert failure.after["reason"] == "sso_deactivated"


def test_single_sign_on_asks_for_the_second_factor_when_the_user_has_one(firm: Firm, sso: dict[str, Any]) -> None:
    device = two_factor_begin(user=firm.member_user)
    two_factor_confirm(user=firm.member_user, code=pyotp.TOTP(device.secret).at(time.time() - 30))
    provider_user(sso, "tom", email=firm.member_user.email, email_verified=True)
    client = Client()
    page = sign_in_through(client, "tom")
    assert page.redirect_chain[-1][0] == reverse("web:sign_in_code")
    assert "_auth_user_id" not in client.session
    code = pyotp.TOTP(device.secret).now()
    done = client.post(reverse("web:sign_in_code"), {"code": code})
    assert done.status_code == 302 and int(client.session["_auth_user_id"]) == firm.member_user.pk
    assert audit_rows("user.sign_in", firm.member_user)[-1].after["method"] == "sso+totp"
