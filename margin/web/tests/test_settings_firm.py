"""Setting up a firm in the browser's forms (through Django's test client): the organisation, companies,
job roles, people with cost rates, clients with contacts. Each screen saves through its action, and every
refusal is a form error (4xx) that changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.accounts.models import Company, Membership, Organisation, Person, Role
from margin.crm.models import Client as Customer
from margin.crm.models import Contact
from margin.rates.models import CostRate
from margin.resourcing.models import ResourcePool
from tests.checks import audit_row, stored, table_counts
from tests.firm import Firm

COMPANY = {
    "name": "Acme UK",
    "legal_name": "Acme UK Ltd",
    "base_currency": "gbp",
    "tax_id": "GB123456789",
    "email": "billing@acme.example",
    "address": "1 High Street\nLondon",
    "country": "gb",
    "invoice_number_format": "UK-{YYYY}-{NNNNN}",
    "bank_name": "NatWest",
    "iban": "GB29 NWBK 6016 1331 9268 19",
    "bic": "NWBKGB2L",
    "fiscal_year_start_month": "4",
}


def _refused(client: Client, url: str, data: dict[str, Any], message: str, *objects: Any, status: int = 422) -> str:
    """POST that must answer `status` with `message` in the page and change no row."""
    counts, before = table_counts(), stored(*objects)
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == status, (response.status_code, html[:300])
    assert message in html, html
    assert table_counts() == counts and stored(*objects) == before
    return html


def test_who_opens_what(sign_in: Callable[[User], Client], firm: Firm) -> None:
    admin_only = ["web:settings_organisation", "web:settings_company_new", "web:settings_roles",
                  "web:settings_person_new"]  # fmt: skip
    for name in admin_only:
        assert sign_in(firm.finance_user).get(reverse(name)).status_code == 403
    assert sign_in(firm.finance_user).get(reverse("web:settings_people")).status_code == 200
    assert sign_in(firm.manager_user).get(reverse("web:settings_people")).status_code == 403
    assert sign_in(firm.member_user).get(reverse("web:settings_clients")).status_code == 403
    assert sign_in(firm.manager_user).get(reverse("web:settings_clients")).status_code == 200
    # Another firm's objects are not found.
    rival = Person.objects.get(name="Rita")
    admin = sign_in(firm.admin_user)
    assert admin.get(reverse("web:settings_person", args=[rival.pk])).status_code == 404
    assert admin.get(reverse("web:settings_client", args=[Customer.objects.get(name="Initech").pk])).status_code == 404
    assert admin.get(reverse("web:settings_company", args=[rival.company_id])).status_code == 404
    assert admin.get(reverse("web:settings_person", args=[2**70])).status_code == 404


def test_organisation_and_a_new_company(sign_in: Callable[[User], Client], firm: Firm) -> None:
    admin = sign_in(firm.admin_user)
    page = admin.get(reverse("web:settings_organisation")).content.decode()
    assert "Acme US" in page and "Acme EU" in page and "Rival" not in page
    assert f"{date.today().year}-0001" in page  # the numbers a company's format writes

    assert admin.post(reverse("web:settings_organisation"), {"name": "Acme & Co"}).status_code == 302
    assert Organisation.objects.get(pk=firm.admin.organisation_id).name == "Acme & Co"
    _refused(admin, reverse("web:settings_organisation"), {"name": ""}, "This field is required")

    saved = admin.post(reverse("web:settings_company_new"), COMPANY)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    company = Company.objects.get(name="Acme UK")
    assert saved["Location"] == reverse("web:settings_company", args=[company.pk])
    assert (company.base_currency, company.country, company.iban, company.bic) == (
        "GBP",
        "GB",
        "GB29NWBK60161331926819",
        "NWBKGB2L",
    )
    assert (company.invoice_number_format, company.fiscal_year_start_month) == ("UK-{YYYY}-{NNNNN}", 4)
    assert audit_row("company.create", company).actor_id == firm.admin_user.pk
    page = admin.get(reverse("web:settings_company", args=[company.pk])).content.decode()
    assert "GB29 NWBK 6016 1331 9268 19" in page  # shown in groups of four
    assert f"UK-{date.today().year}-00001" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"iban": "GB29 NWBK 6016 1331 9268 18"}, "check digits are wrong"),
        ({"bic": "NWBK"}, "A BIC has 8 or 11 characters"),
        ({"invoice_number_format": "INV-{NNNN}"}, "Name the year once"),
        ({"base_currency": "XYZ"}, "Unknown currency"),
        ({"fiscal_year_start_month": "13"}, "Select a valid choice"),
        ({"email": "billing"}, "is not an e-mail address"),
        ({"name": "x" * 201}, "at most 200 characters"),
    ],
)
def test_company_refusals(sign_in: Callable[[User], Client], firm: Firm, changes: dict[str, str], message: str) -> None:
    html = _refused(sign_in(firm.admin_user), reverse("web:settings_company_new"), {**COMPANY, **changes}, message)
    assert "is-invalid" in html and "Nothing was saved" in html


def test_a_duplicate_company_is_a_conflict(sign_in: Callable[[User], Client], firm: Firm) -> None:
    url = reverse("web:settings_company_new")
    _refused(sign_in(firm.admin_user), url, {**COMPANY, "name": "Acme US"}, "exists already", status=409)


def test_company_edit_and_a_currency_that_can_no_longer_change(sign_in: Callable[[User], Client], firm: Firm) -> None:
    admin = sign_in(firm.admin_user)
    url = reverse("web:settings_company", args=[firm.usd.pk])
    data = {**COMPANY, "name": "Acme US", "base_currency": "USD", "country": "US", "iban": "", "bic": ""}
    assert admin.post(url, data).status_code == 302
    assert Company.objects.get(pk=firm.usd.pk).invoice_number_format == "UK-{YYYY}-{NNNNN}"
    html = _refused(admin, url, {**data, "base_currency": "EUR"}, "cannot change any more", firm.usd, status=409)
    assert "Save company" in html
    preview = admin.get(reverse("web:settings_number_preview"), {"invoice_number_format": "X/{YY}/{NNN}"})
    assert f"X/{date.today().year % 100:02d}/001" in preview.content.decode()
    bad = admin.get(reverse("web:settings_number_preview"), {"invoice_number_format": "X-{NNN}"})
    assert "Name the year once" in bad.content.decode()


def test_roles(sign_in: Callable[[User], Client], firm: Firm) -> None:
    admin = sign_in(firm.admin_user)
    assert admin.post(reverse("web:settings_roles"), {"name": "Partner"}).status_code == 302
    partner = Role.objects.get(name="Partner")
    _refused(admin, reverse("web:settings_roles"), {"name": "Partner"}, "exists already", status=409)
    url = reverse("web:settings_role", args=[partner.pk])
    assert admin.post(url, {"name": "Principal"}).status_code == 302
    assert Role.objects.get(pk=partner.pk).name == "Principal"
    _refused(admin, url, {"name": "Consultant"}, "exists already", partner, status=409)
    assert sign_in(firm.manager_user).post(url, {"name": "X"}).status_code == 403


def test_resource_pools_on_the_job_roles_screen(sign_in: Callable[[User], Client], firm: Firm) -> None:
    """A pool made here can be assigned to tasks: a template's tasks ask for "a consultant" in the browser."""
    admin = sign_in(firm.admin_user)
    url = reverse("web:settings_pool_add")
    response = admin.post(url, {"name": "Consultants", "role_id": firm.consultant.pk, "max_units": "300"})
    assert response.status_code == 302 and response["Location"].endswith("#pools")
    pool = ResourcePool.objects.get(name="Consultants")
    assert (pool.role, pool.kind, pool.max_units, pool.organisation_id) == (
        firm.consultant,
        "role",
        300,
        firm.usd.organisation_id,
    )
    assert audit_row("resource_pool.create", pool)
    assert "Consultants" in admin.get(reverse("web:settings_roles")).content.decode()
    _refused(admin, url, {"name": "Consultants", "max_units": "100"}, "exists already", status=409)
    _refused(admin, url, {"name": "Vans", "max_units": "0"}, "greater than or equal to 1")
    rival_role = Role.objects.exclude(organisation_id=firm.usd.organisation_id).get(name="Consultant")
    _refused(admin, url, {"name": "Rivals", "role_id": rival_role.pk, "max_units": "100"}, "Select a valid choice")
    counts = table_counts()
    assert sign_in(firm.manager_user).post(url, {"name": "Mine", "max_units": "100"}).status_code == 403
    assert table_counts() == counts
    # The pool is offered on a task's page, where the manager assigns it.
    page = sign_in(firm.manager_user).get(reverse("web:task", args=[firm.design.pk])).content.decode()
    assert f'value="r{pool.pk}"' in page


