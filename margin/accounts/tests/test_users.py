"""Users: invitations by e-mail with a set-password link, access, deactivation — each refusal changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core import mail
from django.db import transaction
from django.utils import timezone

from margin.accounts import actions
from margin.accounts.models import ApiToken, Invitation, Membership, Person
from margin.accounts.queries import user_rows, viewer_for
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from tests.checks import audit_row, refused
from tests.firm import Firm

GOOD_PASSWORD = "Tq7#vL9-mariposa-Ocelot"


@pytest.fixture(autouse=True)
def mail_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests run inside one transaction that never commits: send on-commit e-mails straight away."""
    monkeypatch.setattr(transaction, "on_commit", lambda call, using=None, robust=False: call())


def link_secret() -> str:
    """The secret of the set-password link in the last e-mail sent."""
    match = re.search(r"/invitations/([^/\s]+)/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def invite(firm: Firm, email: str = "ines@example.test", **extra: object) -> Invitation:
    arguments: dict[str, object] = {"access_role": "member", "company_ids": [], **extra}
    return actions.user_invite(viewer=firm.admin, email=email, **arguments)  # type: ignore[arg-type]


def test_an_invitation_makes_the_account_and_mails_a_set_password_link(firm: Firm) -> None:
    invitation = invite(
        firm, "Ines@Example.TEST", access_role="finance", company_ids=[firm.eur.pk], can_log_for_others=True
    )
    user = invitation.user
    assert user.username == user.email == "ines@example.test" and not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.can_log_for_others) == ("finance", True)
    assert list(membership.companies.values_list("id", flat=True)) == [firm.eur.pk]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ines@example.test"]
    secret = link_secret()
    assert secret not in invitation.key_hash  # only a hash is kept
    row = audit_row("user.invite", user)
    assert row.actor_id == firm.admin.user_id and row.after["role"] == "finance"
    assert [r.status for r in user_rows(firm.admin) if r.user_id == user.pk] == ["invited"]

    with refused(Invalid, invitation, match="too easy to guess"):
        actions.invitation_accept(secret=secret, password="ada12345")
    accepted = actions.invitation_accept(secret=secret, password=GOOD_PASSWORD)
    assert authenticate(username="ines@example.test", password=GOOD_PASSWORD) == accepted
    assert audit_row("user.invitation_accept", user).actor_id == user.pk
    with refused(Conflict, match="used already"):
        actions.invitation_accept(secret=secret, password=GOOD_PASSWORD + "x")


def test_inviting_an_email_that_has_an_account_is_refused(firm: Firm) -> None:
    with refused(Conflict, match="exists already"):
        invite(firm, "TOM@example.test")  # Tom's e-mail, in another letter case
    with refused(Invalid, match="not an e-mail"):
        invite(firm, "not-an-address")
    with refused(Invalid, match="access role"):
        invite(firm, access_role="owner")
    with refused(NotFound):
        invite(firm, company_ids=[firm.other_project.company_id])  # another organisation's company
    with refused(Forbidden):
        actions.user_invite(viewer=firm.manager, email="x@example.test", access_role="member", company_ids=[])


def test_an_invitation_links_the_person_with_that_email(firm: Firm) -> None:
    person = actions.person_create(
        viewer=firm.admin, company=firm.usd, role=firm.consultant, name="Ines", email="ines@example.test"
    )
    invitation = invite(firm, "ines@example.test")
    person.refresh_from_db()
    assert person.user_id == invitation.user_id
    assert viewer_for(invitation.user).person_id == person.pk


def test_links_that_cannot_be_used_say_why_and_change_nothing(firm: Firm) -> None:
    first = invite(firm)
    first_secret = link_secret()
    actions.user_invite_again(viewer=firm.admin, user_id=first.user_id)
    second_secret = link_secret()
    with refused(Conflict, match="replaced by a newer one"):
        actions.invitation_accept(secret=first_secret, password=GOOD_PASSWORD)
    with refused(NotFound, match="not valid"):
        actions.invitation_accept(secret="nonsense", password=GOOD_PASSWORD)
    Invitation.objects.filter(user_id=first.user_id).update(expires_at=timezone.now() - timedelta(minutes=1))
    with refused(Invalid, match="expired"):
        actions.invitation_accept(secret=second_secret, password=GOOD_PASSWORD)
    assert [r.status for r in user_rows(firm.admin) if r.user_id == first.user_id] == ["expired"]


def test_a_deactivated_users_invitation_link_is_refused(firm: Firm) -> None:
    invitation = invite(firm)
    secret = link_secret()
    actions.user_deactivate(viewer=firm.admin, user_id=invitation.user_id)
    with refused(Conflict, match="deactivated"):
        actions.invitation_accept(secret=secret, password=GOOD_PASSWORD)
    with refused(Conflict, match="deactivated"):
        actions.user_invite_again(viewer=firm.admin, user_id=invitation.user_id)


