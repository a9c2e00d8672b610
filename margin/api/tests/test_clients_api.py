"""Clients through the API."""

from __future__ import annotations

from margin.api.tests.conftest import error_of, unchanged
from margin.core.models import AuditEntry
from margin.crm.models import Client
from tests.firm import Firm


def test_clients_list_create_get_change(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    maya = api_as(firm.manager_user)
    response = maya.post(
        "/clients",
        {
            "name": "Hooli",
            "currency": "eur",
            "billing_email": "ap@hooli.test",
            "billing_address": "1 Road",
            "country": "de",
        },
    )
    assert response.status_code == 201, response.content
    hooli = response.json()
    assert (hooli["currency"], hooli["country"], hooli["active"]) == ("EUR", "DE", True)
    assert AuditEntry.objects.filter(action="client.create", object_id=hooli["id"]).exists()

    listed = maya.get("/clients").json()
    assert [c["name"] for c in listed["items"]] == ["Globex", "Hooli"]

    changed = maya.patch(f"/clients/{hooli['id']}", {"billing_email": "billing@hooli.test", "active": False})
    assert changed.status_code == 200, changed.content
    assert changed.json()["billing_email"] == "billing@hooli.test"
    assert changed.json()["active"] is False
    assert changed.json()["name"] == "Hooli"  # unsent fields stay
    assert maya.get(f"/clients/{hooli['id']}").json()["active"] is False


def test_client_refusals(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    maya, tom = api_as(firm.manager_user), api_as(firm.member_user)
    other = Client.objects.exclude(organisation_id=firm.admin.organisation_id).get()
    with unchanged(firm.client, other):
        error_of(tom.post("/clients", {"name": "Tom Co", "currency": "USD"}), 403, "forbidden")
        error_of(tom.patch(f"/clients/{firm.client.pk}", {"name": "Mine"}), 403, "forbidden")
        error_of(maya.post("/clients", {"name": "Globex", "currency": "USD"}), 409, "conflict")
        error_of(maya.post("/clients", {"name": "Bad", "currency": "ZZZ"}), 422, "invalid")
        error_of(maya.post("/clients", {"name": "Bad\u0000", "currency": "USD"}), 422, "validation_error")
        error_of(maya.get(f"/clients/{other.pk}"), 404, "not_found")
        error_of(maya.patch(f"/clients/{other.pk}", {"name": "Taken over"}), 404, "not_found")
