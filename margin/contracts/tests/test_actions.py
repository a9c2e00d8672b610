"""Contract writes: each audited, refusals change nothing, and the rules that guard billed work."""

from __future__ import annotations

from datetime import date

import pytest

from margin.contracts.actions import (
    billing_line_create,
    billing_line_update,
    contract_create,
    contract_project_add,
    contract_update,
)
from margin.contracts.models import Contract
from margin.core.errors import Conflict, Invalid, NotFound
from margin.crm import actions as crm
from margin.projects import actions as projects
from tests.checks import audit_row, refused
from tests.firm import Firm
from tests.roles import build_roles


def test_a_contract_is_created_with_defaults_and_audited(firm: Firm) -> None:
    contract = contract_create(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        reference="F-1",
        name="Framework",
        start_date=date(2027, 1, 1),
    )
    assert (contract.currency, contract.payment_terms_days, contract.status) == ("USD", 30, "active")
    row = audit_row("contract.create", contract)
    assert row.actor_id == firm.finance_user.pk and row.after["reference"] == "F-1"
    with refused(Conflict, contract, match="has a contract 'F-1' already"):
        contract_create(
            viewer=firm.finance,
            company=firm.usd,
            client=firm.client,
            reference="F-1",
            name="Again",
            start_date=date(2027, 1, 1),
        )
    with refused(Invalid, contract, match="ends on or after"):
        contract_update(viewer=firm.finance, contract=contract, end_date=date(2026, 1, 1))
    with refused(NotFound, contract):
        contract_update(viewer=firm.other_admin, contract=contract, name="Theirs")


def test_a_billing_line_keeps_its_model_and_its_terms_are_checked(firm: Firm) -> None:
    contract = Contract.objects.get(covered__project=firm.project)
    line = billing_line_create(
        viewer=firm.finance, contract=contract, model="time", name="Capped", cap_kind="money", cap_limit=500_000
    )
    assert audit_row("billing_line.create", line).after["cap_limit"] == 500_000
    with refused(Invalid, line, match="keeps its model"):
        billing_line_update(viewer=firm.finance, line=line, model="fixed")
    with refused(Invalid, line, match="needs its limit"):
        billing_line_update(viewer=firm.finance, line=line, cap_limit=None)
    changed = billing_line_update(viewer=firm.finance, line=line, cap_kind="none")
    assert (changed.cap_kind, changed.cap_limit) == ("none", None)


def test_a_field_no_rule_reads_is_refused_not_dropped(firm: Firm) -> None:
    """A misspelt field used to be ignored: the call 'succeeded' and changed nothing."""
    contract = Contract.objects.get(covered__project=firm.project)
    with refused(Invalid, contract, match="has no field 'payment_terms' that can be set"):
        contract_update(viewer=firm.finance, contract=contract, payment_terms=45)
    line = contract.billing_lines.get(model="time")
    with refused(Invalid, line, match="has no field 'cap_limt'"):
        billing_line_update(viewer=firm.finance, line=line, cap_kind="minutes", cap_limt=600)
    with refused(Invalid, match="has no field 'colour'"):
        billing_line_create(viewer=firm.finance, contract=contract, model="time", name="X", colour="red")


@pytest.mark.django_db
def test_billed_work_keeps_its_contract_currency_and_its_contract() -> None:
    world = build_roles()  # GLX-1 has an issued invoice in USD
    firm = world.firm
    contract = Contract.objects.get(covered__project=firm.project)
    with refused(Conflict, contract, match="invoiced in USD already") as info:
        contract_update(viewer=firm.finance, contract=contract, currency="EUR")
    assert info.value.code == "currency_already_billed"
    other = contract_create(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        reference="NEXT",
        name="Next",
        start_date=date(2027, 1, 1),
    )
    with refused(Conflict, other, match="has invoices under contract GLX-1"):
        contract_project_add(viewer=firm.finance, contract=other, project=firm.project)
    # A project without invoices moves; one of another client does not.
    fresh = projects.project_create(
        viewer=firm.admin, company=firm.usd, client=firm.client, manager=firm.manager_person, code="GLX-9", name="Nine"
    )
    contract_project_add(viewer=firm.finance, contract=other, project=fresh)
    assert Contract.objects.get(covered__project=fresh) == other
    initech = crm.client_create(viewer=firm.admin, name="Initech", currency="USD")
    elsewhere = projects.project_create(
        viewer=firm.admin, company=firm.usd, client=initech, manager=firm.manager_person, code="INI-1", name="E"
    )
    with refused(Invalid, other, match="the contract is with"):
        contract_project_add(viewer=firm.finance, contract=other, project=elsewhere)
