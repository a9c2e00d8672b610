"""Receivables in a real browser: record a payment against a client's open invoices (chosen over htmx), import a
bank statement and accept its strong match, and see the ageing's stacked bar chart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.billing.models import Invoice
from margin.crm import actions as crm
from margin.receivables.models import Payment
from margin.receivables.tests.factories import issued_invoice
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp")


def test_record_a_payment_and_see_the_ageing(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any], tmp_path: Path
) -> None:
    firm = browser_firm
    today = timezone.localdate()
    first = issued_invoice(
        firm, 250_000, number="2026-0101", issue_date=today - timedelta(days=75), due_date=today - timedelta(days=45)
    )
    issued_invoice(firm, 120_000, number="2026-0102", issue_date=today - timedelta(days=20))
    issued_invoice(
        firm, 90_000, number="2026-0103", issue_date=today - timedelta(days=140), due_date=today - timedelta(days=110)
    )
    initech = crm.client_create(viewer=firm.admin, name="Initech", currency="USD")
    issued_invoice(
        firm,
        64_000,
        client=initech,
        number="2026-0104",
        issue_date=today - timedelta(days=50),
        due_date=today - timedelta(days=20),
    )
    sign_in("finn")
    page.get_by_test_id("nav-invoices-menu").click()
    page.get_by_test_id("nav-payments").click()
    expect(page.get_by_role("heading", name="Payments", exact=True)).to_be_visible()
    form = page.get_by_role("form", name="Record a payment")
    form.get_by_label("Paid to").select_option(label="Acme US")
    form.get_by_label("Client").select_option(label="Globex")  # the open invoices arrive over htmx
    expect(page.get_by_test_id("open-invoices")).to_contain_text("2026-0101")
    form.get_by_label("Amount received", exact=True).fill("2.000,00")
    form.get_by_label("Reference").fill("Globex wire 4471")
    page.get_by_label("Amount to allocate to 2026-0101").fill("2000")
    page.screenshot(path=str(SHOTS / "receivables_payment_form.png"), full_page=True)
    page.get_by_test_id("record-payment").click()
    expect(page.get_by_text("The payment of 2,000.00 USD from Globex is recorded.")).to_be_visible()
    expect(page.get_by_test_id("unallocated")).to_have_text("0.00 USD")
    assert Invoice.objects.get(pk=first.pk).paid_minor == 200_000

    # A bank statement: its line names invoice 2026-0102, and accepting it records the payment.
    statement = tmp_path / "globex.csv"
    statement.write_text(
        f"Buchungstag;Betrag;Auftraggeber;Verwendungszweck\n{today:%d.%m.%Y};1.200,00;GLOBEX;RE 2026-0102\n"
    )
    page.get_by_test_id("nav-invoices-menu").click()
    page.get_by_test_id("nav-bank-statements").click()
    page.get_by_label("Bank account of").select_option(label="Acme US")
    page.get_by_label("Statement (CSV)").set_input_files(str(statement))
    page.get_by_test_id("import-statement").click()
    expect(page.get_by_text("1 line imported from globex.csv.")).to_be_visible()
    expect(page.get_by_test_id("line-2")).to_contain_text("The reference names invoice 2026-0102")
    page.screenshot(path=str(SHOTS / "receivables_bank_statement.png"), full_page=True)
    page.get_by_test_id("accept-2026-0102").click()
    expect(page.get_by_test_id("line-2").get_by_test_id("recorded")).to_be_visible()
    assert Payment.objects.count() == 2

    page.get_by_test_id("nav-invoices-menu").click()
    page.get_by_test_id("nav-receivables").click()
    chart = page.get_by_test_id("ageing-svg")
    expect(chart).to_be_visible()
    expect(chart.locator("g[data-client='Globex'] rect")).to_have_count(2)  # 31–60 (500.00) and over 90 (900.00)
    expect(chart.locator("g[data-client='Initech'] rect[data-bucket='d1_30']")).to_have_count(1)
    expect(page.get_by_test_id("ageing-total")).to_have_text("2,040.00 USD")
    page.screenshot(path=str(SHOTS / "receivables_ageing.png"), full_page=True)

    page.get_by_test_id("ageing-table").get_by_role("link", name="Globex").click()
    expect(page.get_by_role("heading", name="Statement of account")).to_be_visible()
    expect(page.get_by_test_id("closing-USD")).to_have_text("1,400.00 USD")
    page.screenshot(path=str(SHOTS / "receivables_statement.png"), full_page=True)