def _person_data(firm: Firm, **changes: Any) -> dict[str, Any]:
    return {"name": "Ada", "email": "ada@example.test", "company": firm.eur.pk, "role": firm.senior.pk,
            "weekly_capacity": "32", "start_date": "2026-01-05", "end_date": "", **changes}  # fmt: skip


def test_people_list_search_and_a_new_person_with_a_cost_rate(sign_in: Callable[[User], Client], firm: Firm) -> None:
    admin = sign_in(firm.admin_user)
    listed = admin.get(reverse("web:settings_people"), {"q": "tom"}).content.decode()
    assert "Tom" in listed and "Maya" not in listed
    assert "Tom" not in admin.get(reverse("web:settings_people"), {"role": firm.senior.pk}).content.decode()

    created = admin.post(reverse("web:settings_person_new"), _person_data(firm))
    assert created.status_code == 302, created.content.decode()[:3000]
    ada = Person.objects.get(email="ada@example.test")
    assert (ada.company_id, ada.weekly_capacity_minutes, ada.start_date) == (firm.eur.pk, 32 * 60, date(2026, 1, 5))
    page = admin.get(created["Location"]).content.decode()
    assert "No cost rate" in page and "Does not sign in" in page

    rates = reverse("web:settings_cost_rate_add", args=[ada.pk])
    assert admin.post(rates, {"valid_from": "2026-01-05", "hourly_cost": "61.5"}).status_code == 302
    rate = CostRate.objects.get(person=ada)
    assert (rate.hourly_cost, rate.currency) == (61.5, "EUR")
    _refused(admin, rates, {"valid_from": "2026-01-05", "hourly_cost": "-1"}, "greater than or equal to 0", rate)
    _refused(admin, rates, {"valid_from": "", "hourly_cost": "1"}, "This field is required")
    _refused(admin, rates, {"valid_from": "2026-02-01", "hourly_cost": "1000000"}, "between 0 and 1,000,000")
    assert sign_in(firm.manager_user).post(rates, {"valid_from": "2026-02-01", "hourly_cost": "1"}).status_code == 403
    finance = sign_in(firm.finance_user)
    assert "61.50 EUR" in finance.get(reverse("web:settings_person", args=[ada.pk])).content.decode()
    assert finance.post(reverse("web:settings_cost_rate_delete", args=[ada.pk, rate.pk])).status_code == 302
    assert not CostRate.objects.filter(person=ada).exists()
    # Finance may not change the details.
    assert finance.post(reverse("web:settings_person", args=[ada.pk]), _person_data(firm)).status_code == 403


