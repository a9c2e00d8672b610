"""Expense claims: lines (receipt, mileage, per diem), conversion at a stored dated rate, receipts,
and the workflow draft → submitted → approved | rejected → reimbursed. Refusals change nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage

from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.expenses import actions
from margin.expenses.models import ClaimStatus, ExpenseCategory, ExpenseClaim, ExpenseKind, Receipt
from margin.expenses.queries import claim_get, claims_to_approve, claims_visible, receipt_get
from margin.expenses.tests import files
from margin.expenses.tests.conftest import FxTable
from tests.checks import audit_row, audit_rows, refused
from tests.firm import Firm

DAY = date(2026, 3, 10)
Cats = dict[str, ExpenseCategory]


def _claim(firm: Firm, title: str = "Berlin workshop") -> ExpenseClaim:
    return actions.claim_create(viewer=firm.member, title=title)


def test_claim_in_the_company_currency_with_audit(firm: Firm) -> None:
    claim = _claim(firm)
    assert (claim.person_id, claim.company_id, claim.currency, claim.status) == (
        firm.member_person.pk,
        firm.usd.pk,
        "USD",
        ClaimStatus.DRAFT,
    )
    assert audit_row("expense_claim.create", claim).after["title"] == "Berlin workshop"
    with refused(Invalid, match="title"):
        actions.claim_create(viewer=firm.member, title="  ")


def test_foreign_line_is_converted_at_the_dated_rate_stored_with_it(firm: Firm, cats: Cats, fx: FxTable) -> None:
    claim = _claim(firm)
    line = actions.line_add(
        viewer=firm.member,
        claim=claim,
        date=DAY,
        category=cats["meals"],
        merchant="Café Einstein",
        amount_minor=4_550,
        currency="eur",
    )
    assert (line.currency, line.converted_minor, line.exchange_rate, line.rate_date) == (
        "EUR",
        5_005,
        Decimal("1.1"),
        date(2026, 1, 2),
    )
    claim.refresh_from_db()
    assert claim.total_minor == 5_005
    # A later rate does not touch the stored line.
    fx[("EUR", "USD")].append((date(2026, 3, 1), Decimal("2")))
    line.refresh_from_db()
    assert line.converted_minor == 5_005
    assert audit_row("expense_line.create", line).after["converted_minor"] == 5_005


def test_bad_amounts_currencies_and_missing_rates_change_nothing(firm: Firm, cats: Cats, fx: FxTable) -> None:
    claim = _claim(firm)
    add = {"viewer": firm.member, "claim": claim, "date": DAY, "category": cats["meals"]}
    with refused(Invalid, claim, match="cannot be negative") as info:
        actions.line_add(**add, amount_minor=-100, currency="USD")
    assert info.value.field == "amount_minor"
    with refused(Invalid, claim, match="Unknown currency 'XYZ'"):
        actions.line_add(**add, amount_minor=100, currency="XYZ")
    with refused(Invalid, claim, match=r"No GBP→USD rate on or before 2026-03-10") as info:
        actions.line_add(**add, amount_minor=100, currency="GBP")
    assert info.value.field == "currency"
    with refused(Invalid, claim, match="No EUR→USD rate on or before 2025-12-31"):
        actions.line_add(**add | {"date": date(2025, 12, 31)}, amount_minor=100, currency="EUR")
    with refused(Invalid, claim, match="not a date"):
        actions.line_add(**add | {"date": date(2099, 1, 1)}, amount_minor=100, currency="USD")
    with refused(Invalid, claim, match="markup"):
        actions.line_add(**add, amount_minor=100, currency="USD", project=firm.project, markup_percent=Decimal(-5))


def test_mileage_and_per_diem_use_the_company_rates_of_the_date(firm: Firm, cats: Cats, fx: FxTable) -> None:
    actions.mileage_rate_set(viewer=firm.finance, company=firm.usd, valid_from=date(2026, 1, 1), rate=Decimal("0.67"))
    actions.mileage_rate_set(viewer=firm.finance, company=firm.usd, valid_from=date(2026, 4, 1), rate=Decimal("0.70"))
    actions.per_diem_rate_set(
        viewer=firm.finance, company=firm.usd, country="de", valid_from=date(2026, 1, 1), rate=Decimal("60")
    )
    claim = _claim(firm)
    trip = actions.line_add(
        viewer=firm.member, claim=claim, date=DAY, category=cats["car"], distance=Decimal("120.5"), project=firm.project
    )
    assert (trip.kind, trip.unit_rate, trip.amount_minor, trip.currency) == (
        ExpenseKind.MILEAGE,
        Decimal("0.67"),
        8_074,
        "USD",
    )
    assert trip.billable  # the category's default, with a project
    stay = actions.line_add(
        viewer=firm.member, claim=claim, date=DAY, category=cats["per_diem"], days=Decimal("2.5"), country="DE"
    )
    assert (stay.amount_minor, stay.converted_minor) == (15_000, 15_000)
    claim.refresh_from_db()
    assert claim.total_minor == 8_074 + 15_000
    with refused(Invalid, claim, match="No per-diem rate for FR on or before 2026-03-10"):
        actions.line_add(
            viewer=firm.member, claim=claim, date=DAY, category=cats["per_diem"], days=Decimal(1), country="FR"
        )
    with refused(Invalid, claim, match="No mileage rate per km on or before 2025-12-01"):
        actions.line_add(
            viewer=firm.member, claim=claim, date=date(2025, 12, 1), category=cats["car"], distance=Decimal(10)
        )
    with refused(Invalid, claim, match="distance"):
        actions.line_add(viewer=firm.member, claim=claim, date=DAY, category=cats["car"], distance=Decimal(-3))
    with refused(Invalid, claim, match="halves"):
        actions.line_add(
            viewer=firm.member, claim=claim, date=DAY, category=cats["per_diem"], days=Decimal("0.3"), country="DE"
        )


def test_billable_line_with_markup_and_project_rules(firm: Firm, cats: Cats, fx: FxTable) -> None:
    claim = _claim(firm)
    line = actions.line_add(
        viewer=firm.member,
        claim=claim,
        date=DAY,
        category=cats["travel"],
        amount_minor=20_000,
        currency="EUR",
        project=firm.project,
        task=firm.design,
        billable=True,
        markup_percent=Decimal("10"),
    )
    assert (line.converted_minor, line.bill_amount_minor, line.bill_currency) == (22_000, 24_200, "USD")
    with refused(Invalid, claim, match="needs a project"):
        actions.line_add(
            viewer=firm.member, claim=claim, date=DAY, category=cats["travel"], amount_minor=1, billable=True
        )
    with refused(NotFound, claim, match="No such project"):
        actions.line_add(
            viewer=firm.member,
            claim=claim,
            date=DAY,
            category=cats["travel"],
            amount_minor=1,
            project=firm.other_project,
        )
    updated = actions.line_update(viewer=firm.member, line=line, markup_percent=Decimal(0), amount_minor=10_000)
    assert (updated.converted_minor, updated.bill_amount_minor) == (11_000, 11_000)
    assert audit_row("expense_line.update", line).before["amount_minor"] == 20_000


def test_workflow_submit_approve_reimburse(firm: Firm, cats: Cats, fx: FxTable) -> None:
    claim = _claim(firm)
    with refused(Invalid, claim, match="at least one"):
        actions.claim_submit(viewer=firm.member, claim=claim)
    line = actions.line_add(
        viewer=firm.member, claim=claim, date=DAY, category=cats["travel"], amount_minor=5_000, project=firm.project
    )
    claim = actions.claim_submit(viewer=firm.member, claim=claim)
    assert claim.status == ClaimStatus.SUBMITTED and claim.submitted_at is not None
    # Submitted: nothing can be changed.
    with refused(Conflict, claim, line, match="submitted"):
        actions.line_update(viewer=firm.member, line=line, amount_minor=1)
    with refused(Conflict, claim, match="submitted"):
        actions.line_add(viewer=firm.member, claim=claim, date=DAY, category=cats["meals"], amount_minor=1)
    # Own claim, colleague, finance before approval.
    with refused(Forbidden, claim, match="own claim"):
        actions.claim_approve(viewer=firm.member, claim=claim)
    with refused(Forbidden, claim):
        actions.claim_approve(viewer=firm.member2, claim=claim)
    with refused(Conflict, claim, match="Only an approved claim"):
        actions.claim_reimburse(viewer=firm.finance, claim=claim)
    assert list(claims_to_approve(firm.manager)) == [claim]
    assert list(claims_to_approve(firm.member2)) == []
    claim = actions.claim_approve(viewer=firm.manager, claim=claim)
    assert claim.status == ClaimStatus.APPROVED and claim.decided_by_id == firm.manager_user.pk
    assert audit_row("expense_claim.approve", claim).after["status"] == "approved"
    with refused(Forbidden, claim, match="Only finance"):
        actions.claim_reimburse(viewer=firm.manager, claim=claim)
    claim = actions.claim_reimburse(viewer=firm.finance, claim=claim)
    assert claim.status == ClaimStatus.REIMBURSED and claim.reimbursed_by_id == firm.finance_user.pk
    with refused(Conflict, claim):
        actions.claim_approve(viewer=firm.finance, claim=claim)


def test_reject_needs_a_reason_and_editing_returns_to_draft(firm: Firm, cats: Cats, fx: FxTable) -> None:
    claim = _claim(firm)
    line = actions.line_add(viewer=firm.member, claim=claim, date=DAY, category=cats["meals"], amount_minor=900)
    actions.claim_submit(viewer=firm.member, claim=claim)
    with refused(Invalid, claim, match="Say why"):
        actions.claim_reject(viewer=firm.finance, claim=claim, reason=" ")
    # A line without a project: only finance decides.
    with refused(Forbidden, claim, match="Only finance"):
        actions.claim_reject(viewer=firm.manager, claim=claim, reason="no")
    claim = actions.claim_reject(viewer=firm.finance, claim=claim, reason="Receipt missing")
    assert (claim.status, claim.rejection_reason) == (ClaimStatus.REJECTED, "Receipt missing")
    actions.line_update(viewer=firm.member, line=line, amount_minor=800)
    claim.refresh_from_db()
    assert (claim.status, claim.total_minor) == (ClaimStatus.DRAFT, 800)
    assert actions.claim_submit(viewer=firm.member, claim=claim).status == ClaimStatus.SUBMITTED


def test_manager_decides_only_claims_wholly_on_their_projects(firm: Firm, cats: Cats, fx: FxTable) -> None:
    claim = _claim(firm)
    actions.line_add(
        viewer=firm.member, claim=claim, date=DAY, category=cats["travel"], amount_minor=100, project=firm.project
    )
    actions.line_add(viewer=firm.member, claim=claim, date=DAY, category=cats["meals"], amount_minor=100)
    assert claim not in claims_visible(firm.manager)  # a draft is its owner's business
    actions.claim_submit(viewer=firm.member, claim=claim)
    assert claim in claims_visible(firm.manager)
    assert list(claims_to_approve(firm.manager)) == []
    with refused(Forbidden, claim):
        actions.claim_approve(viewer=firm.manager, claim=claim)
    assert actions.claim_approve(viewer=firm.finance, claim=claim).status == ClaimStatus.APPROVED


def test_visibility_and_other_tenants(firm: Firm, cats: Cats, fx: FxTable) -> None:
    claim = _claim(firm)
    assert claim in claims_visible(firm.member)
    assert claim not in claims_visible(firm.member2)
    assert claim in claims_visible(firm.finance)
    with pytest.raises(NotFound):
        claim_get(firm.other_admin, claim.pk)
    with refused(NotFound, claim):
        actions.claim_submit(viewer=firm.other_admin, claim=claim)
    with refused(Forbidden, claim):
        actions.claim_update(viewer=firm.member2, claim=claim, title="Mine now")
    with refused(Forbidden, match="finance"):
        actions.category_create(viewer=firm.member, name="Gifts")
    with refused(Conflict, match="already"):
        actions.category_create(viewer=firm.finance, name="travel")


def test_receipts_are_checked_stored_thumbnailed_and_deleted(firm: Firm, cats: Cats, fx: FxTable) -> None:
    claim = _claim(firm)
    line = actions.line_add(viewer=firm.member, claim=claim, date=DAY, category=cats["meals"], amount_minor=900)
    receipt = actions.receipt_add(viewer=firm.member, line=line, data=files.image("PNG"), filename="lunch.svg")
    assert receipt.content_type == "image/png" and receipt.file.name.endswith(".png")
    assert default_storage.exists(receipt.file.name) and default_storage.exists(receipt.thumbnail.name)
    assert receipt_get(firm.member, receipt.pk) == receipt
    with pytest.raises(NotFound):
        receipt_get(firm.member2, receipt.pk)
    pdf = actions.receipt_add(viewer=firm.member, line=line, data=files.pdf(), filename="hotel.pdf")
    assert pdf.content_type == "application/pdf" and pdf.file.name.endswith(".pdf")
    assert pdf.thumbnail.name.endswith(".jpg") and default_storage.exists(pdf.thumbnail.name)  # its first page
    with default_storage.open(pdf.thumbnail.name) as stored:
        assert stored.read(3) == b"\xff\xd8\xff"
    locked = actions.receipt_add(viewer=firm.member, line=line, data=files.encrypted_pdf(), filename="locked.pdf")
    assert locked.content_type == "application/pdf" and not locked.thumbnail
    for bad, message in [
        (files.SVG, "JPEG, PNG"),
        (files.HTML, "JPEG, PNG"),
        (b"\xff\xd8\xff\xe0" + files.HTML, "damaged"),
        (files.png_bomb(), "megapixels"),
        (b"%PDF-" + b"0" * (10 * 1024 * 1024 + 1) + b"%%EOF", "limit is 10 MB"),
        (b"%PDF-1.7\n" + b"0" * 100 + b"\n%%EOF\n", "PDF is incomplete or damaged"),
    ]:
        with refused(Invalid, line, match=message):
            actions.receipt_add(viewer=firm.member, line=line, data=bad, filename="receipt.jpg")
    with refused(Forbidden, line):
        actions.receipt_add(viewer=firm.member2, line=line, data=files.pdf())
    receipt_id = receipt.pk
    actions.receipt_delete(viewer=firm.member, receipt=receipt)
    assert not Receipt.objects.filter(pk=receipt_id).exists()
    assert audit_rows("receipt.delete")[0].object_id == receipt_id


def test_line_delete_and_claim_delete(firm: Firm, cats: Cats, fx: FxTable) -> None:
    claim = _claim(firm)
    line = actions.line_add(viewer=firm.member, claim=claim, date=DAY, category=cats["meals"], amount_minor=900)
    actions.line_delete(viewer=firm.member, line=line)
    claim.refresh_from_db()
    assert claim.total_minor == 0
    actions.claim_delete(viewer=firm.member, claim=claim)
    assert not ExpenseClaim.objects.filter(pk=claim.pk).exists()
