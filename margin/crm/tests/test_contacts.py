"""Contacts of a client: one primary at most, a billing contact needs an e-mail, each change audited."""

from __future__ import annotations

from margin.core.errors import Forbidden, Invalid, NotFound
from margin.crm.actions import contact_create, contact_delete, contact_update
from margin.crm.models import Contact
from margin.crm.queries import clients_search
from tests.checks import audit_row, refused
from tests.firm import Firm


def test_contacts_and_the_one_primary(firm: Firm) -> None:
    pat = contact_create(viewer=firm.manager, client=firm.client, name="Pat", email="Pat@Globex.test", primary=True)
    assert (pat.email, pat.primary) == ("pat@globex.test", True)
    assert audit_row("contact.create", pat).after["client"] == firm.client.pk
    ann = contact_create(viewer=firm.finance, client=firm.client, name="Ann", primary=True, phone="+49 (30) 123-45")
    assert list(Contact.objects.filter(primary=True)) == [ann]  # Ann took the flag
    contact_update(viewer=firm.admin, contact=pat, primary=True, role="CFO")
    assert list(Contact.objects.filter(primary=True).values_list("name", flat=True)) == ["Pat"]
    assert audit_row("contact.update", pat).after["role"] == "CFO"
    contact_delete(viewer=firm.admin, contact=ann)
    assert list(Contact.objects.values_list("name", flat=True)) == ["Pat"]
    assert audit_row("contact.delete", ann).before["name"] == "Ann"


def test_contact_refusals(firm: Firm) -> None:
    pat = contact_create(viewer=firm.manager, client=firm.client, name="Pat")
    with refused(Invalid, pat, match="receives invoices"):
        contact_update(viewer=firm.manager, contact=pat, billing=True)
    with refused(Invalid, match="phone"):
        contact_create(viewer=firm.manager, client=firm.client, name="Bo", phone="ring ring")
    with refused(Invalid, match="e-mail"):
        contact_create(viewer=firm.manager, client=firm.client, name="Bo", email="bo@")
    with refused(Invalid, match="required"):
        contact_create(viewer=firm.manager, client=firm.client, name="")
    with refused(Forbidden):
        contact_create(viewer=firm.member, client=firm.client, name="Bo")
    with refused(Forbidden, pat):
        contact_delete(viewer=firm.member, contact=pat)
    with refused(NotFound, pat):
        contact_update(viewer=firm.other_admin, contact=pat, name="Mine")


def test_client_search_finds_contacts(firm: Firm) -> None:
    contact_create(viewer=firm.manager, client=firm.client, name="Pat Smith", email="pat@globex.test")
    assert [c.name for c in clients_search(firm.admin, "smith")] == ["Globex"]
    assert [c.name for c in clients_search(firm.admin, "GLOB")] == ["Globex"]
    assert list(clients_search(firm.admin, "initech")) == []  # another firm's client
