"""Who may call the API: sessions (with CSRF), personal bearer tokens, and nobody else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from margin.accounts.models import ApiToken
from margin.api.tests.conftest import BASE, Api, bearer, error_of, unchanged
from margin.core.models import AuditEntry
from tests.firm import PASSWORD, Firm


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/me"),
        ("get", "/projects"),
        ("get", "/time-entries/week?week=2026-01-05"),
        ("post", "/clients"),
        ("post", "/time-entries"),
        ("post", "/invoices/1/issue"),
        ("delete", "/time-entries/1"),
    ],
)
def test_anonymous_requests_get_401_json(firm: Firm, method: str, path: str) -> None:
    client = Api(Client())
    with unchanged():
        response = getattr(client, method)(path, {"name": "X"}) if method == "post" else getattr(client, method)(path)
    body = error_of(response, 401, "unauthorized")
    assert "Bearer" in body["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_session_sign_in_then_me(firm: Firm) -> None:
    client = Client()
    assert client.login(username=firm.member_user.username, password=PASSWORD)
    response = client.get(f"{BASE}/me")
    assert response.status_code == 200
    me = response.json()
    assert me["username"] == "tom"
    assert me["role"] == "member"
    assert me["person_id"] == firm.member_person.pk
    assert me["organisation_id"] == firm.member.organisation_id


def test_session_writes_need_the_csrf_token(firm: Firm) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(firm.admin_user)
    with unchanged():
        response = client.post(f"{BASE}/roles", {"name": "Architect"}, content_type="application/json")
    error_of(response, 403, "forbidden")
    assert "CSRF" in response.json()["detail"]

    # What a browser does: echo the csrftoken cookie's value in the X-CSRFToken header.
    secret = "k" * 32  # a well-formed CSRF secret (32 alphanumerics)
    client.cookies["csrftoken"] = secret
    response = client.post(
        f"{BASE}/roles", {"name": "Architect"}, content_type="application/json", headers={"X-CSRFToken": secret}
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Architect"


def test_token_lifecycle_create_use_list_revoke(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    session = api_as(firm.member_user)
    response = session.post("/me/tokens", {"name": "CI export"})
    assert response.status_code == 201, response.content
    created = response.json()
    secret = created["secret"]
    assert secret.startswith("mgn_") and secret[:12] == created["prefix"]
    token = ApiToken.objects.get(pk=created["id"])
    assert token.key_hash != secret and secret not in token.key_hash  # only the hash is stored
    assert AuditEntry.objects.filter(action="api_token.create", object_id=token.pk).exists()

    # The token works on its own, without a session and without CSRF, for reads and writes.
    api = bearer(secret)
    me = api.get("/me")
    assert me.status_code == 200 and me.json()["username"] == "tom"
    assert api.post("/me/tokens", {"name": "second"}).status_code == 201

    listed = api.get("/me/tokens").json()
    assert listed["count"] == 2
    assert {t["name"] for t in listed["items"]} == {"CI export", "second"}
    assert all("secret" not in t for t in listed["items"])

    assert api.delete(f"/me/tokens/{token.pk}").status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    error_of(api.get("/me"), 401, "unauthorized")


def test_wrong_bearer_token_is_401_even_with_a_session(firm: Firm) -> None:
    client = Client(headers={"Authorization": "Bearer mgn_not-a-real-token"})
    client.force_login(firm.admin_user)
    body = error_of(client.get(f"{BASE}/me"), 401, "unauthorized")
    assert "token" in body["detail"]


def test_someone_elses_token_cannot_be_revoked(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    mine = api_as(firm.member_user).post("/me/tokens", {"name": "mine"}).json()
    other = api_as(firm.member2_user)
    token = ApiToken.objects.get(pk=mine["id"])
    with unchanged(token):
        error_of(other.delete(f"/me/tokens/{token.pk}"), 404, "not_found")
    assert other.get("/me/tokens").json()["count"] == 0


def test_token_name_is_validated(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    api = api_as(firm.member_user)
    with unchanged():
        error_of(api.post("/me/tokens", {"name": "x" * 101}), 422, "validation_error")
        error_of(api.post("/me/tokens", {"name": "bad\u0000name"}), 422, "validation_error")
        error_of(api.post("/me/tokens", {"name": "   "}), 422, "invalid")


def test_user_of_no_organisation_gets_404(db: None) -> None:
    user = User.objects.create_user(username="loner", password=PASSWORD)
    client = Client()
    client.force_login(user)
    error_of(client.get(f"{BASE}/projects"), 404, "not_found")
