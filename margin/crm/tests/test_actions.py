"""Clients: created and changed by admins, finance and managers, audited, validated."""

from __future__ import annotations

import pytest

from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.crm.actions import client_create, client_update
from margin.crm.models import Client
from margin.crm.queries import client_get, clients_visible
from tests.checks import audit_row, audit_rows, refused
from tests.firm import Firm


def test_client_create(firm: Firm) -> None:
    client = client_create(
        viewer=firm.manager,
        name=" Umbrella ",
        currency="eur",
        billing_email="ap@umbrella.test",
        billing_address="2 Side St\nRaccoon City",
        country="de",
        tax_id="DE123",
    )
    assert (client.name, client.currency, client.country) == ("Umbrella", "EUR", "DE")
    row = audit_row("client.create", client)
    assert row.actor_id == firm.manager_user.pk and row.before is None
    assert row.after == {
        "name": "Umbrella",
        "currency": "EUR",
        "billing_email": "ap@umbrella.test",
        "billing_address": "2 Side St\nRaccoon City",
        "country": "DE",
        "tax_id": "DE123",
        "active": True,
        "billing_increment_minutes": 0,
        "billing_rounding": "up",
        "payment_terms_days": 30,
        "tax_treatment": "domestic",
    }


@pytest.mark.parametrize(
    ("who", "values", "error", "match"),
    [
        ("member", {}, Forbidden, "may edit clients"),
        ("admin", {"name": "Globex"}, Conflict, "exists already"),
        ("admin", {"name": "Um\x00brella"}, Invalid, "NUL"),
        ("admin", {"name": "U" * 201}, Invalid, "longer than 200"),
        ("admin", {"name": ""}, Invalid, "required"),
        ("admin", {"currency": "EURO"}, Invalid, "Unknown currency"),
        ("admin", {"currency": ""}, Invalid, "Unknown currency"),
        ("admin", {"billing_address": "x" * 2001}, Invalid, "longer than 2000"),
        ("admin", {"tax_id": "T\x00"}, Invalid, "NUL"),
        ("admin", {"country": "DEU"}, Invalid, "longer than 2"),
    ],
)
def test_client_create_refusals(firm: Firm, who: str, values: dict[str, str], error: type, match: str) -> None:
    arguments = {"name": "Umbrella", "currency": "EUR", **values}
    with refused(error, match=match):
        client_create(viewer=getattr(firm, who), **arguments)


def test_client_update(firm: Firm) -> None:
    updated = client_update(viewer=firm.finance, client=firm.client, billing_email="bills@globex.test", active=False)
    stored = Client.objects.get(pk=firm.client.pk)
    assert (stored.billing_email, stored.active) == ("bills@globex.test", False)
    assert updated.pk == stored.pk
    row = audit_row("client.update", stored)
    assert row.actor_id == firm.finance_user.pk
    assert (row.before["billing_email"], row.after["billing_email"]) == ("", "bills@globex.test")
    assert (row.before["active"], row.after["active"]) == (True, False)


def test_client_update_refusals(firm: Firm) -> None:
    other = client_create(viewer=firm.admin, name="Soylent", currency="USD")
    with refused(Conflict, firm.client, match="exists already"):
        client_update(viewer=firm.admin, client=firm.client, name="Soylent")
    with refused(Forbidden, firm.client):
        client_update(viewer=firm.member, client=firm.client, name="Renamed")
    with refused(Invalid, firm.client, match="NUL"):
        client_update(viewer=firm.admin, client=firm.client, billing_address="\x00")
    with refused(Invalid, firm.client, match="Unknown currency"):
        client_update(viewer=firm.admin, client=firm.client, currency="ABC")
    # Another organisation's admin cannot reach this client, even when handed the object.
    with refused(NotFound, firm.client):
        client_update(viewer=firm.other_admin, client=firm.client, name="Stolen")
    assert audit_rows("client.update") == []
    assert other.name == "Soylent"


def test_renaming_to_its_own_name_is_no_conflict(firm: Firm) -> None:
    client_update(viewer=firm.admin, client=firm.client, name="Globex")
    assert len(audit_rows("client.update", firm.client)) == 1


def test_clients_are_visible_within_the_organisation_only(firm: Firm) -> None:
    assert list(clients_visible(firm.member)) == [firm.client]
    assert client_get(firm.member, firm.client.pk) == firm.client
    with pytest.raises(NotFound):
        client_get(firm.other_admin, firm.client.pk)
    with pytest.raises(NotFound):
        client_get(firm.admin, firm.other_project.client_id)
