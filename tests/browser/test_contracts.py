"""Contracts in a real browser: finance opens Invoices → Contracts, then GLX-1's contract, and reads its billing
lines and rate card. Screenshots: /tmp/contract_list.png and /tmp/contract_detail.png."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from margin.contracts import actions as contracts
from margin.contracts.models import Contract
from tests.firm import Firm

pytestmark = pytest.mark.browser


def test_finance_reads_a_contract(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    contract = Contract.objects.get(company=firm.usd, reference="GLX-1")
    fixed = contracts.billing_line_create(
        viewer=firm.finance, contract=contract, model="fixed", name="Discovery workshop", price_minor=2_000_000
    )
    contracts.instalment_create(
        viewer=firm.finance, line=fixed, description="Kick-off", amount_minor=500_000, due_date=date(2026, 3, 2)
    )
    contracts.instalment_create(
        viewer=firm.finance, line=fixed, description="Design sign-off", amount_minor=1_500_000, milestone=firm.design
    )
    contracts.billing_line_create(
        viewer=firm.finance, contract=contract, model="time", name="Change requests", cap_kind="minutes", cap_limit=2400
    )
    contracts.billing_line_create(
        viewer=firm.finance,
        contract=contract,
        model="retainer",
        name="Support",
        allowance=20 * 60,
        fee_minor=250_000,
        rollover="periods",
        rollover_periods=1,
        overage_rate=Decimal("140"),
        start_date=date(2026, 1, 1),
    )
    contracts.contract_create(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        reference="GLX-SUP",
        name="Globex support 2026, a contract with a rather long name that must not stretch the table",
        start_date=date(2026, 1, 1),
    )

    sign_in("finn")
    page.get_by_test_id("nav-invoices-menu").click()
    page.get_by_test_id("nav-contracts").click()
    page.wait_for_url("**/contracts/")
    table = page.get_by_test_id("contracts-table")
    glx = table.locator('tr[data-contract="GLX-1"]')
    expect(glx).to_contain_text("Globex portal")
    expect(glx).to_contain_text("Time & materials (capped)")
    expect(glx).to_contain_text("Fixed fee")
    expect(glx).to_contain_text("Retainer")
    expect(table.locator('tr[data-contract="GLX-SUP"]')).to_contain_text("Globex support")
    page.screenshot(path="/tmp/contract_list.png", full_page=True)

    glx.get_by_role("link", name="GLX-1").click()
    page.wait_for_url(f"**/contracts/{contract.pk}/")
    lines = page.get_by_test_id("contract-lines")
    expect(lines).to_contain_text("Time and materials")
    expect(lines).to_contain_text("no cap")
    expect(lines).to_contain_text("at cost")
    expect(lines).to_contain_text("when Design is finished")
    expect(lines).to_contain_text("capped at 40 h")
    expect(lines).to_contain_text("20 h per month, fee 2,500.00 USD, unused hours roll over 1 period")
    rates = page.get_by_test_id("contract-rates")
    expect(rates).to_contain_text("Consultant")
    expect(rates).to_contain_text("100.00 USD")
    expect(rates).to_contain_text("Senior Consultant")
    expect(rates).to_contain_text("150.00 USD")
    expect(page.get_by_test_id("contract-projects")).to_contain_text("GLX-1")
    expect(page.get_by_test_id("contract-terms")).to_contain_text("30 days")
    page.screenshot(path="/tmp/contract_detail.png", full_page=True)
