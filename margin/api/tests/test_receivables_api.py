"""The receivables API: payments with allocations, bank statements with suggestions, the reports; refusals say
why and change nothing; lists cost a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from margin.api.tests.conftest import error_of, unchanged
from margin.billing.models import Invoice
from margin.crm import actions as crm
from margin.receivables.actions import AllocationIn, payment_record
from margin.receivables.models import Payment, PaymentAllocation
from margin.receivables.tests.factories import issued_invoice
from tests.firm import Firm

TODAY = timezone.localdate()


def _body(firm: Firm, amount: int = 10_000, **extra: Any) -> dict[str, Any]:
    return {
        "company_id": firm.usd.pk,
        "client_id": firm.client.pk,
        "received_on": TODAY.isoformat(),
        "currency": "USD",
        "amount_minor": amount,
        **extra,
    }


def test_record_get_list_allocate_unallocate_delete(firm: Firm, api_as: Any) -> None:
    a = issued_invoice(firm, 6_000, number="2026-0101")
    b = issued_invoice(firm, 9_000, number="2026-0102")
    api = api_as(firm.finance_user)
    body = _body(firm, 9_900, bank_charges_minor=100, reference="Wire", allocations=[{"invoice_id": a.pk}])
    created = api.post("/payments", body)
    assert created.status_code == 201, created.content
    payment = created.json()
    assert payment["settles"]["amount"] == "100.00" and payment["unallocated"]["amount_minor"] == 4_000
    assert payment["allocations"] == [
        {
            "invoice_id": a.pk,
            "invoice_number": "2026-0101",
            "amount": {"amount_minor": 6_000, "amount": "60.00", "currency": "USD"},
        }
    ]
    pid = payment["id"]
    more = api.post(f"/payments/{pid}/allocations", {"allocations": [{"invoice_id": b.pk, "amount_minor": 1_500}]})
    assert more.status_code == 200 and more.json()["allocated"]["amount_minor"] == 7_500
    assert api.get(f"/payments/{pid}").json()["unallocated"]["amount_minor"] == 2_500
    listed = api.get("/payments", {"client_id": firm.client.pk, "unallocated": "true"}).json()
    assert [p["id"] for p in listed["items"]] == [pid]
    assert api.get("/payments", {"unallocated": "false"}).json()["count"] == 0
    back = api.delete(f"/payments/{pid}/allocations?invoice_id={b.pk}&amount_minor=500")
    assert back.status_code == 200 and back.json()["allocated"]["amount_minor"] == 7_000
    everything = api.delete(f"/payments/{pid}/allocations")
    assert everything.json()["allocations"] == [] and everything.json()["unallocated"]["amount_minor"] == 10_000
    assert api.delete(f"/payments/{pid}").status_code == 204
    assert api.get(f"/payments/{pid}").status_code == 404
    assert Invoice.objects.get(pk=a.pk).paid_minor == 0


def test_refusals_answer_why_and_change_nothing(firm: Firm, api_as: Any) -> None:
    invoice = issued_invoice(firm, 5_000)
    eur = issued_invoice(firm, 5_000, currency="EUR")
    draft = issued_invoice(firm, 5_000, draft=True)
    other_client = crm.client_create(viewer=firm.admin, name="Hooli", currency="USD")
    theirs = issued_invoice(firm, 5_000, client=other_client)
    api = api_as(firm.finance_user)
    cases = [
        (_body(firm, allocations=[{"invoice_id": eur.pk}]), 422, "currency_mismatch"),
        (_body(firm, allocations=[{"invoice_id": invoice.pk, "amount_minor": 5_001}]), 422, "over_open_amount"),
        (_body(firm, 100, allocations=[{"invoice_id": invoice.pk, "amount_minor": 101}]), 422, "over_unallocated"),
        (_body(firm, allocations=[{"invoice_id": draft.pk, "amount_minor": 10}]), 409, "invoice_not_issued"),
        (_body(firm, allocations=[{"invoice_id": theirs.pk, "amount_minor": 10}]), 422, "other_client"),
        (_body(firm, -5), 422, "validation_error"),
        (_body(firm, bank_charges_minor=-1), 422, "validation_error"),
        (_body(firm, allocations=[{"invoice_id": invoice.pk, "amount_minor": -1}]), 422, "validation_error"),
        (_body(firm, received_on=(TODAY + timedelta(days=2)).isoformat()), 422, "invalid"),
        (_body(firm, currency="XYZ"), 422, "invalid"),
        (_body(firm, allocations=[{"invoice_id": 10**9}]), 404, "not_found"),
        (_body(firm, company_id=10**9), 404, "not_found"),
    ]
    for body, status, code in cases:
        with unchanged(invoice):
            body_of = error_of(api.post("/payments", body), status, code)
        assert body_of["detail"]


def test_who_may(firm: Firm, api_as: Any) -> None:
    invoice = issued_invoice(firm, 5_000)
    payment = payment_record(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        received_on=TODAY,
        currency="USD",
        amount_minor=1_000,
        allocations=[AllocationIn(invoice)],
    )
    manager = api_as(firm.manager_user)
    error_of(manager.get("/payments"), 403, "forbidden")
    error_of(manager.get(f"/payments/{payment.pk}"), 404)
    error_of(manager.post("/payments", _body(firm)), 403)
    error_of(manager.get("/receivables/ageing"), 403)
    error_of(manager.get(f"/clients/{firm.client.pk}/statement"), 403)
    rival = api_as(User.objects.get(pk=firm.other_admin.user_id))
    error_of(rival.get(f"/payments/{payment.pk}"), 404)
    error_of(rival.delete(f"/payments/{payment.pk}"), 404)
    error_of(rival.get(f"/clients/{firm.client.pk}/statement"), 404)
    assert rival.get("/payments").json()["count"] == 0
    assert Payment.objects.count() == 1 and PaymentAllocation.objects.count() == 1


def test_bank_statement_upload_suggest_accept(firm: Firm, api_as: Any) -> None:
    invoice = issued_invoice(firm, 123_450, number="2026-0007")
    api = api_as(firm.finance_user)
    data = (
        "Buchungstag;Betrag;Währung;Auftraggeber;Verwendungszweck\n"
        "31.03.2026;1.234,50;USD;Globex;RE 2026-0007\n"
        "31.03.2026;-3,00;USD;Bank;Gebühr\n"
    ).encode("cp1252")
    upload = SimpleUploadedFile("march.csv", data, content_type="text/csv")
    created = api.client.post("/api/v1/bank-statements", {"company_id": firm.usd.pk, "file": upload})
    assert created.status_code == 201, created.content
    statement = created.json()
    assert (statement["line_count"], statement["encoding"], statement["filename"]) == (2, "Windows-1252", "march.csv")
    lines = api.get(f"/bank-statements/{statement['id']}/lines").json()
    first = lines[0]
    assert first["amount"]["amount"] == "1234.50" and first["payment_id"] is None
    assert first["suggestions"][0]["invoice_id"] == invoice.pk and first["suggestions"][0]["strength"] == "strong"
    accepted = api.post(f"/bank-statements/lines/{first['id']}/accept", {"invoice_id": invoice.pk})
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["statement_line_id"] == first["id"]
    assert api.get(f"/bank-statements/{statement['id']}/lines").json()[0]["payment_id"] == accepted.json()["id"]
    error_of(api.post(f"/bank-statements/lines/{first['id']}/accept", {"invoice_id": invoice.pk}), 409)
    error_of(api.post(f"/bank-statements/lines/{lines[1]['id']}/accept", {"invoice_id": invoice.pk}), 422)
    assert api.get("/bank-statements").json()["count"] == 1


def test_a_bad_statement_file_lists_its_problems(firm: Firm, api_as: Any) -> None:
    api = api_as(firm.finance_user)
    data = b"Date,Amount\n2026-03-01,1.00\n2026-13-01,2.00\n2026-03-02,x\n"
    with unchanged():
        response = api.client.post(
            "/api/v1/bank-statements", {"company_id": firm.usd.pk, "file": SimpleUploadedFile("b.csv", data)}
        )
    body = error_of(response, 422, "bad_statement_lines")
    assert "Line 3, Date: '2026-13-01' is not a real date" in body["detail"]
    assert "Line 4, Amount: 'x' is not an amount" in body["detail"]
    manager = api_as(firm.manager_user)
    refused = manager.client.post(
        "/api/v1/bank-statements", {"company_id": firm.usd.pk, "file": SimpleUploadedFile("b.csv", data)}
    )
    error_of(refused, 403)


def test_reports(firm: Firm, api_as: Any) -> None:
    issued_invoice(firm, 10_000, issue_date=TODAY - timedelta(days=70), due_date=TODAY - timedelta(days=40))
    issued_invoice(firm, 5_000, currency="EUR", exchange_rate="1.2", issue_date=TODAY - timedelta(days=10))
    api = api_as(firm.finance_user)
    ageing = api.get("/receivables/ageing", {"company_id": firm.usd.pk}).json()
    assert ageing["buckets"] == ["current", "d1_30", "d31_60", "d61_90", "over_90"]
    [usd] = ageing["companies"]
    assert usd["converted"]["d31_60"]["amount"] == "100.00" and usd["converted"]["current"]["amount"] == "60.00"
    assert usd["converted"]["total"]["amount_minor"] == 16_000
    assert [(c["client_name"], c["currency"]) for c in usd["clients"]] == [("Globex", "EUR"), ("Globex", "USD")]
    every = api.get("/receivables/ageing").json()
    assert {c["company_name"] for c in every["companies"]} == {"Acme US", "Acme EU"}
    past = api.get("/receivables/ageing", {"as_of": (TODAY - timedelta(days=60)).isoformat()}).json()
    assert all(c["invoices"] == 1 for c in past["companies"] if c["company_name"] == "Acme US")
    dso = api.get("/receivables/dso", {"company_id": firm.usd.pk, "days": 30}).json()
    assert dso[0]["credit_sales"]["amount"] == "60.00" and dso[0]["dso"] == "80.0"  # 160 / 60 × 30
    statement = api.get(f"/clients/{firm.client.pk}/statement", {"from": (TODAY - timedelta(days=80)).isoformat()})
    accounts = statement.json()["accounts"]
    assert [(a["currency"], a["closing"]["amount_minor"]) for a in accounts] == [("EUR", 5_000), ("USD", 10_000)]
    error_of(api.get(f"/clients/{firm.client.pk}/statement", {"from": "2026-02-01", "to": "2026-01-01"}), 422)


def _payments(firm: Firm, k: int) -> None:
    for _ in range(k):
        invoice = issued_invoice(firm, 1_000)
        payment_record(
            viewer=firm.finance,
            company=firm.usd,
            client=firm.client,
            received_on=TODAY,
            currency="USD",
            amount_minor=2_000,
            allocations=[AllocationIn(invoice)],
        )


@pytest.mark.parametrize("path", ["/payments", "/bank-statements", "/receivables/ageing"])
def test_lists_cost_the_same_queries(firm: Firm, api_as: Any, path: str, django_assert_max_num_queries: Any) -> None:
    api = api_as(firm.finance_user)
    _payments(firm, 2)
    with CaptureQueriesContext(connection) as few:
        assert api.get(path).status_code == 200
    allowed = len(few)
    _payments(firm, 10)
    with django_assert_max_num_queries(allowed):
        assert api.get(path).status_code == 200