def test_deactivation_stops_sign_in_and_tokens_and_keeps_history(firm: Firm) -> None:
    _, _secret = actions.api_token_create(user=firm.member_user, name="ci")
    actions.user_deactivate(viewer=firm.admin, user_id=firm.member_user.pk)
    firm.member_user.refresh_from_db()
    assert not firm.member_user.is_active
    assert authenticate(username="tom", password="margin-test-pass") is None
    assert ApiToken.objects.get(user=firm.member_user).revoked_at is not None
    assert Person.objects.get(pk=firm.member_person.pk).user_id == firm.member_user.pk  # history stays linked
    row = audit_row("user.deactivate", firm.member_user)
    assert row.after == {"is_active": False, "invitations_voided": 0, "api_tokens_revoked": 1}
    with refused(Conflict, match="deactivated already"):
        actions.user_deactivate(viewer=firm.admin, user_id=firm.member_user.pk)
    actions.user_reactivate(viewer=firm.admin, user_id=firm.member_user.pk)
    assert authenticate(username="tom", password="margin-test-pass") == firm.member_user
    assert audit_row("user.reactivate", firm.member_user).after == {"is_active": True}


def test_administrators_cannot_lock_themselves_out(firm: Firm) -> None:
    with refused(Invalid, match="your own account"):
        actions.user_deactivate(viewer=firm.admin, user_id=firm.admin.user_id)
    with refused(Invalid, match="your own administrator role"):
        actions.user_access_set(
            viewer=firm.admin,
            user_id=firm.admin.user_id,
            access_role="member",
            company_ids=[],
            can_log_for_others=False,
        )


def test_access_is_set_and_audited(firm: Firm) -> None:
    membership = actions.user_access_set(
        viewer=firm.admin,
        user_id=firm.member_user.pk,
        access_role="manager",
        company_ids=[firm.usd.pk],
        can_log_for_others=True,
    )
    assert membership.role == "manager" and membership.can_log_for_others
    row = audit_row("membership.access", membership)
    assert row.before == {"role": "member", "can_log_for_others": False, "companies": []}
    assert row.after == {
        "role": "manager",
        "can_log_for_others": True,
        "companies": [firm.usd.pk],
        "user": firm.member_user.pk,
    }
    assert viewer_for(firm.member_user).company_ids == frozenset({firm.usd.pk})


def test_an_administrator_of_some_companies_manages_only_users_within_them(firm: Firm) -> None:
    actions.user_access_set(
        viewer=firm.admin,
        user_id=firm.finance_user.pk,
        access_role="admin",
        company_ids=[firm.eur.pk],
        can_log_for_others=False,
    )
    restricted = viewer_for(firm.finance_user)
    seen = {row.user_id for row in user_rows(restricted)}
    assert firm.member_user.pk not in seen  # Tom sees every company: wider than this administrator
    with refused(NotFound):
        actions.user_deactivate(viewer=restricted, user_id=firm.member_user.pk)
    with refused(Forbidden, match="companies you administer"):
        actions.user_invite(viewer=restricted, email="x@example.test", access_role="member", company_ids=[])
    with refused(NotFound):
        actions.user_invite(viewer=restricted, email="x@example.test", access_role="member", company_ids=[firm.usd.pk])
    invitation = actions.user_invite(
        viewer=restricted, email="x@example.test", access_role="member", company_ids=[firm.eur.pk]
    )
    assert invitation.user_id in {row.user_id for row in user_rows(restricted)}


def test_users_of_another_organisation_are_not_found(firm: Firm) -> None:
    with refused(NotFound):
        actions.user_deactivate(viewer=firm.admin, user_id=firm.other_admin.user_id)
    with refused(NotFound):
        actions.user_invite_again(viewer=firm.admin, user_id=firm.other_admin.user_id)


@pytest.mark.parametrize("password", ["ada12345", "AcmePartners2026", "AcmeUS2026", "ines@example.test", "ines1234567"])
def test_weak_passwords_are_refused(firm: Firm, password: str) -> None:
    invitation = invite(firm)
    with refused(Invalid):
        actions.invitation_accept(secret=link_secret(), password=password)
    assert not User.objects.get(pk=invitation.user_id).has_usable_password()


def test_password_change_is_validated_and_audited(firm: Firm) -> None:
    with refused(Invalid, match="too easy to guess"):
        actions.user_password_set(user=firm.member_user, password="tom12345678", reason="change")
    actions.user_password_set(user=firm.member_user, password=GOOD_PASSWORD, reason="change")
    assert authenticate(username="tom", password=GOOD_PASSWORD) == firm.member_user
    assert audit_row("user.password_change", firm.member_user).actor_id == firm.member_user.pk


def test_the_firms_name_and_a_year_is_refused(db: None) -> None:
    """`Northwind2026` in Northwind Consulting: zxcvbn alone scores it 3, with the firm's names as known words 1."""
    admin = User.objects.create_user(username="ada", email="ada@northwind.example")
    organisation = actions.organisation_create(name="Northwind Consulting", slug="northwind", admin=admin)
    assert organisation.pk
    with refused(Invalid, match="too easy to guess"):
        actions.user_password_set(user=admin, password="Northwind2026", reason="change")
    with refused(Invalid, match="too easy to guess"):
        actions.user_password_set(user=admin, password="ada12345", reason="change")
    actions.user_password_set(user=admin, password=GOOD_PASSWORD, reason="change")
