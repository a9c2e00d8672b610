"""Companies, roles, people and cost rates through the API."""

from __future__ import annotations

from margin.accounts.models import Company, Person, Role
from margin.api.tests.conftest import error_of, unchanged
from margin.core.models import AuditEntry
from margin.rates.models import CostRate
from tests.firm import Firm


def test_companies_list_get_create(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    admin = api_as(firm.admin_user)
    listed = admin.get("/companies").json()
    assert listed["count"] == 2
    assert [c["name"] for c in listed["items"]] == ["Acme EU", "Acme US"]

    response = admin.post("/companies", {"name": "Acme UK", "base_currency": "gbp", "country": "gb", "tax_id": "GB-1"})
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["base_currency"], created["country"]) == ("GBP", "GB")
    assert AuditEntry.objects.filter(action="company.create", object_id=created["id"]).exists()
    assert admin.get(f"/companies/{firm.usd.pk}").json()["base_currency"] == "USD"


def test_company_refusals(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    admin, tom = api_as(firm.admin_user), api_as(firm.member_user)
    other_company = Company.objects.exclude(organisation_id=firm.admin.organisation_id).get()
    with unchanged():
        error_of(tom.post("/companies", {"name": "Tom Inc", "base_currency": "USD"}), 403, "forbidden")
        error_of(admin.post("/companies", {"name": "Acme US", "base_currency": "USD"}), 409, "conflict")
        body = error_of(admin.post("/companies", {"name": "Acme XX", "base_currency": "XXX"}), 422, "invalid")
        assert body["field"] == "base_currency"
        error_of(admin.get(f"/companies/{other_company.pk}"), 404, "not_found")


def test_roles(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    admin, tom = api_as(firm.admin_user), api_as(firm.member_user)
    assert [r["name"] for r in tom.get("/roles").json()["items"]] == ["Consultant", "Senior Consultant"]
    assert tom.get(f"/roles/{firm.senior.pk}").json() == {"id": firm.senior.pk, "name": "Senior Consultant"}
    created = admin.post("/roles", {"name": "Architect"})
    assert created.status_code == 201
    assert Role.objects.filter(pk=created.json()["id"], organisation_id=firm.admin.organisation_id).exists()
    other_role = Role.objects.exclude(organisation_id=firm.admin.organisation_id).get()
    with unchanged():
        error_of(tom.post("/roles", {"name": "Boss"}), 403, "forbidden")
        error_of(admin.post("/roles", {"name": "Consultant"}), 409, "conflict")
        error_of(admin.get(f"/roles/{other_role.pk}"), 404, "not_found")


def test_people(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    admin, tom = api_as(firm.admin_user), api_as(firm.member_user)
    listed = tom.get("/people").json()
    assert listed["count"] == 5
    names = [p["name"] for p in listed["items"]]
    assert names == sorted(names)
    tom_out = tom.get(f"/people/{firm.member_person.pk}").json()
    assert tom_out["role_name"] == "Consultant" and tom_out["user_id"] == firm.member_user.pk

    response = admin.post(
        "/people",
        {
            "company_id": firm.eur.pk,
            "role_id": firm.senior.pk,
            "name": "Eva",
            "email": "EVA@example.test",
            "weekly_capacity_minutes": 1800,
        },
    )
    assert response.status_code == 201, response.content
    eva = response.json()
    assert (eva["email"], eva["company_id"], eva["weekly_capacity_minutes"]) == ("eva@example.test", firm.eur.pk, 1800)

    other_person = Person.objects.exclude(organisation_id=firm.admin.organisation_id).get()
    person = {"company_id": firm.usd.pk, "role_id": firm.senior.pk, "name": "Zed", "email": "zed@example.test"}
    with unchanged():
        error_of(tom.post("/people", person), 403, "forbidden")
        error_of(admin.post("/people", {**person, "email": "tom@example.test"}), 409, "conflict")
        error_of(admin.post("/people", {**person, "weekly_capacity_minutes": 10**30}), 422, "validation_error")
        error_of(admin.post("/people", {**person, "company_id": other_person.company_id}), 404, "not_found")
        error_of(admin.get(f"/people/{other_person.pk}"), 404, "not_found")


def test_a_line_manager_through_the_api(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    admin = api_as(firm.admin_user)
    tom, maya = firm.member_person, firm.manager_person
    changed = admin.patch(f"/people/{tom.pk}", {"manager_id": maya.pk}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["manager_id"] == maya.pk
    other_person = Person.objects.exclude(organisation_id=firm.admin.organisation_id).get()
    with unchanged():
        error_of(admin.patch(f"/people/{maya.pk}", {"manager_id": tom.pk}, content_type="application/json"), 422)
        error_of(admin.patch(f"/people/{tom.pk}", {"manager_id": tom.pk}, content_type="application/json"), 422)
        error_of(
            admin.patch(f"/people/{tom.pk}", {"manager_id": other_person.pk}, content_type="application/json"), 404
        )
    cleared = admin.patch(f"/people/{tom.pk}", {"manager_id": None}, content_type="application/json")
    assert cleared.json()["manager_id"] is None


def test_cost_rates_are_for_finance(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    finance, tom = api_as(firm.finance_user), api_as(firm.member_user)
    path = f"/people/{firm.member_person.pk}/cost-rates"
    rates = finance.get(path).json()
    assert [(r["valid_from"], r["hourly_cost"], r["currency"]) for r in rates["items"]] == [
        ("2020-01-01", "40.0000", "USD")
    ]
    response = finance.post(path, {"valid_from": "2026-01-01", "hourly_cost": "42.5"})
    assert response.status_code == 201, response.content
    assert response.json()["hourly_cost"] == "42.5000"
    assert CostRate.objects.filter(person=firm.member_person).count() == 2

    with unchanged():
        error_of(tom.get(path), 403, "forbidden")
        error_of(tom.post(path, {"valid_from": "2026-02-01", "hourly_cost": "1"}), 403, "forbidden")
        error_of(finance.post(path, {"valid_from": "2026-02-01", "hourly_cost": "-1"}), 422, "validation_error")
        error_of(finance.post(path, {"valid_from": "2026-02-01", "hourly_cost": "1.00001"}), 422, "validation_error")
        other = Person.objects.exclude(organisation_id=firm.admin.organisation_id).get()
        error_of(finance.get(f"/people/{other.pk}/cost-rates"), 404, "not_found")
