"""The expense screens: my claims, a claim with lines and receipts, approvals, safe receipt serving."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from margin.expenses import actions
from margin.expenses.models import ClaimStatus, ExpenseCategory, ExpenseClaim, ExpenseLine, Receipt
from margin.expenses.tests import files
from margin.rates.models import ExchangeRate
from tests.firm import Firm


@pytest.fixture
def travel(firm: Firm) -> ExpenseCategory:
    ExchangeRate.objects.create(
        organisation_id=firm.usd.organisation_id,
        from_currency="EUR",
        to_currency="USD",
        day=date(2026, 3, 2),
        rate=Decimal("1.08"),
    )
    return actions.category_create(viewer=firm.finance, name="Travel", billable_default=True)


def _new_claim(client: Client) -> ExpenseClaim:
    response = client.post("/expenses/", {"title": "Lyon workshop"})
    assert response.status_code == 302
    return ExpenseClaim.objects.get(title="Lyon workshop")


def test_member_creates_a_claim_adds_a_foreign_line_and_a_receipt(firm: Firm, sign_in, travel: ExpenseCategory) -> None:
    client = sign_in(firm.member_user)
    assert "My expenses" in client.get("/expenses/").content.decode()
    claim = _new_claim(client)
    form = {
        "date": "2026-03-10",
        "category": travel.pk,
        "merchant": "SNCF",
        "amount": "120.50",
        "currency": "EUR",
        "project": firm.project.pk,
        "billable": "on",
        "markup_percent": "10",
    }
    response = client.post(f"/expenses/{claim.pk}/lines/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    line = ExpenseLine.objects.get(claim=claim)
    assert (line.amount_minor, line.converted_minor, line.bill_amount_minor) == (12_050, 13_014, 14_315)
    page = client.get(f"/expenses/{claim.pk}/").content.decode()
    assert "SNCF" in page and "130.14" in page and "@ 1.08" in page
    upload = SimpleUploadedFile("ticket.png", files.image("PNG"), content_type="image/png")
    assert client.post(f"/expenses/lines/{line.pk}/receipts/", {"file": upload}).status_code == 302
    receipt = Receipt.objects.get(line=line)
    page = client.get(f"/expenses/{claim.pk}/").content.decode()
    assert f"/expenses/receipts/{receipt.pk}/thumbnail/" in page
    thumb = client.get(f"/expenses/receipts/{receipt.pk}/thumbnail/")
    assert thumb["Content-Type"] == "image/jpeg" and thumb["X-Content-Type-Options"] == "nosniff"


def test_bad_input_shows_the_message_and_changes_nothing(firm: Firm, sign_in, travel: ExpenseCategory) -> None:
    client = sign_in(firm.member_user)
    claim = _new_claim(client)
    base = {"date": "2026-03-10", "category": travel.pk, "currency": "EUR"}
    response = client.post(f"/expenses/{claim.pk}/lines/", base | {"amount": "-5"})
    assert response.status_code == 422 and "cannot be negative" in response.content.decode()
    response = client.post(f"/expenses/{claim.pk}/lines/", base | {"amount": "5", "currency": "QQQ"})
    assert response.status_code == 422 and "Unknown currency" in response.content.decode()
    response = client.post(f"/expenses/{claim.pk}/lines/", base | {"amount": "5", "date": "2026-02-01"})
    assert response.status_code == 422 and "No EUR→USD rate on or before 2026-02-01" in response.content.decode()
    assert not ExpenseLine.objects.exists()
    line = actions.line_add(viewer=firm.member, claim=claim, date=date(2026, 3, 10), category=travel, amount_minor=100)
    svg = SimpleUploadedFile("receipt.png", files.SVG, content_type="image/png")
    response = client.post(f"/expenses/lines/{line.pk}/receipts/", {"file": svg}, follow=True)
    assert "JPEG, PNG, WebP or HEIC photo, or a PDF" in response.content.decode()
    assert not Receipt.objects.exists()


def test_manager_approves_from_the_approvals_list(firm: Firm, sign_in, travel: ExpenseCategory) -> None:
    claim = actions.claim_create(viewer=firm.member, title="Client dinner")
    actions.line_add(
        viewer=firm.member,
        claim=claim,
        date=date(2026, 3, 10),
        category=travel,
        amount_minor=9_000,
        project=firm.project,
    )
    actions.claim_submit(viewer=firm.member, claim=claim)
    client = sign_in(firm.manager_user)
    assert "Client dinner" in client.get("/expenses/approvals/").content.decode()
    page = client.get(f"/expenses/{claim.pk}/").content.decode()
    assert 'data-testid="claim-approve"' in page
    response = client.post(f"/expenses/{claim.pk}/reject/", {"reason": ""})
    assert response.status_code == 422
    assert client.post(f"/expenses/{claim.pk}/approve/").status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED


def test_others_cannot_see_a_claim_or_its_receipts(firm: Firm, sign_in, travel: ExpenseCategory) -> None:
    claim = actions.claim_create(viewer=firm.member, title="Private")
    line = actions.line_add(viewer=firm.member, claim=claim, date=date(2026, 3, 10), category=travel, amount_minor=100)
    receipt = actions.receipt_add(viewer=firm.member, line=line, data=files.pdf())
    client = sign_in(firm.member2_user)
    assert client.get(f"/expenses/{claim.pk}/").status_code == 404
    assert client.get(f"/expenses/receipts/{receipt.pk}/").status_code == 404
    client = sign_in(firm.member_user)
    pdf = client.get(f"/expenses/receipts/{receipt.pk}/")
    assert pdf["Content-Type"] == "application/pdf" and pdf["Content-Disposition"].startswith("attachment")


def test_a_pdf_receipt_shows_its_first_page(firm: Firm, sign_in, travel: ExpenseCategory) -> None:
    client = sign_in(firm.member_user)
    claim = _new_claim(client)
    line = actions.line_add(viewer=firm.member, claim=claim, date=date(2026, 3, 10), category=travel, amount_minor=100)
    upload = SimpleUploadedFile("hotel.pdf", files.pdf(), content_type="application/pdf")
    assert client.post(f"/expenses/lines/{line.pk}/receipts/", {"file": upload}).status_code == 302
    receipt = Receipt.objects.get(line=line)
    assert receipt.content_type == "application/pdf" and receipt.thumbnail
    page = client.get(f"/expenses/{claim.pk}/").content.decode()
    assert f"/expenses/receipts/{receipt.pk}/thumbnail/" in page and 'alt="First page of the PDF receipt"' in page
    thumb = client.get(f"/expenses/receipts/{receipt.pk}/thumbnail/")
    assert thumb["Content-Type"] == "image/jpeg" and thumb["X-Content-Type-Options"] == "nosniff"
    assert thumb["Content-Disposition"] == f'inline; filename="receipt-{receipt.pk}-thumb.jpg"'
    assert thumb.content.startswith(b"\xff\xd8\xff")
    original = client.get(f"/expenses/receipts/{receipt.pk}/")  # the PDF itself still downloads
    assert original["Content-Type"] == "application/pdf" and original["Content-Disposition"].startswith("attachment")


def test_the_invoice_shows_billed_expenses(firm: Firm, sign_in, travel: ExpenseCategory) -> None:
    from django.utils import timezone

    from margin.billing.actions import invoice_draft_create

    claim = actions.claim_create(viewer=firm.member, title="Trip")
    actions.line_add(
        viewer=firm.member,
        claim=claim,
        date=date(2026, 3, 10),
        category=travel,
        merchant="Hertz",
        amount_minor=10_000,
        project=firm.project,
        markup_percent=Decimal("5"),
    )
    actions.claim_submit(viewer=firm.member, claim=claim)
    actions.claim_approve(viewer=firm.manager, claim=claim)
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=timezone.localdate())
    page = sign_in(firm.finance_user).get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Expense 2026-03-10 — Travel — Hertz (+5 %)" in page and "105.00" in page


def test_finance_manages_categories_and_rates(firm: Firm, sign_in) -> None:
    client = sign_in(firm.member_user)
    assert client.get("/expenses/settings/").status_code == 403
    client = sign_in(firm.finance_user)
    assert (
        client.post("/expenses/settings/", {"form": "category", "name": "Hotel", "kind": "receipt"}).status_code == 302
    )
    response = client.post("/expenses/settings/", {"form": "category", "name": "hotel", "kind": "receipt"})
    assert response.status_code == 422 and "already a category" in response.content.decode()
    mileage = {"form": "mileage", "company": firm.usd.pk, "valid_from": "2026-01-01", "rate": "0.67", "unit": "km"}
    assert client.post("/expenses/settings/", mileage).status_code == 302
    per_diem = {"form": "per_diem", "company": firm.usd.pk, "valid_from": "2026-01-01", "rate": "60", "country": "x"}
    response = client.post("/expenses/settings/", per_diem)
    assert response.status_code == 422 and "two-letter" in response.content.decode()
    page = client.get("/expenses/settings/").content.decode()
    assert "Hotel" in page and "Mileage per km" in page and "0.67" in page
