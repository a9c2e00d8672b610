"""/api/v1: a contract's ready-to-bill queue, drafting from it, reviewing the draft, issuing, crediting."""

from __future__ import annotations

from collections.abc import Callable

from margin.api.tests.conftest import Api, error_of, unchanged
from margin.billing.models import Invoice, InvoiceLine, TimeHold
from margin.billing.tests.test_contract_invoicing import MARCH_END, contract_of, march
from margin.contracts import actions as contracts
from tests.firm import Firm

UP_TO = MARCH_END.isoformat()


def test_finance_previews_drafts_reviews_issues_and_credits(firm: Firm, api_as: Callable[..., Api]) -> None:
    entries = march(firm)
    contract = contract_of(firm)
    api = api_as(firm.finance_user)
    ready = api.get(f"/contracts/{contract.pk}/ready", {"up_to": UP_TO}).json()
    assert ready["total"]["amount_minor"] == 152_500 and ready["invoice_currency"] == "USD"
    assert {i["kind"] for i in ready["items"]} == {"time"} and sum(i["entries"] for i in ready["items"]) == 5
    response = api.post(f"/contracts/{contract.pk}/invoices", {"up_to": UP_TO})
    assert response.status_code == 201, response.content
    (invoice,) = response.json()
    assert (invoice["state"], invoice["net"]["amount_minor"], invoice["contract_id"]) == ("draft", 152_500, contract.pk)
    lines = api.get(f"/invoices/{invoice['id']}/lines").json()["items"]
    build = next(line for line in lines if line["minutes"] == 780)
    # Written down without a reason: refused, nothing changes.
    stored = InvoiceLine.objects.get(pk=build["id"])
    with unchanged(stored):
        error_of(api.patch(f"/invoices/{invoice['id']}/lines/{build['id']}", {"amount_minor": 100_000}), 422)
    adjusted = api.patch(
        f"/invoices/{invoice['id']}/lines/{build['id']}", {"amount_minor": 100_000, "reason": "Ramp-up"}
    ).json()
    assert (
        adjusted["amount"]["amount_minor"],
        adjusted["standard"]["amount_minor"],
        adjusted["adjustment_reason"],
    ) == (
        100_000,
        130_000,
        "Ramp-up",
    )
    discount = api.post(
        f"/invoices/{invoice['id']}/lines", {"kind": "discount", "description": "Loyalty", "amount_minor": 2_500}
    )
    assert discount.status_code == 201 and discount.json()["amount"]["amount_minor"] == -2_500
    assert api.delete(f"/invoices/{invoice['id']}/lines/{discount.json()['id']}").status_code == 204
    held = api.post(f"/invoices/{invoice['id']}/hold", {"entry_ids": [entries[4].pk], "note": "Later"}).json()
    assert held == {"count": 1} and TimeHold.objects.filter(time_entry=entries[4]).exists()
    assert api.post("/time-holds/release", {"entry_ids": [entries[4].pk]}).json() == {"count": 1}
    issued = api.post(f"/invoices/{invoice['id']}/issue", {"issue_date": "2026-04-01"}).json()
    assert issued["state"] in ("issued", "overdue") and issued["number"].endswith("-0001")
    assert api.get(f"/invoices/{invoice['id']}/tax-rows").json() == []
    # Credit part of it; more than is left is refused.
    with unchanged(Invoice.objects.get(pk=invoice["id"])):
        error_of(
            api.post(f"/invoices/{invoice['id']}/credit-notes", {"reason": "x", "amount_minor": 10**8}),
            422,
            "credit_exceeds_invoice",
        )
    note = api.post(f"/invoices/{invoice['id']}/credit-notes", {"reason": "Agreed discount", "amount_minor": 5_000})
    assert note.status_code == 201, note.content
    assert (note.json()["kind"], note.json()["credited_invoice_id"]) == ("credit_note", invoice["id"])
    credited = api.post(f"/invoices/{note.json()['id']}/issue", {"issue_date": "2026-04-02"}).json()
    assert credited["number"] == "CN-2026-0001"
    after = api.get(f"/invoices/{invoice['id']}").json()
    assert (
        after["credited"]["amount_minor"] == 5_000
        and after["open"]["amount_minor"] == after["total"]["amount_minor"] - 5_000
    )


def test_time_over_a_cap_is_decided_through_the_api(firm: Firm, api_as: Callable[..., Api]) -> None:
    entries = march(firm)
    contract = contract_of(firm)
    contracts.billing_line_update(
        viewer=firm.finance, line=contract.billing_lines.get(model="time"), cap_kind="minutes", cap_limit=480
    )
    api = api_as(firm.finance_user)
    ready = api.get(f"/contracts/{contract.pk}/ready", {"up_to": UP_TO}).json()
    assert [h["entry_id"] for h in ready["over_cap"]] == [e.pk for e in entries[1:]]
    assert ready["caps"][0]["held_now"] == 435
    api.post(f"/contracts/{contract.pk}/invoices", {"up_to": UP_TO})
    error_of(api.post("/time-holds/over-cap", {"entry_ids": [entries[1].pk], "decision": "write_off"}), 422)
    decided = api.post("/time-holds/over-cap", {"entry_ids": [entries[1].pk], "decision": "bill"})
    assert decided.json() == {"count": 1}


def test_members_and_other_managers_cannot_see_or_bill_a_contract(firm: Firm, api_as: Callable[..., Api]) -> None:
    march(firm)
    contract = contract_of(firm)
    member = api_as(firm.member_user)
    error_of(member.get(f"/contracts/{contract.pk}/ready", {"up_to": UP_TO}), 404)
    with unchanged():
        error_of(member.post(f"/contracts/{contract.pk}/invoices", {"up_to": UP_TO}), 404)


def test_rerating_is_previewed_and_applied_through_the_api(firm: Firm, api_as: Callable[..., Api]) -> None:
    from datetime import date
    from decimal import Decimal

    entries = march(firm)
    contracts.bill_rate_set(
        viewer=firm.finance,
        project=firm.project,
        role=firm.consultant,
        valid_from=date(2026, 3, 4),
        hourly_rate=Decimal(120),
    )
    contract = contract_of(firm)
    api = api_as(firm.finance_user)
    preview = api.get(f"/contracts/{contract.pk}/rerating", {"since": "2026-03-01"}).json()
    assert [r["entry_id"] for r in preview["rows"]] == [entries[3].pk, entries[4].pk]
    assert preview["change"]["amount_minor"] == 4_500 and preview["rows"][0]["new_rate"] == "120.0000"
    manager = api_as(firm.manager_user)
    error_of(manager.post(f"/contracts/{contract.pk}/rerating", {"since": "2026-03-01"}), 403)
    applied = api.post(f"/contracts/{contract.pk}/rerating", {"since": "2026-03-01"}).json()
    assert applied["new_total"]["amount_minor"] == 27_000
    assert api.get(f"/contracts/{contract.pk}/rerating", {"since": "2026-03-01"}).json()["rows"] == []
