"""The issue's "Done when" story in a real browser: the fixed-price contract of margin/revenue/tests/scenario.py
($30,000, billed in three instalments, worked June to September 2026). Finance posts the invoices to the journal,
runs revenue for each month from its preview (recognised in the month, contract asset or liability), sees the
contract's chart of recognised against billed, the run's entry in the journal, a trial balance that balances
and a journal whose chain is intact."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from margin.revenue.models import RevenueRun
from margin.revenue.tests.scenario import fixed_price_story
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp")

# Per month: recognised in the month, contract asset, contract liability (scenario.py's figures).
MONTHS = [
    ("2026-06", "June 2026", "8,000.00", "—", "1,000.00"),
    ("2026-07", "July 2026", "8,000.00", "7,000.00", "—"),
    ("2026-08", "August 2026", "8,000.00", "6,000.00", "—"),
    ("2026-09", "September 2026", "6,000.00", "—", "—"),
]


def test_revenue_runs_the_journal_and_its_checks(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    story = fixed_price_story(browser_firm)
    sign_in("finn")

    # The books: post the three invoices.
    page.get_by_test_id("nav-invoices-menu").click()
    page.get_by_test_id("nav-books").click()
    expect(page.get_by_role("heading", name="Journal", exact=True)).to_be_visible()
    page.get_by_label("Company").select_option(label="Acme US")
    page.get_by_test_id("post-documents").click()
    expect(page.get_by_text("3 entries posted (#1–#3).")).to_be_visible()

    # Revenue, month by month: preview, check, post.
    page.get_by_test_id("nav-invoices-menu").click()
    page.get_by_test_id("nav-revenue").click()
    expect(page.get_by_role("heading", name="Revenue runs")).to_be_visible()
    page.get_by_label("Company").select_option(label="Acme US")
    for month, name, recognised, asset, liability in MONTHS:
        page.get_by_label("Month", exact=True).fill(month)
        page.get_by_test_id("preview").click()
        card = page.get_by_test_id("run-month")
        expect(card.get_by_role("heading", name=name)).to_be_visible()
        expect(card.get_by_test_id("run-status")).to_have_text("Preview")
        row = card.get_by_test_id("run-lines").locator("tbody tr", has_text="FF-30")
        expect(row.get_by_test_id("recognised-period")).to_have_text(recognised)
        expect(row.get_by_test_id("contract-asset")).to_have_text(asset)
        expect(row.get_by_test_id("contract-liability")).to_have_text(liability)
        if month == "2026-07":
            page.screenshot(path=str(SHOTS / "revenue_preview.png"), full_page=True)
        card.get_by_test_id("post-run").click()
        expect(page.get_by_text(f"Revenue for {name} is recognised and posted as journal entry")).to_be_visible()
        expect(page.get_by_test_id("run-month").get_by_test_id("run-status")).to_have_text("Posted")
    assert RevenueRun.objects.filter(company=browser_firm.usd).count() == 4
    expect(page.get_by_test_id("runs-table").locator("tbody tr")).to_have_count(4)
    page.screenshot(path=str(SHOTS / "revenue_runs.png"), full_page=True)

    # The contract's revenue: the chart of recognised against billed, the history below it.
    page.get_by_test_id("runs-table").locator("tbody tr").first.get_by_role("link").first.click()
    page.get_by_test_id("run-lines").get_by_role("link", name="FF-30").click()
    expect(page.get_by_test_id("tab-revenue")).to_have_attribute("aria-current", "page")
    expect(page.locator("canvas[data-chart-drawn]")).to_have_count(1)
    expect(page.get_by_test_id("revenue-history").locator("tbody tr")).to_have_count(4)
    expect(page.get_by_test_id("revenue-history")).to_contain_text("30,000.00")
    page.screenshot(path=str(SHOTS / "revenue_contract.png"), full_page=True)
    assert story.contract.reference == "FF-30"

    # September's entry in the journal.
    page.get_by_role("link", name="Revenue runs").click()
    page.get_by_test_id("runs-table").get_by_role("link", name="September 2026").click()
    page.get_by_test_id("run-entry").click()
    expect(page.get_by_role("heading", name="Entry #7")).to_be_visible()
    expect(page.get_by_test_id("source")).to_have_text("Revenue run")
    page.get_by_test_id("tab-journal").click()
    latest = page.get_by_test_id("entry-7")
    expect(latest).to_contain_text("Revenue recognition September 2026")
    expect(latest).to_contain_text("Contract assets (unbilled revenue)")
    page.screenshot(path=str(SHOTS / "books_journal.png"), full_page=True)

    # The trial balance balances; the chain is intact.
    page.get_by_test_id("tab-trial-balance").click()
    expect(page.get_by_test_id("balance-badge")).to_have_text("Balances ✓")
    expect(page.get_by_test_id("trial-balance").locator("tr[data-account='4100']")).to_contain_text("30,000.00")
    page.screenshot(path=str(SHOTS / "books_trial_balance.png"), full_page=True)
    page.get_by_test_id("tab-statements").click()
    page.get_by_label("From", exact=True).fill("2026-06-01")
    page.get_by_label("To", exact=True).fill("2026-09-30")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("sheet-badge")).to_have_text("Balances ✓")
    expect(page.get_by_test_id("profit-and-loss").get_by_test_id("result")).to_contain_text("30,000.00")
    page.screenshot(path=str(SHOTS / "books_statements.png"), full_page=True)
    page.get_by_test_id("tab-verification").click()
    expect(page.get_by_test_id("verification-result")).to_have_text("Intact: 7 entries, 15 lines")
    page.screenshot(path=str(SHOTS / "books_verification.png"), full_page=True)

    # The project's page shows finance the contract's revenue as a chart too.
    base = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    page.goto(f"{base}/projects/{story.project.pk}/")
    expect(page.get_by_test_id("project-revenue").locator("canvas[data-chart-drawn]")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "project_revenue.png"), full_page=True)

    # A row changed behind the guards (as a superuser could): the verification names the entry.
    from django.db import connection

    from margin.books import guards
    from margin.books.models import JournalEntry

    entry = JournalEntry.objects.get(company=browser_firm.usd, seq=5)
    with connection.cursor() as cursor:
        for statement in guards.uninstall(connection.vendor):
            cursor.execute(statement)
        cursor.execute("UPDATE books_journalline SET amount_minor = amount_minor + 100 WHERE entry_id = %s", [entry.pk])
        for statement in guards.install(connection.vendor):
            cursor.execute(statement)
    page.goto(f"{base}/books/{browser_firm.usd.pk}/verification/")
    expect(page.get_by_test_id("verification-result")).to_contain_text("#5")
    page.screenshot(path=str(SHOTS / "books_verification_broken.png"), full_page=True)


def test_a_loss_contract_books_its_loss_at_once(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    """June of the same contract after its estimate rose to $36,000 of cost for a $30,000 price: the preview shows
    the whole $6,000 loss at once — revenue below cost and the provision for the rest — and the run posts it."""
    from datetime import date

    from margin.revenue.actions import estimate_set

    story = fixed_price_story(browser_firm, months=1)
    estimate_set(
        viewer=browser_firm.finance,
        line=story.line,
        effective=date(2026, 6, 30),
        total_cost_minor=3_600_000,
        reason="Rework found in testing",
    )
    sign_in("finn")
    page.get_by_test_id("nav-invoices-menu").click()
    page.get_by_test_id("nav-revenue").click()
    page.get_by_label("Company").select_option(label="Acme US")
    page.get_by_label("Month", exact=True).fill("2026-06")
    page.get_by_test_id("preview").click()
    row = page.get_by_test_id("run-month").get_by_test_id("run-lines").locator("tbody tr", has_text="FF-30")
    expect(row.get_by_test_id("recognised-period")).to_have_text("2,666.67")
    expect(row).to_contain_text("5,466.67")
    page.screenshot(path=str(SHOTS / "revenue_loss.png"), full_page=True)
    page.get_by_test_id("run-month").get_by_test_id("post-run").click()
    expect(page.get_by_text("Revenue for June 2026 is recognised and posted as journal entry")).to_be_visible()
