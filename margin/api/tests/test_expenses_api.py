"""Expenses through the API: claims, lines, receipts (multipart upload, safe serving), the workflow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from margin.api.tests.conftest import BASE, Api, error_of, unchanged
from margin.expenses import actions
from margin.expenses.models import ClaimStatus, ExpenseCategory, ExpenseClaim, Receipt
from margin.expenses.tests import files
from margin.rates.models import ExchangeRate
from tests.firm import Firm

DAY = "2026-03-10"


@pytest.fixture
def tom(firm: Firm, api_as: Any) -> Api:
    return api_as(firm.member_user)


@pytest.fixture
def cat(firm: Firm) -> ExpenseCategory:
    ExchangeRate.objects.create(
        organisation_id=firm.usd.organisation_id,
        from_currency="EUR",
        to_currency="USD",
        day=date(2026, 3, 2),
        rate=Decimal("1.08"),
    )
    return actions.category_create(viewer=firm.finance, name="Travel", billable_default=True)


def _claim(tom: Api) -> dict[str, Any]:
    response = tom.post("/expenses/claims", {"title": "Paris trip"})
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def _line(tom: Api, claim_id: int, cat: ExpenseCategory, **extra: Any) -> Any:
    body = {"date": DAY, "category_id": cat.pk, "amount_minor": 10_000, "currency": "EUR", "merchant": "SNCF"}
    return tom.post(f"/expenses/claims/{claim_id}/lines", body | extra)


def _upload(tom: Api, line_id: int, data: bytes, name: str = "r.jpg", content_type: str = "image/jpeg") -> Any:
    upload = SimpleUploadedFile(name, data, content_type=content_type)
    return tom.client.post(f"{BASE}/expenses/lines/{line_id}/receipts", {"file": upload})


def test_claim_line_conversion_and_detail(firm: Firm, tom: Api, cat: ExpenseCategory, api_as: Any) -> None:
    claim = _claim(tom)
    assert (claim["status"], claim["total"]["currency"], claim["lines"]) == ("draft", "USD", [])
    response = _line(tom, claim["id"], cat, project_id=firm.project.pk, markup_percent="15")
    assert response.status_code == 201, response.content
    line = response.json()
    assert line["amount"] == {"amount_minor": 10_000, "amount": "100.00", "currency": "EUR"}
    assert line["converted"]["amount_minor"] == 10_800
    assert (line["exchange_rate"], line["rate_date"], line["billable"]) == ("1.08", "2026-03-02", True)
    assert line["bill_amount"] is None  # what the client is charged is the project's money, not Tom's
    assert api_as(firm.manager_user).get(f"/expenses/lines/{line['id']}").status_code == 404  # a draft claim
    as_finance = api_as(firm.finance_user).get(f"/expenses/lines/{line['id']}").json()
    assert as_finance["bill_amount"]["amount_minor"] == 12_420
    detail = tom.get(f"/expenses/claims/{claim['id']}").json()
    assert detail["total"]["amount_minor"] == 10_800 and len(detail["lines"]) == 1
    changed = tom.patch(f"/expenses/lines/{line['id']}", {"amount_minor": 5_000})
    assert changed.status_code == 200 and changed.json()["converted"]["amount_minor"] == 5_400


def test_bad_lines_answer_422_and_change_nothing(firm: Firm, tom: Api, cat: ExpenseCategory) -> None:
    claim = _claim(tom)
    stored = ExpenseClaim.objects.get(pk=claim["id"])
    with unchanged(stored):
        body = error_of(_line(tom, claim["id"], cat, amount_minor=-500), 422, "invalid")
        assert body["field"] == "amount_minor" and "negative" in body["detail"]
        body = error_of(_line(tom, claim["id"], cat, currency="ABC"), 422)
        assert body["field"] == "currency" and "Unknown currency" in body["detail"]
        body = error_of(_line(tom, claim["id"], cat, date="2026-03-01"), 422)
        assert "No EUR→USD rate on or before 2026-03-01" in body["detail"]
        error_of(_line(tom, claim["id"], cat, project_id=firm.other_project.pk), 404)


def test_receipt_upload_and_safe_serving(firm: Firm, tom: Api, api_as: Any, cat: ExpenseCategory) -> None:
    claim = _claim(tom)
    line = _line(tom, claim["id"], cat).json()
    response = _upload(tom, line["id"], files.image("PNG"), name="scan.html", content_type="text/html")
    assert response.status_code == 201, response.content
    receipt = response.json()
    assert (receipt["content_type"], receipt["has_thumbnail"]) == ("image/png", True)
    got = tom.get(f"/expenses/receipts/{receipt['id']}/file")
    assert got.status_code == 200
    assert got["Content-Type"] == "image/png"
    assert got["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in got["Content-Security-Policy"] and "default-src 'none'" in got["Content-Security-Policy"]
    assert got["Content-Disposition"].startswith("inline;")
    assert got.content == files.image("PNG")
    thumb = tom.get(f"/expenses/receipts/{receipt['id']}/thumbnail")
    assert thumb["Content-Type"] == "image/jpeg" and thumb.content.startswith(b"\xff\xd8\xff")
    pdf = _upload(tom, line["id"], files.pdf(), name="hotel.png", content_type="image/png").json()
    got = tom.get(f"/expenses/receipts/{pdf['id']}/file")
    assert got["Content-Type"] == "application/pdf" and got["Content-Disposition"].startswith("attachment;")
    # Others see nothing.
    error_of(api_as(firm.member2_user).get(f"/expenses/receipts/{receipt['id']}/file"), 404)
    error_of(api_as(firm.other_admin and None).get(f"/expenses/receipts/{receipt['id']}/file"), 401)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (files.SVG, "JPEG, PNG"),
        (files.HTML, "JPEG, PNG"),
        (b"\xff\xd8\xff\xe0" + files.HTML, "damaged"),
        (files.png_bomb(), "megapixels"),
        (b"%PDF-" + b"0" * (10 * 1024 * 1024 + 10) + b"%%EOF", "10 MB"),
    ],
)
def test_bad_receipts_are_refused(firm: Firm, tom: Api, cat: ExpenseCategory, data: bytes, message: str) -> None:
    line = _line(tom, _claim(tom)["id"], cat).json()
    with unchanged():
        body = error_of(_upload(tom, line["id"], data), 422)
    assert message in body["detail"] and body["field"] == "file"
    assert not Receipt.objects.exists()


def test_workflow_through_the_api(firm: Firm, tom: Api, api_as: Any, cat: ExpenseCategory) -> None:
    claim = _claim(tom)
    _line(tom, claim["id"], cat, project_id=firm.project.pk)
    maya, finn = api_as(firm.manager_user), api_as(firm.finance_user)
    assert tom.post(f"/expenses/claims/{claim['id']}/submit").json()["status"] == "submitted"
    assert [c["id"] for c in maya.get("/expenses/claims/approvals").json()["items"]] == [claim["id"]]
    error_of(tom.post(f"/expenses/claims/{claim['id']}/approve"), 403)
    error_of(maya.post(f"/expenses/claims/{claim['id']}/reject", {"reason": ""}), 422)
    rejected = maya.post(f"/expenses/claims/{claim['id']}/reject", {"reason": "Wrong project"}).json()
    assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "Wrong project")
    assert tom.post(f"/expenses/claims/{claim['id']}/submit").json()["status"] == "submitted"
    assert maya.post(f"/expenses/claims/{claim['id']}/approve").json()["status"] == "approved"
    error_of(maya.post(f"/expenses/claims/{claim['id']}/reimburse"), 403)
    error_of(tom.patch(f"/expenses/claims/{claim['id']}", {"title": "x"}), 409)
    assert finn.post(f"/expenses/claims/{claim['id']}/reimburse").json()["status"] == "reimbursed"
    assert ExpenseClaim.objects.get(pk=claim["id"]).status == ClaimStatus.REIMBURSED
    assert [c["id"] for c in tom.get("/expenses/claims", {"status": "reimbursed"}).json()["items"]] == [claim["id"]]


def test_settings_are_for_finance(firm: Firm, tom: Api, api_as: Any) -> None:
    error_of(tom.post("/expenses/categories", {"name": "Gifts"}), 403)
    finn = api_as(firm.finance_user)
    assert finn.post("/expenses/categories", {"name": "Car", "kind": "mileage"}).status_code == 201
    rate = finn.post("/expenses/mileage-rates", {"company_id": firm.usd.pk, "valid_from": "2026-01-01", "rate": "0.67"})
    assert rate.status_code == 200 and rate.json()["rate"] == "0.6700"
    per_diem = {"company_id": firm.usd.pk, "country": "DE", "valid_from": "2026-01-01", "rate": "60"}
    assert finn.post("/expenses/per-diem-rates", per_diem).status_code == 200
    error_of(tom.post("/expenses/mileage-rates", {"company_id": firm.usd.pk, "valid_from": DAY, "rate": "1"}), 403)
