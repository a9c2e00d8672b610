"""/users (administrators), the organisation's two-factor rule, and tokens that expire."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from margin.accounts.models import ApiToken, Organisation
from margin.accounts.twofactor import two_factor_begin, two_factor_confirm
from margin.api.tests.conftest import bearer, error_of, unchanged
from tests.checks import audit_row
from tests.firm import Firm


@pytest.fixture(autouse=True)
def mail_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transaction, "on_commit", lambda call, using=None, robust=False: call())


def test_invite_list_change_access_and_deactivate(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    api = api_as(firm.admin_user)
    created = api.post(
        "/users/invitations", {"email": "ines@example.test", "role": "finance", "company_ids": [firm.eur.pk]}
    )
    assert created.status_code == 201, created.content
    ines = created.json()
    assert ines["status"] == "invited" and ines["role"] == "finance" and ines["company_ids"] == [firm.eur.pk]
    assert ines["invitation_expires_at"] and len(mail.outbox) == 1

    listed = api.get("/users").json()["items"]
    assert {u["username"] for u in listed} >= {"tom", "ines@example.test"}
    assert "rival-admin" not in {u["username"] for u in listed}

    changed = api.put(f"/users/{ines['id']}/access", {"role": "manager", "company_ids": [], "can_log_for_others": True})
    assert changed.status_code == 200 and changed.json()["role"] == "manager" and changed.json()["company_ids"] == []

    resent = api.post(f"/users/{ines['id']}/invitation")
    assert resent.status_code == 200 and len(mail.outbox) == 2

    gone = api.post(f"/users/{ines['id']}/deactivate")
    assert gone.status_code == 200 and gone.json()["status"] == "deactivated"
    assert audit_row("user.deactivate").object_id == ines["id"]
    with unchanged():
        error_of(api.post(f"/users/{ines['id']}/invitation"), 409, "conflict")
        error_of(api.post(f"/users/{ines['id']}/deactivate"), 409, "conflict")
    assert api.post(f"/users/{ines['id']}/reactivate").json()["status"] == "expired"  # send the link again


def test_bad_invitations_change_nothing(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    api = api_as(firm.admin_user)
    with unchanged():
        body = error_of(
            api.post("/users/invitations", {"email": "tom@example.test", "role": "member"}), 409, "conflict"
        )
        assert "exists already" in body["detail"] and body["field"] == "email"
        error_of(api.post("/users/invitations", {"email": "nope", "role": "member"}), 422, "invalid")
        error_of(api.post("/users/invitations", {"email": "x@example.test", "role": "owner"}), 422, "invalid")
        error_of(
            api.post("/users/invitations", {"email": "x@example.test", "role": "member", "company_ids": [999]}),
            404,
            "not_found",
        )
        error_of(api.post(f"/users/{firm.admin_user.pk}/deactivate"), 422, "invalid")
        error_of(api.post(f"/users/{firm.other_admin.user_id}/deactivate"), 404, "not_found")
    assert mail.outbox == []


def test_users_are_for_administrators(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    api = api_as(firm.manager_user)
    with unchanged():
        error_of(api.get("/users"), 403, "forbidden")
        error_of(api.post("/users/invitations", {"email": "x@example.test", "role": "member"}), 403, "forbidden")
        error_of(api.put("/organisation/two-factor", {"required": True}), 403, "forbidden")


def test_tokens_expire_and_say_so(firm: Firm, api_as, settings) -> None:  # type: ignore[no-untyped-def]
    api = api_as(firm.member_user)
    created = api.post("/me/tokens", {"name": "ci"}).json()
    lifetime = timezone.datetime.fromisoformat(created["expires_at"]) - timezone.now()
    assert timedelta(days=89) < lifetime <= timedelta(days=90)
    short = api.post("/me/tokens", {"name": "short", "expires_in_days": 1}).json()
    assert timezone.datetime.fromisoformat(short["expires_at"]) - timezone.now() <= timedelta(days=1)
    with unchanged():
        body = error_of(api.post("/me/tokens", {"name": "forever", "expires_in_days": 366}), 422, "invalid")
        assert "between 1 and 365 days" in body["detail"]
    assert bearer(created["secret"]).get("/me").status_code == 200
    ApiToken.objects.filter(pk=created["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    body = error_of(bearer(created["secret"]).get("/me"), 401, "unauthorized")
    assert "expired" in body["detail"]
    assert created["id"] not in {t["id"] for t in api.get("/me/tokens").json()["items"]}


def test_a_deactivated_users_token_answers_401(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    secret = api_as(firm.member_user).post("/me/tokens", {"name": "ci"}).json()["secret"]
    assert api_as(firm.admin_user).post(f"/users/{firm.member_user.pk}/deactivate").status_code == 200
    error_of(bearer(secret).get("/me"), 401, "unauthorized")
    error_of(bearer(secret).get("/projects"), 401, "unauthorized")


def test_a_required_second_factor_blocks_api_access_until_set_up(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    secret = api_as(firm.member_user).post("/me/tokens", {"name": "ci"}).json()["secret"]
    admin = api_as(firm.admin_user)
    with unchanged():
        body = error_of(admin.put("/organisation/two-factor", {"required": True}), 422, "invalid")
        assert "your own account first" in body["detail"]
    device = two_factor_begin(user=firm.admin_user)
    two_factor_confirm(user=firm.admin_user, code=pyotp.TOTP(device.secret).at(time.time() - 30))
    assert admin.put("/organisation/two-factor", {"required": True}).json() == {"required": True}
    assert Organisation.objects.get(pk=firm.admin.organisation_id).require_two_factor
    body = error_of(bearer(secret).get("/projects"), 403, "two_factor_required")
    assert "two-factor" in body["detail"]
    error_of(api_as(firm.member_user).get("/projects"), 403, "two_factor_required")
    assert admin.get("/users").status_code == 200
    assert admin.delete(f"/users/{firm.admin_user.pk}/two-factor").status_code == 204