@pytest.mark.parametrize(
    ("changes", "message", "status"),
    [
        ({"email": "tom@example.test"}, "exists already", 409),
        ({"email": "ada"}, "is not an e-mail address", 422),
        ({"weekly_capacity": "200"}, "between 0 and 168 hours", 422),
        ({"weekly_capacity": "lots"}, "is not a number of hours", 422),
        ({"start_date": "2026-02-01", "end_date": "2026-01-01"}, "before the start date", 422),
        ({"company": "999999"}, "Select a valid choice", 422),
        ({"name": ""}, "This field is required", 422),
    ],
)
def test_new_person_refusals(
    sign_in: Callable[[User], Client], firm: Firm, changes: dict[str, str], message: str, status: int
) -> None:
    _refused(sign_in(firm.admin_user), reverse("web:settings_person_new"), _person_data(firm, **changes), message,
             status=status)  # fmt: skip


def test_a_new_person_can_be_linked_to_a_user_who_signs_in_already(
    sign_in: Callable[[User], Client], firm: Firm
) -> None:
    """An administrator who also works on projects (or a user invited before their person existed) is linked
    on the New person form; their access stays what it is; a user linked to someone else is not offered."""
    founder = User.objects.create_user(username="founder", email="founder@example.test")
    Membership.objects.create(organisation_id=firm.usd.organisation_id, user=founder, role="finance")
    admin = sign_in(firm.admin_user)
    form = admin.get(reverse("web:settings_person_new")).content.decode()
    assert f'<option value="{founder.pk}">founder</option>' in form
    assert f'value="{firm.member_user.pk}"' not in form  # Tom is linked already
    _refused(admin, reverse("web:settings_person_new"), _person_data(firm, user=firm.member_user.pk),
             "Select a valid choice")  # fmt: skip
    response = admin.post(reverse("web:settings_person_new"), _person_data(firm, user=founder.pk))
    assert response.status_code == 302
    person = Person.objects.get(email="ada@example.test")
    assert person.user == founder
    assert Membership.objects.get(user=founder).role == "finance"


