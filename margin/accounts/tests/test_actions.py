"""Organisations, companies, roles, people and API tokens: each change audited, each refusal a no-op."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User

from margin.accounts import actions
from margin.accounts.models import ApiToken, Company, Membership, Organisation, Person, Role
from margin.accounts.queries import (
    api_tokens_of,
    companies_visible,
    company_get,
    people_visible,
    person_get,
    role_get,
    viewer_for,
)
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from tests.checks import audit_row, refused
from tests.firm import Firm


def _user(name: str) -> User:
    return User.objects.create_user(username=name, password="x")


# --- organisation ------------------------------------------------------------------------------


def test_organisation_create_makes_its_creator_admin(db: None) -> None:
    founder = _user("founder")
    org = actions.organisation_create(name="  Initech  ", slug="initech", admin=founder)
    assert org.name == "Initech"
    assert Membership.objects.get(organisation=org, user=founder).role == "admin"
    row = audit_row("organisation.create", org)
    assert (row.actor_id, row.organisation_id, row.before, row.after) == (founder.pk, org.pk, None, {"name": "Initech"})
    viewer = viewer_for(founder)
    assert viewer.is_admin and viewer.organisation_id == org.pk and viewer.company_ids == frozenset()


@pytest.mark.parametrize(
    ("name", "slug", "error"),
    [
        ("Bad\x00name", "bad", Invalid),
        ("", "empty", Invalid),
        ("x" * 201, "long", Invalid),
        ("Acme again", "acme", Conflict),  # the slug is taken
        ("Odd slug", "Not a slug!", Invalid),
        ("Long slug", "s" * 65, Invalid),
    ],
)
def test_organisation_create_refusals(firm: Firm, name: str, slug: str, error: type[Exception]) -> None:
    founder = _user("founder")
    with refused(error):  # type: ignore[arg-type]
        actions.organisation_create(name=name, slug=slug, admin=founder)


# --- companies and roles -----------------------------------------------------------------------


def test_company_create(firm: Firm) -> None:
    company = actions.company_create(
        viewer=firm.admin, name="Acme JP", base_currency="JPY", tax_id="JP-9", country="jp", address="Tokyo"
    )
    assert (company.organisation_id, company.base_currency, company.country) == (
        firm.admin.organisation_id,
        "JPY",
        "JP",
    )
    row = audit_row("company.create", company)
    assert row.actor_id == firm.admin_user.pk
    assert row.after == {
        "name": "Acme JP",
        "legal_name": "",
        "base_currency": "JPY",
        "tax_id": "JP-9",
        "address": "Tokyo",
        "country": "JP",
        "email": "",
        "invoice_number_format": "{YYYY}-{NNNN}",
        "bank_name": "",
        "iban": "",
        "bic": "",
        "fiscal_year_start_month": 1,
    }


@pytest.mark.parametrize(
    ("who", "changes", "error", "match"),
    [
        ("finance", {}, Forbidden, "administrator"),
        ("manager", {}, Forbidden, "administrator"),
        ("admin", {"base_currency": "XXX"}, Invalid, "Unknown currency"),
        ("admin", {"base_currency": "eur"}, Invalid, "Unknown currency"),
        ("admin", {"name": "Acme US"}, Conflict, "exists already"),
        ("admin", {"name": "Acme\x00"}, Invalid, "NUL"),
        ("admin", {"name": "A" * 201}, Invalid, "longer than 200"),
        ("admin", {"name": "   "}, Invalid, "required"),
        ("admin", {"country": "USA"}, Invalid, "longer than 2"),
        ("admin", {"tax_id": "\x00"}, Invalid, "NUL"),
    ],
)
def test_company_create_refusals(firm: Firm, who: str, changes: dict[str, str], error: type, match: str) -> None:
    values = {"name": "Acme UK", "base_currency": "GBP", **changes}
    with refused(error, match=match):
        actions.company_create(viewer=getattr(firm, who), **values)


def test_role_create_and_refusals(firm: Firm) -> None:
    role = actions.role_create(viewer=firm.admin, name="Partner")
    assert audit_row("role.create", role).after == {"name": "Partner"}
    with refused(Conflict, match="exists already"):
        actions.role_create(viewer=firm.admin, name="Partner")
    with refused(Forbidden):
        actions.role_create(viewer=firm.manager, name="Director")
    with refused(Invalid, match="NUL"):
        actions.role_create(viewer=firm.admin, name="Dir\x00ector")
    # Role names are per organisation: the rival firm may use the same name.
    assert actions.role_create(viewer=firm.other_admin, name="Partner").organisation_id != role.organisation_id


# --- people ------------------------------------------------------------------------------------


def test_person_create_with_sign_in(firm: Firm) -> None:
    user = _user("newbie")
    person = actions.person_create(
        viewer=firm.admin,
        company=firm.eur,
        role=firm.consultant,
        name="New Bie",
        email="  NewBie@Example.test ",
        user=user,
        access_role="member",
    )
    assert person.email == "newbie@example.test"
    assert Membership.objects.get(user=user).role == "member"
    row = audit_row("person.create", person)
    assert row.actor_id == firm.admin_user.pk
    assert row.after == {
        "name": "New Bie",
        "email": "newbie@example.test",
        "company": firm.eur.pk,
        "role": firm.consultant.pk,
        "user": user.pk,
        "weekly_capacity_minutes": 2400,
        "active": True,
        "start_date": None,
        "end_date": None,
        "manager": None,
    }
    assert viewer_for(user).person_id == person.pk


def test_person_create_refusals(firm: Firm) -> None:
    base = {"company": firm.usd, "role": firm.consultant, "name": "Sam", "email": "sam@example.test"}
    with refused(Forbidden):
        actions.person_create(viewer=firm.manager, **base)  # type: ignore[arg-type]
    with refused(Conflict, match="exists already"):
        actions.person_create(viewer=firm.admin, **{**base, "email": "TOM@example.test"})  # type: ignore[arg-type]
    with refused(Invalid, match="168 hours"):
        actions.person_create(viewer=firm.admin, weekly_capacity_minutes=169 * 60, **base)  # type: ignore[arg-type]
    sam = _user("sam")
    with refused(Invalid, match="access role"):
        actions.person_create(viewer=firm.admin, user=sam, access_role="owner", **base)  # type: ignore[arg-type]
    with refused(Conflict, match="already"):  # one person per user
        actions.person_create(viewer=firm.admin, user=firm.member_user, access_role="member", **base)  # type: ignore[arg-type]
    with refused(Invalid, match="NUL"):
        actions.person_create(viewer=firm.admin, **{**base, "name": "S\x00m"})  # type: ignore[arg-type]
    other_company = Company.objects.get(organisation_id=firm.other_admin.organisation_id)
    with refused(NotFound):
        actions.person_create(viewer=firm.admin, **{**base, "company": other_company})  # type: ignore[arg-type]
    other_role = Role.objects.get(organisation_id=firm.other_admin.organisation_id)
    with refused(NotFound):
        actions.person_create(viewer=firm.admin, **{**base, "role": other_role})  # type: ignore[arg-type]


# --- API tokens --------------------------------------------------------------------------------


def test_api_token_lifecycle(firm: Firm) -> None:
    token, secret = actions.api_token_create(user=firm.member_user, name="laptop")
    assert secret.startswith(actions.TOKEN_PREFIX) and token.prefix == secret[:12]
    assert secret not in token.key_hash  # only a hash is kept
    assert audit_row("api_token.create", token).after == {
        "name": "laptop",
        "prefix": token.prefix,
        "expires_at": token.expires_at.isoformat(),
    }
    assert actions.api_token_authenticate(secret) == firm.member_user
    with pytest.raises(Unauthenticated, match="not valid"):
        actions.api_token_authenticate(secret + "x")
    with pytest.raises(Unauthenticated, match="not valid"):
        actions.api_token_authenticate("not-a-token")
    assert list(api_tokens_of(firm.member_user.pk)) == [token]

    with refused(NotFound):  # someone else's token
        actions.api_token_revoke(user=firm.member2_user, token_id=token.pk)
    actions.api_token_revoke(user=firm.member_user, token_id=token.pk)
    assert audit_row("api_token.revoke", token).before == {"revoked_at": None}
    with pytest.raises(Unauthenticated, match="revoked"):
        actions.api_token_authenticate(secret)
    assert list(api_tokens_of(firm.member_user.pk)) == []
    with refused(NotFound):  # twice
        actions.api_token_revoke(user=firm.member_user, token_id=token.pk)


def test_api_token_of_an_inactive_user_does_not_authenticate(firm: Firm) -> None:
    _, secret = actions.api_token_create(user=firm.member_user, name="ci")
    User.objects.filter(pk=firm.member_user.pk).update(is_active=False)
    with pytest.raises(Unauthenticated, match="deactivated"):
        actions.api_token_authenticate(secret)


def test_api_token_name_is_checked(firm: Firm) -> None:
    with refused(Invalid):
        actions.api_token_create(user=firm.member_user, name="")
    with refused(Invalid, match="NUL"):
        actions.api_token_create(user=firm.member_user, name="a\x00b")
    assert ApiToken.objects.count() == 0


# --- who sees what -----------------------------------------------------------------------------


def test_viewer_for_needs_a_signed_in_member(firm: Firm) -> None:
    with pytest.raises(NotFound):
        viewer_for(AnonymousUser())
    with pytest.raises(NotFound, match="no organisation"):
        viewer_for(_user("stranger"))


def test_viewer_roles_and_companies(firm: Firm) -> None:
    assert firm.admin.is_admin and firm.admin.is_finance and firm.admin.sees_all_projects
    assert firm.finance.is_finance and not firm.finance.is_admin
    assert not firm.manager.is_finance and not firm.member.sees_all_projects
    assert firm.member.company_ids == {firm.usd.pk, firm.eur.pk}  # no restriction: every company
    assert firm.member.person_id == firm.member_person.pk
    assert Organisation.objects.count() == 2
    assert Person.objects.filter(organisation_id=firm.admin.organisation_id).count() == 5


def test_access_functions_answer_not_found_across_organisations_and_companies(firm: Firm) -> None:
    rival_company = Company.objects.get(organisation_id=firm.other_admin.organisation_id)
    rival_person = Person.objects.get(organisation_id=firm.other_admin.organisation_id)
    rival_role = Role.objects.get(organisation_id=firm.other_admin.organisation_id)
    for call in (
        lambda: company_get(firm.admin, rival_company.pk),
        lambda: person_get(firm.admin, rival_person.pk),
        lambda: role_get(firm.admin, rival_role.pk),
        lambda: company_get(firm.other_admin, firm.usd.pk),
        lambda: person_get(firm.other_admin, firm.member_person.pk),
        lambda: role_get(firm.other_admin, firm.consultant.pk),
        lambda: company_get(firm.admin, 10**9),
    ):
        with pytest.raises(NotFound):
            call()
    assert company_get(firm.member, firm.eur.pk) == firm.eur
    # Restricted to the EUR company, finance no longer sees the USD company or its people.
    Membership.objects.get(user=firm.finance_user).companies.set([firm.eur])
    restricted = viewer_for(firm.finance_user)
    assert restricted.company_ids == {firm.eur.pk}
    assert list(companies_visible(restricted)) == [firm.eur]
    assert list(people_visible(restricted)) == []
    with pytest.raises(NotFound):
        company_get(restricted, firm.usd.pk)
    with pytest.raises(NotFound):
        person_get(restricted, firm.member_person.pk)
