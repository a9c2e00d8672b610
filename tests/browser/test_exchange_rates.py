"""Settings → Exchange rates in a real browser: import an ECB file, see the rates and the chart, enter one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from margin.rates.models import ExchangeRate
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/margin-shots")


def _ecb_csv(days: int, start: date = date(2026, 6, 1)) -> bytes:
    lines = ["Date,USD,JPY,GBP,"]
    for n in range(days):
        day = start + timedelta(days=n)
        usd, jpy, gbp = 1.05 + 0.002 * (n % 17) - 0.001 * (n % 5), 160 + n % 9, 0.84 + 0.001 * (n % 7)
        lines.append(f"{day.isoformat()},{usd:.4f},{jpy},{gbp:.4f},")
    return ("\n".join([lines[0], *reversed(lines[1:])]) + "\n").encode()  # newest first, as the ECB writes it


def test_import_chart_and_enter(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any], tmp_path: Path) -> None:
    SHOTS.mkdir(exist_ok=True)
    sign_in("finn")
    page.get_by_test_id("nav-settings-menu").click()  # the Settings menu holds it
    page.get_by_test_id("nav-exchange-rates").click()
    expect(page.get_by_role("heading", name="Exchange rates")).to_be_visible()
    ecb = tmp_path / "eurofxref-hist.csv"
    ecb.write_bytes(_ecb_csv(120))
    page.get_by_test_id("fx-ecb").get_by_label("File").set_input_files(str(ecb))
    page.get_by_test_id("fx-ecb").get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported 360 ECB rates (360 new) for 120 days")).to_be_visible()
    assert ExchangeRate.objects.count() == 360
    page.get_by_role("link", name="EUR→USD").first.click()
    expect(page.locator("#fx-chart")).to_be_visible()
    page.wait_for_function("() => window.Chart && Object.keys(window.Chart.instances).length === 1")
    page.screenshot(path=str(SHOTS / "exchange-rates.png"), full_page=True)

    form = page.get_by_test_id("fx-form")
    form.get_by_label("From").fill("usd")
    form.get_by_label("To").fill("chf")
    form.get_by_label("Day").fill("2026-09-30")
    form.get_by_label("Rate").fill("0.0")
    form.get_by_role("button", name="Save rate").click()
    expect(page.get_by_text("An exchange rate must be a number above 0.")).to_be_visible()
    page.screenshot(path=str(SHOTS / "exchange-rates-error.png"), full_page=True)
    form = page.get_by_test_id("fx-form")
    form.get_by_label("Rate").fill("0.8812")
    form.get_by_role("button", name="Save rate").click()
    expect(page.get_by_text("1 USD = 0.8812 CHF on 2026-09-30.")).to_be_visible()
    expect(page.get_by_test_id("fx-table").get_by_text("USD→CHF")).to_be_visible()


def test_invoice_shows_worked_and_billed_hours(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    """Billing increments: the invoice bills the rounded hours and shows the worked ones beside them."""
    from margin.billing.actions import invoice_draft_create
    from margin.crm.actions import client_update
    from tests.scenarios import approved_entries

    firm = browser_firm
    client_update(viewer=firm.admin, client=firm.client, billing_increment_minutes=15)
    approved_entries(firm, count=3, minutes=50)
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=date.today())
    SHOTS.mkdir(exist_ok=True)
    sign_in("finn")
    page.goto(f"/invoices/{invoice.pk}/")
    expect(page.get_by_test_id("invoice-worked")).to_have_text("(2.50 worked)")
    lines = page.get_by_test_id("invoice-lines")
    expect(lines.get_by_role("columnheader", name="Worked")).to_be_visible()
    expect(lines.get_by_role("row").nth(1)).to_contain_text("2.50")
    expect(lines.get_by_role("row").nth(1)).to_contain_text("3.00")
    page.screenshot(path=str(SHOTS / "invoice-worked-billed.png"), full_page=True)


def test_the_full_history_goes_to_a_job_with_a_progress_bar(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any], tmp_path: Path
) -> None:
    SHOTS.mkdir(exist_ok=True)
    sign_in("finn")
    page.goto("/exchange-rates/")
    ecb = tmp_path / "eurofxref-hist.csv"
    ecb.write_bytes(_ecb_csv(4000, start=date(2012, 1, 2)))  # ~120 KB: over the background threshold
    page.get_by_test_id("fx-ecb").get_by_label("File").set_input_files(str(ecb))
    page.get_by_test_id("fx-ecb").get_by_role("button", name="Import").click()
    progress = page.get_by_test_id("ecb-progress")
    expect(progress).to_have_attribute("data-status", "done")  # the test backend runs the job at once
    expect(progress).to_contain_text("Imported 12000 ECB rates (12000 new) for 4000 days")
    page.screenshot(path=str(SHOTS / "exchange-rates-job.png"), full_page=True)
    assert ExchangeRate.objects.count() == 12000