def test_a_person_page_changes_end_date_user_and_logging_for_others(
    sign_in: Callable[[User], Client], firm: Firm
) -> None:
    admin = sign_in(firm.admin_user)
    tom = firm.member_person
    url = reverse("web:settings_person", args=[tom.pk])
    data = _person_data(firm, name="Tom", email="tom@example.test", company=firm.usd.pk, role=firm.consultant.pk,
                        weekly_capacity="40:00", start_date="", end_date="2099-12-31", active="on",
                        user=firm.member_user.pk)  # fmt: skip
    assert admin.post(url, data).status_code == 302
    assert Person.objects.get(pk=tom.pk).end_date == date(2099, 12, 31)
    _refused(admin, url, {**data, "company": firm.eur.pk}, "cost rates are in USD", tom, status=409)
    # Maya's user is hers: not offered, and refused when sent anyway.
    _refused(admin, url, {**data, "user": firm.manager_user.pk}, "Select a valid choice", tom)
    assert admin.post(url, {**data, "user": ""}).status_code == 302  # unlinked
    assert Person.objects.get(pk=tom.pk).user_id is None
    _refused(admin, reverse("web:settings_log_for_others", args=[tom.pk]), {"allowed": "on"}, "does not sign in")
    assert admin.post(url, data).status_code == 302  # linked again
    toggle = reverse("web:settings_log_for_others", args=[tom.pk])
    assert admin.post(toggle, {"allowed": "on"}).status_code == 302
    assert Membership.objects.get(user=firm.member_user).can_log_for_others
    page = admin.get(url).content.decode()
    assert "may log time for others" in page and "Planned on" in page


def _client_data(**changes: Any) -> dict[str, Any]:
    return {"name": "Hooli", "currency": "usd", "tax_id": "US-99", "billing_email": "ap@hooli.test",
            "billing_address": "1 Road", "country": "us", "payment_terms_days": "45",
            "billing_increment_minutes": "15", "billing_rounding": "nearest", "active": "on", **changes}  # fmt: skip


