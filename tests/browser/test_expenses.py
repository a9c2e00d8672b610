"""Expenses in a real browser: a member files a claim with a foreign-currency line and a photo receipt
(thumbnail shown), submits it; the project manager approves it. Screenshots in var/screenshots."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from margin.expenses import actions
from margin.expenses.models import ClaimStatus, ExpenseClaim
from margin.rates.models import ExchangeRate
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _receipt_photo() -> bytes:
    image = Image.new("RGB", (600, 900), (250, 250, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 560, 140), fill=(30, 60, 120))
    for y in range(200, 800, 60):
        draw.rectangle((60, y, 540, y + 20), fill=(180, 180, 180))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def test_claim_receipt_submit_and_approve(browser_firm: Firm, page: Any, sign_in: Any) -> None:
    firm = browser_firm
    SHOTS.mkdir(parents=True, exist_ok=True)
    ExchangeRate.objects.create(
        organisation_id=firm.usd.organisation_id,
        from_currency="EUR",
        to_currency="USD",
        day=date(2026, 3, 2),
        rate=Decimal("1.08"),
    )
    travel = actions.category_create(viewer=firm.finance, name="Travel", billable_default=True)
    actions.category_create(viewer=firm.finance, name="Meals")

    sign_in("tom")
    page.get_by_test_id("nav-expenses-menu").click()  # the Expenses menu holds it
    page.get_by_test_id("nav-expenses").click()
    page.get_by_label("Title").fill("Lyon workshop")
    page.get_by_test_id("claim-create").click()
    page.wait_for_url("**/expenses/*/")
    page.get_by_label("Date").fill("2026-03-10")
    page.get_by_label("Category").select_option(label="Travel")
    page.get_by_label("Merchant").fill("SNCF")
    page.get_by_label("Amount").fill("120.50")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_label("Project").select_option(value=str(firm.project.pk))
    page.get_by_label("Billable to the client").check()
    page.get_by_label("Markup %").fill("10")
    page.get_by_test_id("line-add").click()
    page.wait_for_selector("[data-testid=lines-table]")
    assert "130.14" in page.get_by_test_id("claim-total").inner_text()
    assert "1.08" in page.get_by_test_id("rate").inner_text()

    # A bad amount: the message is shown, nothing added.
    page.get_by_label("Date").fill("2026-03-11")
    page.get_by_label("Amount").fill("-3")
    page.get_by_test_id("line-add").click()
    assert "cannot be negative" in page.get_by_test_id("line-error").first.inner_text()
    page.screenshot(path=str(SHOTS / "expenses-line-error.png"), full_page=True)

    claim = ExpenseClaim.objects.get(title="Lyon workshop")
    line = claim.lines.get()
    page.goto(f"/expenses/{claim.pk}/")
    page.get_by_test_id(f"receipt-file-{line.pk}").set_input_files(
        files=[{"name": "ticket.jpg", "mimeType": "image/jpeg", "buffer": _receipt_photo()}]
    )
    page.get_by_test_id(f"receipt-upload-{line.pk}").click()
    # Wait for the image itself, not only its tag (a slow machine loads it after the tag appears); a
    # thumbnail that fails to load never gets a width, and the wait times out.
    page.wait_for_function(
        "() => { const img = document.querySelector('img.receipt-thumb');"
        " return img && img.complete && img.naturalWidth > 0; }"
    )
    page.screenshot(path=str(SHOTS / "expenses-claim.png"), full_page=True)
    page.get_by_test_id("claim-submit").click()
    page.wait_for_selector("[data-testid=claim-status]:has-text('Submitted')")

    # The project manager approves it.
    page.context.clear_cookies()
    sign_in("maya")
    page.goto("/expenses/approvals/")
    page.screenshot(path=str(SHOTS / "expenses-approvals.png"), full_page=True)
    page.get_by_role("link", name="Lyon workshop").first.click()
    page.get_by_test_id("claim-approve").click()
    page.wait_for_selector("[data-testid=claim-status]:has-text('Approved')")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED

    # Finance reimburses it and looks at the settings; the claim on a phone-sized screen.
    page.context.clear_cookies()
    sign_in("finn")
    page.goto(f"/expenses/{claim.pk}/")
    page.get_by_test_id("claim-reimburse").click()
    page.wait_for_selector("[data-testid=claim-status]:has-text('Reimbursed')")
    page.goto("/expenses/settings/")
    page.screenshot(path=str(SHOTS / "expenses-settings.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/expenses/{claim.pk}/")
    page.screenshot(path=str(SHOTS / "expenses-claim-phone.png"), full_page=True)
    assert travel.pk == line.category_id


def test_expense_only_project_is_invoiced_and_its_cost_shown(browser_firm: Firm, page: Any, sign_in: Any) -> None:
    """An approved billable expense (and no time) lists the project under Ready to invoice; finance
    drafts it from there; the project page shows the expense in its cost. A closed period refuses a
    claim dated in it, with the company and the lock date."""
    from margin.closing.actions import period_close

    firm = browser_firm
    shots = Path("/tmp/shots/expenses")
    shots.mkdir(parents=True, exist_ok=True)
    travel = actions.category_create(viewer=firm.finance, name="Travel", billable_default=True)
    claim = actions.claim_create(viewer=firm.member, title="Globex visit")
    actions.line_add(
        viewer=firm.member,
        claim=claim,
        date=date(2026, 3, 10),
        category=travel,
        merchant="Delta",
        amount_minor=41_280,
        currency="USD",
        project=firm.project,
        markup_percent=Decimal(10),
    )
    actions.claim_submit(viewer=firm.member, claim=claim)
    actions.claim_approve(viewer=firm.manager, claim=claim)

    sign_in("finn")
    page.goto("/invoices/")
    row = page.locator("[data-testid=to-invoice-table] tr[data-project='GLX-1']")
    assert "1 item" in row.inner_text() and "454.08 USD" in row.inner_text()  # 412.80 + 10 %
    page.screenshot(path=str(shots / "invoices-ready.png"), full_page=True)
    page.get_by_test_id("draft-GLX-1").click()
    page.wait_for_url("**/invoices/*/")
    assert "Expense 2026-03-10 — Travel — Delta (+10 %)" in page.content()
    page.screenshot(path=str(shots / "invoice-expense-draft.png"), full_page=True)

    page.goto(f"/projects/{firm.project.pk}/")
    assert page.get_by_test_id("cost-split").inner_text() == "Time 0.00 (0:00 h) · Expenses 412.80"
    page.get_by_test_id("project-figures").screenshot(path=str(shots / "project-figures.png"))

    # The books of March are closed: a draft claim dated in March is refused, with the reason.
    late = actions.claim_create(viewer=firm.member, title="Forgotten taxi")
    actions.line_add(
        viewer=firm.member, claim=late, date=date(2026, 3, 12), category=travel, amount_minor=2_500, currency="USD"
    )
    period_close(viewer=firm.finance, company=firm.usd, through=date(2026, 3, 31))
    page.context.clear_cookies()
    sign_in("tom")
    page.goto(f"/expenses/{late.pk}/")
    page.get_by_test_id("claim-submit").click()
    page.wait_for_load_state()
    assert "The period up to 2026-03-31 is closed for Acme US" in page.content()
    page.screenshot(path=str(shots / "claim-period-closed.png"), full_page=True)
    late.refresh_from_db()
    assert late.status == ClaimStatus.DRAFT
