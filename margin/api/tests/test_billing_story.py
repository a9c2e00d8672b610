"""Issue 10's story through /api/v1: a finance user bills a month of a fixed-fee contract with two milestones,
a capped time-and-materials contract and a retainer with roll-over, with VAT and reverse charge; the PDFs
carry Factur-X that the validators accept; part of one invoice is credited, payments are recorded, and the
AR ageing agrees with the invoices and payments, and profitability with what was billed, to the cent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from margin.accounts.models import Company
from margin.api.tests.conftest import Api
from margin.billing.einvoice.pdfa import facturx_xml_of
from margin.billing.einvoice.validate import check_cii, check_ubl
from margin.billing.tests.issued import french_business
from margin.billing.tests.test_contract_invoicing import MARCH_END, log, march
from margin.contracts import actions as contracts
from margin.contracts.models import Contract
from margin.crm.models import Client
from margin.projects import actions as projects
from margin.projects.models import Project, Task, TaskStatus
from margin.reporting.queries import project_profitability
from tests.firm import Firm

ISSUE_ON = "2026-04-01"


def _seller(firm: Firm) -> Company:
    """Acme US invoicing from Germany, with a VAT id and a bank account (what an e-invoice needs)."""
    Company.objects.filter(pk=firm.usd.pk).update(
        legal_name="Acme Beratung GmbH",
        tax_id="DE123456789",
        address="Friedrichstraße 68\n10117 Berlin",
        country="DE",
        email="rechnung@acme.example",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
    )
    Client.objects.filter(pk=firm.client.pk).update(
        country="DE",
        tax_id="DE987654321",
        billing_address="Hauptstraße 5\n80331 München",
        billing_email="ap@globex.example",
    )
    firm.usd.refresh_from_db()
    firm.client.refresh_from_db()
    return firm.usd


def support_project(firm: Firm) -> tuple[Project, Task]:
    """CIS-1, support for a French business client, Tom a member, time priced at 100.00 an hour."""
    paris = french_business(firm)
    support = projects.project_create(
        viewer=firm.admin, company=firm.usd, client=paris, manager=firm.manager_person, code="CIS-1", name="Support"
    )
    projects.project_member_add(viewer=firm.manager, project=support, person=firm.member_person)
    ticket = projects.task_create(viewer=firm.manager, project=support, name="Tickets")
    contracts.bill_rate_set(
        viewer=firm.finance,
        project=support,
        role=firm.consultant,
        valid_from=date(2020, 1, 1),
        hourly_rate=Decimal(100),
    )
    return support, ticket


def _post(api: Api, path: str, body: dict[str, Any], status: int = 201) -> Any:
    response = api.post(path, body)
    assert response.status_code == status, (path, response.status_code, response.content[:400])
    return response.json()


def test_a_month_of_three_contracts_is_billed_sent_credited_paid_and_reported(
    firm: Firm, api_as: Callable[..., Api]
) -> None:
    _seller(firm)
    api = api_as(firm.finance_user)
    vat = contracts.tax_code_create(
        viewer=firm.finance, company=firm.usd, code="S19", name="VAT", kind="standard", rate=19
    )
    reverse = contracts.tax_code_create(
        viewer=firm.finance, company=firm.usd, code="RC", name="Reverse charge", kind="reverse_charge", rate=0
    )
    # 1. Capped time and materials (GLX-1): 10 h cap, VAT 19 %.
    capped = Contract.objects.get(covered__project=firm.project)
    contracts.contract_update(viewer=firm.finance, contract=capped, tax_code_id=vat.pk)
    contracts.billing_line_update(
        viewer=firm.finance, line=capped.billing_lines.get(model="time"), cap_kind="minutes", cap_limit=600
    )
    march(firm)  # 8 h, 4 h, 1 h, 1.5 h, 0.75 h: the first fits, the rest waits for a decision
    # 2. Fixed fee in two instalments (GLX-2): one due on 15 March, one at the go-live milestone.
    launch = projects.project_create(
        viewer=firm.admin,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="GLX-2",
        name="Launch",
    )
    go_live = projects.task_create(viewer=firm.manager, project=launch, name="Go live")
    fixed = _post(
        api,
        "/contracts",
        {
            "company_id": firm.usd.pk,
            "client_id": firm.client.pk,
            "reference": "FF-1",
            "name": "Launch, fixed price",
            "start_date": "2026-01-01",
            "tax_code_id": vat.pk,
        },
    )
    api.put(f"/contracts/{fixed['id']}/projects/{launch.pk}")
    fee = _post(api, f"/contracts/{fixed['id']}/lines", {"model": "fixed", "name": "Launch", "price_minor": 1_000_000})
    _post(
        api,
        f"/contracts/{fixed['id']}/lines/{fee['id']}/instalments",
        {"description": "Kick-off", "amount_minor": 300_000, "due_date": "2026-03-15"},
    )
    _post(
        api,
        f"/contracts/{fixed['id']}/lines/{fee['id']}/instalments",
        {"description": "Go live", "amount_minor": 700_000, "milestone_task_id": go_live.pk},
    )
    Task.objects.filter(pk=go_live.pk).update(status=TaskStatus.DONE)
    # 3. A retainer with roll-over for an EU business client, reverse charged.
    support, ticket = support_project(firm)
    retainer = Contract.objects.get(covered__project=support)
    contracts.contract_update(viewer=firm.finance, contract=retainer, tax_code_id=reverse.pk)
    contracts.billing_line_delete(viewer=firm.finance, line=retainer.billing_lines.get(model="time"))
    contracts.billing_line_create(
        viewer=firm.finance,
        contract=retainer,
        model="retainer",
        name="Support retainer",
        frequency="month",
        allowance_unit="minutes",
        allowance=600,
        fee_minor=200_000,
        rollover="periods",
        rollover_periods=1,
        overage_rate=Decimal("120"),
        start_date=date(2026, 2, 1),
    )
    log(firm, support, ("member", ticket, date(2026, 3, 10), 900))  # 15 h in March: 10 + 10 carried, none over

    # The queue, then the drafts: one invoice per contract.
    ready = api.get(f"/contracts/{capped.pk}/ready", {"up_to": MARCH_END.isoformat()}).json()
    assert ready["caps"][0]["held_now"] == 435 and len(ready["over_cap"]) == 4
    assert (
        api.get(f"/contracts/{retainer.pk}/ready", {"up_to": MARCH_END.isoformat()}).json()["balances"][0]["text"]
        == "5.0 h left this month"
    )
    drafts = []
    for contract_id in (capped.pk, fixed["id"], retainer.pk):
        drafts += _post(api, f"/contracts/{contract_id}/invoices", {"up_to": MARCH_END.isoformat()})
    assert [(d["net"]["amount_minor"], d["tax"]["amount_minor"]) for d in drafts] == [
        (80_000, 15_200),  # 8 h at 100, 19 %
        (1_000_000, 190_000),  # both instalments, 19 %
        (400_000, 0),  # two monthly fees, reverse charged
    ]
    issued = [_post(api, f"/invoices/{d['id']}/issue", {"issue_date": ISSUE_ON}, 200) for d in drafts]
    assert [i["number"] for i in issued] == ["2026-0001", "2026-0002", "2026-0003"]
    # Each PDF carries Factur-X the EN 16931 validators accept; each UBL too.
    for invoice in issued:
        pdf = api.get(f"/invoices/{invoice['id']}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert check_cii(facturx_xml_of(pdf.content)) == []
        assert check_ubl(api.get(f"/invoices/{invoice['id']}/ubl").content) == []
        sent = _post(api, f"/invoices/{invoice['id']}/send", {}, 200)
        assert sent["sent_to"]
    # Credit 1,000.00 of the fixed-fee invoice; its credit note validates too.
    note = _post(api, f"/invoices/{issued[1]['id']}/credit-notes", {"reason": "Scope reduced", "amount_minor": 100_000})
    note = _post(api, f"/invoices/{note['id']}/issue", {"issue_date": "2026-04-02"}, 200)
    assert (note["number"], note["total"]["amount_minor"]) == ("CN-2026-0001", 119_000)
    assert check_cii(facturx_xml_of(api.get(f"/invoices/{note['id']}/pdf").content)) == []
    # Payments: the capped invoice in full, half of what is left of the fixed-fee one.
    _post(
        api,
        "/payments",
        {
            "company_id": firm.usd.pk,
            "client_id": firm.client.pk,
            "received_on": "2026-04-20",
            "currency": "USD",
            "amount_minor": 95_200 + 535_500,
            "allocations": [
                {"invoice_id": issued[0]["id"], "amount_minor": 95_200},
                {"invoice_id": issued[1]["id"], "amount_minor": 535_500},
            ],
        },
    )
    # AR ageing agrees with invoices − payments − credit notes, to the cent.
    open_fixed = 1_190_000 - 119_000 - 535_500
    ageing = api.get("/receivables/ageing", {"company_id": firm.usd.pk, "as_of": "2026-04-25"}).json()
    (company,) = ageing["companies"]
    assert company["converted"]["total"]["amount_minor"] == open_fixed + 400_000
    assert sum(c["buckets"]["total"]["amount_minor"] for c in company["clients"]) == open_fixed + 400_000
    # Profitability: billed is net of the credit note, per project, to the cent.
    assert project_profitability(firm.project).billed_minor == 80_000
    assert project_profitability(launch).billed_minor == 1_000_000 - 100_000
    assert project_profitability(support).billed_minor == 400_000
