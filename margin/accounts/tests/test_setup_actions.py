"""The writes a firm sets itself up with: renaming the organisation and roles, a company's details, a person's
changes (end date, user link, company). Each change audited; each refusal changes nothing."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User

from margin.accounts import actions
from margin.accounts.models import Company, Membership, Organisation, Person
from margin.accounts.queries import people_search, viewer_for
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from tests.checks import audit_row, refused
from tests.firm import Firm


def test_organisation_rename(firm: Firm) -> None:
    organisation = actions.organisation_update(viewer=firm.admin, name="  Acme & Co ")
    assert organisation.name == "Acme & Co"
    row = audit_row("organisation.update", organisation)
    assert (row.before, row.after) == ({"name": "Acme Partners"}, {"name": "Acme & Co"})
    with refused(Forbidden, organisation):
        actions.organisation_update(viewer=firm.finance, name="Finance Co")
    with refused(Invalid, organisation, match="required"):
        actions.organisation_update(viewer=firm.admin, name=" ")


def test_company_update_audits_only_what_changed(firm: Firm) -> None:
    company = actions.company_update(
        viewer=firm.admin, company=firm.eur, iban="de89 3704 0044 0532 0130 00", fiscal_year_start_month=7
    )
    assert (company.iban, company.fiscal_year_start_month) == ("DE89370400440532013000", 7)
    row = audit_row("company.update", company)
    assert row.before == {"iban": "", "fiscal_year_start_month": 1}
    assert row.after == {"iban": "DE89370400440532013000", "fiscal_year_start_month": 7}


def test_company_update_refusals(firm: Firm) -> None:
    usd, eur = firm.usd, firm.eur
    with refused(Conflict, usd, match="cannot change any more"):
        actions.company_update(viewer=firm.admin, company=usd, base_currency="EUR")
    with refused(Invalid, usd, match="Unknown currency"):
        actions.company_update(viewer=firm.admin, company=usd, base_currency="EURO")
    with refused(Invalid, usd, match="e-mail"):
        actions.company_update(viewer=firm.admin, company=usd, email="billing at acme")
    with refused(Invalid, usd, match="two-letter"):
        actions.company_update(viewer=firm.admin, company=usd, country="1A")
    with refused(Invalid, usd, match="no field"):
        actions.company_update(viewer=firm.admin, company=usd, max_day_minutes=5)
    with refused(Forbidden, usd):
        actions.company_update(viewer=firm.finance, company=usd, name="Ours")
    rival = Company.objects.get(organisation_id=firm.other_admin.organisation_id)
    with refused(NotFound, rival):
        actions.company_update(viewer=firm.admin, company=rival, name="Ours")
    # A company with nothing priced yet may change its currency.
    chf = actions.company_create(viewer=firm.admin, name="Acme CH", base_currency="EUR")
    assert (
        actions.company_update(viewer=viewer_for(firm.admin_user), company=chf, base_currency="CHF").base_currency
        == "CHF"
    )
    assert eur.base_currency == "EUR"


def test_an_admin_limited_to_some_companies_sees_the_one_they_create(firm: Firm) -> None:
    membership = Membership.objects.get(user=firm.admin_user)
    membership.companies.set([firm.usd])
    admin = viewer_for(firm.admin_user)
    assert admin.company_ids == {firm.usd.pk}
    company = actions.company_create(viewer=admin, name="Acme UK", base_currency="GBP")
    assert viewer_for(firm.admin_user).company_ids == {firm.usd.pk, company.pk}


def test_role_rename(firm: Firm) -> None:
    role = actions.role_update(viewer=firm.admin, role=firm.consultant, name="Associate")
    assert role.name == "Associate" and firm.consultant.name == "Associate"
    assert audit_row("role.update", role).before == {"name": "Consultant"}
    with refused(Conflict, role, match="exists already"):
        actions.role_update(viewer=firm.admin, role=role, name="Senior Consultant")
    with refused(Forbidden, role):
        actions.role_update(viewer=firm.manager, role=role, name="Partner")


def test_person_update_and_audit(firm: Firm) -> None:
    tom = actions.person_update(
        viewer=firm.admin,
        person=firm.member_person,
        role=firm.senior,
        weekly_capacity_minutes=30 * 60,
        start_date=date(2020, 1, 1),
        end_date=date(2099, 6, 30),
        active=True,
    )
    assert (tom.role_id, tom.weekly_capacity_minutes, tom.end_date) == (firm.senior.pk, 1800, date(2099, 6, 30))
    row = audit_row("person.update", tom)
    assert row.before == {"role": firm.consultant.pk, "weekly_capacity_minutes": 2400, "start_date": None,
                          "end_date": None}  # fmt: skip
    assert row.after["end_date"] == "2099-06-30"
    # Unlink the user: Tom no longer has a person when he signs in; link again.
    actions.person_update(viewer=firm.admin, person=tom, user=None)
    assert viewer_for(firm.member_user).person_id is None
    actions.person_update(viewer=firm.admin, person=tom, user=firm.member_user)
    assert viewer_for(firm.member_user).person_id == tom.pk


def test_person_update_refusals(firm: Firm) -> None:
    tom = Person.objects.get(pk=firm.member_person.pk)
    outsider = User.objects.create_user("outsider")
    with refused(Invalid, tom, match="before the start date"):
        actions.person_update(viewer=firm.admin, person=tom, start_date=date(2026, 5, 1), end_date=date(2026, 4, 1))
    with refused(NotFound, tom, match="not a user of this organisation"):
        actions.person_update(viewer=firm.admin, person=tom, user=outsider)
    with refused(Conflict, tom, match="linked to another person"):
        actions.person_update(viewer=firm.admin, person=tom, user=firm.manager_user)
    with refused(Conflict, tom, match="cost rates are in USD"):
        actions.person_update(viewer=firm.admin, person=tom, company=firm.eur)
    with refused(Invalid, tom, match="e-mail"):
        actions.person_update(viewer=firm.admin, person=tom, email="tom")
    with refused(Invalid, tom, match="no field"):
        actions.person_update(viewer=firm.admin, person=tom, organisation=None)
    with refused(Forbidden, tom):
        actions.person_update(viewer=firm.manager, person=tom, name="Thomas")
    rival = Organisation.objects.get(pk=firm.other_admin.organisation_id)
    assert rival.pk != tom.organisation_id
    with refused(NotFound, tom):
        actions.person_update(viewer=firm.other_admin, person=tom, name="Thomas")


def test_people_search(firm: Firm) -> None:
    names = lambda text, **kw: [p.name for p in people_search(firm.admin, text, **kw)]  # noqa: E731
    assert names("TOM") == ["Tom"]
    assert names("example.test lea") == ["Lea"]
    assert names("", role_id=firm.senior.pk) == [p.name for p in Person.objects.filter(role=firm.senior)]
    assert names("nobody") == []