def test_clients_with_contacts(sign_in: Callable[[User], Client], firm: Firm) -> None:
    maya = sign_in(firm.manager_user)
    created = maya.post(reverse("web:settings_client_new"), _client_data())
    assert created.status_code == 302, created.content.decode()[:3000]
    hooli = Customer.objects.get(name="Hooli")
    assert (hooli.currency, hooli.payment_terms_days, hooli.billing_increment_minutes) == ("USD", 45, 15)
    _refused(maya, reverse("web:settings_client_new"), _client_data(), "exists already", status=409)
    _refused(maya, reverse("web:settings_client_new"), _client_data(name="X", payment_terms_days="400"),
             "less than or equal to 365")  # fmt: skip
    _refused(maya, reverse("web:settings_client_new"), _client_data(name="X", currency="ABC"), "Unknown currency")

    url = reverse("web:settings_client", args=[hooli.pk])
    assert maya.post(url, _client_data(billing_increment_minutes="6", payment_terms_days="0")).status_code == 302
    hooli.refresh_from_db()
    assert (hooli.billing_increment_minutes, hooli.payment_terms_days) == (6, 0)
    _refused(maya, url, _client_data(billing_increment_minutes="61"), "less than or equal to 60", hooli)
    _refused(maya, url, _client_data(billing_email="nope"), "is not an e-mail address", hooli)

    add = reverse("web:settings_contact_add", args=[hooli.pk])
    assert (
        maya.post(add, {"name": "Gavin", "email": "gavin@hooli.test", "role": "CEO", "primary": "on"}).status_code
        == 302
    )
    gavin = Contact.objects.get(name="Gavin")
    _refused(maya, add, {"name": "Ap", "billing": "on"}, "receives invoices: give an e-mail address")
    _refused(maya, add, {"name": "Ap", "phone": "call us"}, "A phone number has digits")
    edit = reverse("web:settings_contact", args=[hooli.pk, gavin.pk])
    assert maya.post(edit, {"name": "Gavin Belson", "email": "gavin@hooli.test", "billing": "on"}).status_code == 302
    gavin.refresh_from_db()
    assert (gavin.name, gavin.billing, gavin.primary) == ("Gavin Belson", True, False)
    html = _refused(maya, edit, {"name": "Gavin Belson", "email": "", "billing": "on"}, "receives invoices", gavin)
    assert "<details open" in html  # the failed contact's form stays open
    found = maya.get(reverse("web:settings_clients"), {"q": "belson"}).content.decode()
    assert "Hooli" in found and "Globex" not in found
    assert maya.post(reverse("web:settings_contact_delete", args=[hooli.pk, gavin.pk])).status_code == 302
    assert not Contact.objects.filter(pk=gavin.pk).exists()
    assert audit_row("contact.delete", gavin).actor_id == firm.manager_user.pk
    member = sign_in(firm.member_user)
    assert member.post(add, {"name": "X"}).status_code == 403
    other = Customer.objects.get(name="Initech")
    maya = sign_in(firm.manager_user)
    assert maya.post(reverse("web:settings_contact_add", args=[other.pk]), {"name": "X"}).status_code == 404


def test_an_empty_organisation_is_guided(sign_in: Callable[[User], Client], db: None) -> None:
    from margin.accounts.actions import organisation_create

    founder = User.objects.create_user("founder", password="x")
    organisation_create(name="Fresh", slug="fresh", admin=founder)
    admin = sign_in(founder)
    assert admin.get(reverse("web:home")).status_code == 200
    assert 'data-testid="no-companies"' in admin.get(reverse("web:settings_organisation")).content.decode()
    page = admin.get(reverse("web:settings_person_new")).content.decode()
    assert "Add a company and a job role first" in page
    assert admin.get(reverse("web:settings_people")).status_code == 200
    assert admin.get(reverse("web:settings_clients")).status_code == 200


def test_a_person_page_sets_their_line_manager(sign_in: Callable[[User], Client], firm: Firm) -> None:
    admin = sign_in(firm.admin_user)
    tom, maya = firm.member_person, firm.manager_person
    url = reverse("web:settings_person", args=[tom.pk])
    data = _person_data(firm, name="Tom", email="tom@example.test", company=firm.usd.pk, role=firm.consultant.pk,
                        weekly_capacity="40:00", start_date="", end_date="", active="on",
                        user=firm.member_user.pk, manager=maya.pk)  # fmt: skip
    assert f'value="{maya.pk}"' in admin.get(url).content.decode()
    assert admin.post(url, data).status_code == 302
    assert Person.objects.get(pk=tom.pk).manager_id == maya.pk
    _refused(admin, url, {**data, "manager": tom.pk}, "Select a valid choice", tom)  # not offered: themselves
    maya_url = reverse("web:settings_person", args=[maya.pk])
    maya_data = {**data, "name": "Maya", "email": "maya@example.test", "role": firm.senior.pk,
                 "user": firm.manager_user.pk, "manager": tom.pk}  # fmt: skip
    _refused(admin, maya_url, maya_data, "reports to Maya already", maya)
