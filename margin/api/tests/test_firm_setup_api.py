"""Setting up a firm through the API: the organisation, company details (number format, bank, fiscal year),
role renames, people changes (end date, user link), cost rate removal, client payment terms and contacts."""

from __future__ import annotations

from django.contrib.auth.models import User

from margin.accounts.models import Company, Membership, Organisation, Person, Role
from margin.api.tests.conftest import error_of, unchanged
from margin.core.models import AuditEntry
from margin.crm.models import Client, Contact
from margin.rates.models import CostRate
from tests.firm import Firm

IBAN = "DE89 3704 0044 0532 0130 00"


def test_organisation_read_and_rename(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    admin = api_as(firm.admin_user)
    assert admin.get("/organisation").json() == {
        "id": firm.admin.organisation_id,
        "name": "Acme Partners",
        "slug": "acme",
    }
    renamed = admin.patch("/organisation", {"name": "Acme & Co"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Acme & Co"
    organisation = Organisation.objects.get(pk=firm.admin.organisation_id)
    with unchanged(organisation):
        error_of(api_as(firm.manager_user).patch("/organisation", {"name": "Mine"}), 403, "forbidden")
        error_of(admin.patch("/organisation", {"name": ""}), 422)


def test_company_details_change(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    admin = api_as(firm.admin_user)
    changed = admin.patch(
        f"/companies/{firm.eur.pk}",
        {"invoice_number_format": "AC/{YY}/{NNNNN}", "iban": IBAN, "bic": "cobadeffxxx", "bank_name": "Commerz",
         "fiscal_year_start_month": 4, "legal_name": "Acme Europe GmbH"},
    )  # fmt: skip
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["iban"] == "DE89370400440532013000" and body["bic"] == "COBADEFFXXX"
    assert body["invoice_number_format"] == "AC/{YY}/{NNNNN}"
    assert body["next_invoice_number_example"].startswith("AC/") and body["next_invoice_number_example"][-5:] == "00001"
    assert body["fiscal_year_start_month"] == 4 and body["tax_id"] == "DE-1"  # unsent fields stay
    row = AuditEntry.objects.get(action="company.update", object_id=firm.eur.pk)
    assert row.before == {
        "legal_name": "",
        "invoice_number_format": "{YYYY}-{NNNN}",
        "bank_name": "",
        "iban": "",
        "bic": "",
        "fiscal_year_start_month": 1,
    }
    created = admin.post(
        "/companies", {"name": "Acme CH", "base_currency": "CHF", "iban": "CH93 0076 2011 6238 5295 7"}
    )
    assert created.status_code == 201, created.content
    assert created.json()["invoice_number_format"] == "{YYYY}-{NNNN}"


def test_company_refusals(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    admin, finance = api_as(firm.admin_user), api_as(firm.finance_user)
    company = Company.objects.get(pk=firm.usd.pk)
    url = f"/companies/{company.pk}"
    with unchanged(company):
        assert error_of(admin.patch(url, {"iban": "DE89 3704 0044 0532 0130 01"}), 422)["field"] == "iban"
        assert "check digits" in error_of(admin.patch(url, {"iban": "DE88 3704 0044 0532 0130 00"}), 422)["detail"]
        assert error_of(admin.patch(url, {"bic": "DEUT"}), 422)["field"] == "bic"
        body = error_of(admin.patch(url, {"invoice_number_format": "INV-{NNNN}"}), 422)
        assert body["field"] == "invoice_number_format" and "year" in body["detail"]
        error_of(admin.patch(url, {"fiscal_year_start_month": 13}), 422)
        error_of(admin.patch(url, {"name": "Acme EU"}), 409, "conflict")
        # Acme US has a project and cost rates in USD: its currency is fixed now.
        assert error_of(admin.patch(url, {"base_currency": "EUR"}), 409)["field"] == "base_currency"
        error_of(finance.patch(url, {"name": "Mine"}), 403)
        error_of(
            api_as(User.objects.get(pk=firm.other_admin.user_id)).patch(url, {"name": "Mine"}), 404
        )  # another firm's


def test_role_rename(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    admin = api_as(firm.admin_user)
    renamed = admin.patch(f"/roles/{firm.consultant.pk}", {"name": "Associate"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Associate"
    role = Role.objects.get(pk=firm.consultant.pk)
    with unchanged(role):
        error_of(admin.patch(f"/roles/{role.pk}", {"name": "Senior Consultant"}), 409)
        error_of(api_as(firm.manager_user).patch(f"/roles/{role.pk}", {"name": "X"}), 403)


def test_person_change(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    admin = api_as(firm.admin_user)
    url = f"/people/{firm.member_person.pk}"
    changed = admin.patch(
        url, {"role_id": firm.senior.pk, "weekly_capacity_minutes": 32 * 60, "end_date": "2099-12-31", "name": "Tom T"}
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["role_name"], body["weekly_capacity_minutes"], body["end_date"], body["name"]) == (
        "Senior Consultant",
        1920,
        "2099-12-31",
        "Tom T",
    )
    cleared = admin.patch(url, {"end_date": None})
    assert cleared.json()["end_date"] is None and cleared.json()["role_name"] == "Senior Consultant"
    # Unlink Tom's user, link it again.
    assert admin.patch(url, {"user_id": None}).json()["user_id"] is None
    assert admin.patch(url, {"user_id": firm.member_user.pk}).json()["user_id"] == firm.member_user.pk

    added = admin.post(
        "/people",
        {"company_id": firm.eur.pk, "role_id": firm.consultant.pk, "name": "Ana", "email": "ana@example.test",
         "start_date": "2026-01-05", "end_date": "2026-12-31"},
    )  # fmt: skip
    assert added.status_code == 201, added.content
    assert (added.json()["start_date"], added.json()["end_date"]) == ("2026-01-05", "2026-12-31")


def test_person_refusals(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    admin = api_as(firm.admin_user)
    tom = Person.objects.get(pk=firm.member_person.pk)
    url = f"/people/{tom.pk}"
    stranger = User.objects.create_user("stranger")
    with unchanged(tom):
        body = error_of(admin.patch(url, {"start_date": "2026-03-01", "end_date": "2026-02-01"}), 422)
        assert body["field"] == "end_date"
        error_of(admin.patch(url, {"user_id": firm.manager_user.pk}), 409)  # Maya's user is hers
        error_of(admin.patch(url, {"user_id": stranger.pk}), 404)  # not a member of the firm
        error_of(admin.patch(url, {"company_id": firm.eur.pk}), 409)  # cost rates in USD
        error_of(admin.patch(url, {"email": "maya@example.test"}), 409)
        error_of(admin.patch(url, {"email": "not-an-address"}), 422)
        error_of(admin.patch(url, {"weekly_capacity_minutes": 170 * 60}), 422)
        error_of(api_as(firm.manager_user).patch(url, {"name": "X"}), 403)
    assert not Membership.objects.filter(user=stranger).exists()


def test_cost_rate_remove(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    finance = api_as(firm.finance_user)
    url = f"/people/{firm.member_person.pk}/cost-rates"
    added = finance.post(url, {"valid_from": "2027-01-01", "hourly_cost": "55.5"})
    assert added.status_code == 201, added.content
    rate_id = added.json()["id"]
    with unchanged():
        error_of(api_as(firm.manager_user).delete(f"{url}/{rate_id}"), 403)
        error_of(finance.delete(f"/people/{firm.member2_person.pk}/cost-rates/{rate_id}"), 404)  # not Lea's
    assert finance.delete(f"{url}/{rate_id}").status_code == 204
    assert not CostRate.objects.filter(pk=rate_id).exists()
    row = AuditEntry.objects.get(action="cost_rate.delete", object_id=rate_id)
    assert row.before == {"person": firm.member_person.pk, "valid_from": "2027-01-01", "hourly_cost": "55.5000"}
    error_of(finance.delete(f"{url}/{rate_id}"), 404)


def test_client_payment_terms_and_contacts(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    maya = api_as(firm.manager_user)
    client_url = f"/clients/{firm.client.pk}"
    assert maya.patch(client_url, {"payment_terms_days": 45}).json()["payment_terms_days"] == 45
    error_of(maya.patch(client_url, {"payment_terms_days": 400}), 422)

    first = maya.post(f"{client_url}/contacts", {"name": "Pat", "email": "PAT@globex.test", "primary": True})
    assert first.status_code == 201, first.content
    assert (first.json()["email"], first.json()["primary"]) == ("pat@globex.test", True)
    second = maya.post(
        f"{client_url}/contacts", {"name": "Ann", "email": "ap@globex.test", "role": "AP", "billing": True}
    ).json()
    # Making Ann primary takes the flag from Pat.
    assert maya.patch(f"{client_url}/contacts/{second['id']}", {"primary": True}).json()["primary"] is True
    listed = maya.get(f"{client_url}/contacts").json()["items"]
    assert [(c["name"], c["primary"]) for c in listed] == [("Ann", True), ("Pat", False)]

    pat = Contact.objects.get(pk=first.json()["id"])
    with unchanged(pat):
        body = error_of(maya.post(f"{client_url}/contacts", {"name": "Bo", "billing": True}), 422)
        assert body["field"] == "email" and "receives invoices" in body["detail"]
        error_of(maya.post(f"{client_url}/contacts", {"name": "Bo", "phone": "call me"}), 422)
        error_of(maya.post(f"{client_url}/contacts", {"name": ""}), 422)
        error_of(api_as(firm.member_user).post(f"{client_url}/contacts", {"name": "Bo"}), 403)
        other_client = Client.objects.exclude(organisation_id=firm.admin.organisation_id).first()
        if other_client is not None:
            error_of(maya.get(f"/clients/{other_client.pk}/contacts"), 404)
    assert maya.delete(f"{client_url}/contacts/{pat.pk}").status_code == 204
    assert not Contact.objects.filter(pk=pat.pk).exists()
    assert AuditEntry.objects.filter(action="contact.delete", object_id=pat.pk).exists()
