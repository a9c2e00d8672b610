"""Billing in a real browser, from approved time to a credit note: finance opens GLX-1's contract, its "Ready to bill"
tab up to the end of March (time under a 12-hour cap, the rest over it, a fixed-fee instalment due), drafts the
invoice, writes the build line down with a reason, adds a discount, issues it, and credits part of it; back on the
contract, an hour over the cap is written off with a reason.

Screenshots: /tmp/billing_ready.png (the tab), /tmp/billing_draft.png (the draft under review),
/tmp/billing_credit.png (the credit note form on the issued invoice), /tmp/billing_credit_note.png (the issued
credit note) and /tmp/billing_over_cap.png (the contract's time over its cap, one hour written off).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from margin.billing.models import DocumentKind, HoldReason, Invoice, InvoiceLine, InvoiceStatus, TimeHold
from margin.billing.tests.test_contract_invoicing import contract_of, march
from margin.contracts import actions as contracts
from tests.browser.notices import expect_notice
from tests.firm import Firm

pytestmark = pytest.mark.browser


def _terms(firm: Firm) -> None:
    """GLX-1 bills time capped at 12 hours, a fixed-fee workshop, and 20 % VAT."""
    contract = contract_of(firm)
    vat = contracts.tax_code_create(
        viewer=firm.finance, company=firm.usd, code="VAT20", name="VAT", kind="standard", rate=20
    )
    contracts.contract_update(viewer=firm.finance, contract=contract, tax_code_id=vat.pk)
    time = contract.billing_lines.get(model="time")
    contracts.billing_line_update(
        viewer=firm.finance, line=time, name="Build and design", cap_kind="minutes", cap_limit=720
    )
    workshop = contracts.billing_line_create(
        viewer=firm.finance, contract=contract, model="fixed", name="Discovery workshop", price_minor=400_000
    )
    contracts.instalment_create(
        viewer=firm.finance, line=workshop, description="Kick-off", amount_minor=200_000, due_date=date(2026, 3, 2)
    )


def test_from_approved_time_to_a_credit_note(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    march(firm)
    _terms(firm)
    contract = contract_of(firm)

    sign_in("finn")
    page.get_by_test_id("nav-invoices-menu").click()
    page.get_by_test_id("nav-contracts").click()
    page.get_by_role("link", name="GLX-1").first.click()
    page.get_by_test_id("tab-ready").click()
    page.get_by_label("Approved work up to").fill("2026-03-31")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/ready/?up_to=2026-03-31")
    items = page.get_by_test_id("ready-items")
    expect(items).to_contain_text("Build — Consultant")
    expect(items).to_contain_text("Discovery workshop — Kick-off")
    # 12 h of build fit under the cap (1,200.00) with the 2,000.00 instalment; 3.25 h wait over the cap.
    expect(page.get_by_test_id("ready-total")).to_have_text("3,200.00 USD")
    expect(page.get_by_test_id("cap-text")).to_have_text("3.25 h over the cap")
    expect(page.get_by_test_id("over-cap").locator("tbody tr")).to_have_count(3)
    page.screenshot(path="/tmp/billing_ready.png", full_page=True)

    page.get_by_test_id("draft-invoices").click()
    page.wait_for_url("**/invoices/*/")
    invoice = Invoice.objects.get()
    assert invoice.status == InvoiceStatus.DRAFT and invoice.net_minor == 320_000
    assert TimeHold.objects.filter(reason=HoldReason.OVER_CAP).count() == 3
    expect(page.get_by_test_id("invoice-total")).to_have_text("3,840.00 USD")

    # Write the build line down to 1,000.00 — first without a reason, which the form refuses.
    build = page.locator('tr[data-testid="review-line"]', has_text="Build — Consultant")
    build.get_by_test_id("adjust-open").click()
    form = page.locator(f"#adjust-{InvoiceLine.objects.get(invoice=invoice, kind='time').pk}")
    form.get_by_test_id("adjust-amount").fill("1,000.00")
    form.get_by_test_id("adjust-save").click()
    expect(page.get_by_test_id("adjust-error")).to_have_text("Say why the line is written up or down.")
    assert Invoice.objects.get().net_minor == 320_000
    page.locator('tr[data-testid="review-line"]', has_text="Build — Consultant").get_by_test_id("hold-open").click()
    expect(page.get_by_test_id("hold-form")).to_be_visible()
    page.screenshot(path="/tmp/billing_draft_edit.png", full_page=True)
    page.locator('tr[data-testid="review-line"]', has_text="Build — Consultant").get_by_test_id("hold-open").click()
    page.locator("[data-testid=adjust-form]:visible").get_by_test_id("adjust-reason").fill("Onboarding a new developer")
    page.locator("[data-testid=adjust-form]:visible").get_by_test_id("adjust-save").click()
    expect(page.get_by_test_id("review-notice")).to_contain_text("is written down")
    expect(page.get_by_test_id("line-reason")).to_contain_text("Onboarding a new developer")
    expect(page.get_by_test_id("realisation-pct")).to_have_text("93.8 %")  # 3,000.00 billed of 3,200.00 standard

    # A discount: above the net first (refused), then 150.00.
    page.get_by_test_id("add-discount-tab").click()
    discount = page.get_by_test_id("add-discount")
    discount.get_by_label("Description").fill("Loyalty discount")
    discount.get_by_label("Discount").fill("5,000")
    discount.get_by_test_id("add-discount-submit").click()
    expect(page.get_by_test_id("add-discount-error")).to_contain_text("cannot be more than the invoice's net")
    page.get_by_test_id("add-discount").get_by_label("Discount").fill("150.00")
    page.get_by_test_id("add-discount").get_by_test_id("add-discount-submit").click()
    expect(page.get_by_test_id("review-notice")).to_contain_text("Discount “Loyalty discount” added.")
    expect(page.get_by_test_id("invoice-net")).to_have_text("2,850.00 USD")
    expect(page.get_by_test_id("invoice-total")).to_have_text("3,420.00 USD")
    page.screenshot(path="/tmp/billing_draft.png", full_page=True)

    page.get_by_test_id("issue-invoice").click()
    expect_notice(page, "is issued")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.total_minor == 342_000
    expect(page.get_by_test_id("state-badge")).to_have_text("Issued")

    # Credit 200.00 of the build line.
    page.get_by_test_id("credit-open").click()
    credit = page.get_by_test_id("credit-form")
    expect(credit).to_be_visible()
    row = credit.locator("tr", has_text="Build — Consultant")
    row.get_by_role("checkbox").check()
    row.get_by_test_id("credit-part").fill("200.00")
    credit.get_by_test_id("credit-reason").fill("Two hours were billed twice")
    page.screenshot(path="/tmp/billing_credit.png", full_page=True)
    credit.get_by_test_id("credit-submit").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text(f"for invoice {invoice.number}")
    note = Invoice.objects.get(kind=DocumentKind.CREDIT_NOTE)
    expect(page.get_by_role("heading", level=2)).to_contain_text(
        f"Draft credit note #{note.pk} for invoice {invoice.number}"
    )
    page.get_by_test_id("issue-invoice").click()
    expect_notice(page, "Credit note CN-")
    note.refresh_from_db()
    assert note.status == InvoiceStatus.ISSUED and note.total_minor == 24_000  # 200.00 + 20 % VAT
    expect(page.get_by_role("heading", level=2)).to_contain_text(
        f"Credit note {note.number} for invoice {invoice.number}"
    )
    page.screenshot(path="/tmp/billing_credit_note.png", full_page=True)

    page.get_by_test_id("credited-invoice").first.click()
    page.wait_for_url(f"**/invoices/{invoice.pk}/")
    expect(page.get_by_test_id("amount-credited")).to_have_text("240.00 USD")
    expect(page.get_by_test_id("amount-open")).to_have_text("3,180.00 USD")
    expect(page.get_by_test_id("credit-notes")).to_contain_text(note.number or "")

    # Back on the contract: the time over the cap waits for a decision. Write Lea's hour off, with a reason.
    page.get_by_role("link", name="GLX-1").last.click()
    page.get_by_test_id("tab-ready").click()
    over = page.get_by_test_id("over-cap")
    expect(over.locator('input[name="entry"]')).to_have_count(3)
    over.locator("tr", has_text="Lea").get_by_role("checkbox").check()
    over.get_by_test_id("write-off-open").click()
    over.get_by_test_id("write-off").click()
    expect(page.get_by_test_id("write-off-error")).to_have_text("Say why the time is written off.")
    page.get_by_test_id("over-cap").locator("tr", has_text="Lea").get_by_role("checkbox").check()
    page.get_by_test_id("write-off-note").fill("Lea's review hour was our own quality check")
    page.get_by_test_id("write-off").click()
    expect(page.get_by_role("alert").first).to_contain_text("1 entry over the cap is written off.")
    expect(page.get_by_test_id("held-time")).to_contain_text("our own quality check")
    assert TimeHold.objects.filter(reason=HoldReason.WRITTEN_OFF).count() == 1
    page.screenshot(path="/tmp/billing_over_cap.png", full_page=True)
    assert contract.pk == Invoice.objects.get(pk=invoice.pk).contract_id
