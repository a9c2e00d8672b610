"""Issue 10's story in a real browser, all of finance's part done on the screens: tax codes (VAT 19 % and reverse
charge), a capped time-and-materials contract, a fixed fee with two milestones and a retainer with roll-over, each
created with its billing lines (and instalments); March billed from each contract's Ready to bill tab and issued;
each PDF downloaded (its Factur-X passes the EN 16931 validators) and sent; part of the fixed fee credited; a payment
recorded against two invoices; and the AR ageing and the projects' figures agree with all of it to the cent.

What the team does (time logged and approved, a milestone finished, the seller's and buyers' details) is set up
through the actions. Screenshots go to /tmp/billing-story/.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from margin.api.tests.test_billing_story import _seller, support_project
from margin.billing.einvoice.pdfa import facturx_xml_of
from margin.billing.einvoice.validate import check_cii
from margin.billing.models import DocumentKind, Invoice, InvoiceStatus
from margin.billing.tests.test_contract_invoicing import log, march
from margin.projects import actions as projects
from margin.projects.models import Project, Task, TaskStatus
from margin.reporting.queries import project_profitability
from tests.browser.notices import expect_notice
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/billing-story")


def _the_teams_month(firm: Firm) -> tuple[Project, Project]:
    """March's approved time on GLX-1; a fixed-price launch (GLX-2) whose go-live is done; 15 h of support for a
    French business (CIS-1), priced at 100/h when it was approved."""
    _seller(firm)
    march(firm)  # 8 h, 4 h, 1 h, 1.5 h and 0.75 h on GLX-1
    launch = projects.project_create(
        viewer=firm.admin,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="GLX-2",
        name="Launch",
    )
    go_live = projects.task_create(viewer=firm.manager, project=launch, name="Go live")
    Task.objects.filter(pk=go_live.pk).update(status=TaskStatus.DONE)
    support, tickets = support_project(firm)
    log(firm, support, ("member", tickets, date(2026, 3, 10), 900))
    return launch, support


def _tax_code(page: Any, code: str, name: str, kind: str, rate: str) -> None:
    form = page.get_by_test_id("tax-code-form")
    form.get_by_label("Company").select_option(label="Acme US")
    form.get_by_label("Code").fill(code)
    form.get_by_label("Name").fill(name)
    form.get_by_label("Kind").select_option(kind)
    form.get_by_label("Rate (%)").fill(rate)
    form.get_by_test_id("tax-code-save").click()
    expect(page.get_by_test_id("tax-codes").locator(f'tr[data-code="{code}"]')).to_be_visible()


def _new_contract(page: Any, *, client: str, reference: str, name: str, tax: str, project: str) -> None:
    page.goto("/contracts/")
    page.get_by_test_id("contract-new").click()
    form = page.get_by_test_id("contract-form")
    form.get_by_label("Client", exact=True).select_option(label=client)
    form.get_by_label("Company", exact=True).select_option(label="Acme US")
    form.get_by_label("Reference", exact=True).fill(reference)
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Starts", exact=True).fill("2026-01-01")
    form.get_by_label("Default tax code").select_option(label=tax)
    form.get_by_label(project).check()
    form.get_by_test_id("contract-save").click()
    expect(page.get_by_test_id("contract-reference")).to_have_text(reference)
    expect(page.get_by_test_id("contract-projects")).to_contain_text(project.split(" ")[0])


def _add_line(page: Any, model: str, name: str, fields: dict[str, str], selects: dict[str, str] | None = None) -> None:
    page.get_by_test_id(f"line-model-{model}").click()
    form = page.get_by_test_id("line-form")
    form.get_by_label("Name", exact=True).fill(name)
    for label, value in (selects or {}).items():
        form.get_by_label(label, exact=True).select_option(value)
    for label, value in fields.items():
        form.get_by_label(label, exact=True).fill(value)
    form.get_by_test_id("line-save").click()
    expect(page.get_by_test_id("contract-lines")).to_contain_text(name)


def _bill_march(page: Any, reference: str, *, send: bool = True) -> Invoice:
    """From the contract's Ready to bill tab to an issued invoice, its PDF checked and (unless told) sent."""
    page.goto("/contracts/")
    page.get_by_test_id("contracts-table").get_by_role("link", name=reference).click()
    page.get_by_test_id("tab-ready").click()
    page.get_by_label("Approved work up to").fill("2026-03-31")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/ready/?up_to=2026-03-31")
    page.screenshot(path=str(SHOTS / f"{reference}-ready.png"), full_page=True)
    page.get_by_test_id("draft-invoices").click()
    page.wait_for_url("**/invoices/*/")
    page.get_by_label("Issue date").fill("2026-04-01")
    page.get_by_test_id("issue-invoice").click()
    expect_notice(page, "is issued")
    invoice = Invoice.objects.filter(contract__reference=reference, kind=DocumentKind.INVOICE).get()
    with page.expect_download() as download:
        page.get_by_test_id("download-pdf").click()
    assert check_cii(facturx_xml_of(Path(download.value.path()).read_bytes())) == []
    if send:
        page.get_by_test_id("send-invoice").click()
        expect(page.get_by_test_id("send-notice")).to_contain_text(f"Invoice {invoice.number} was sent to")
        page.screenshot(path=str(SHOTS / f"{reference}-sent.png"), full_page=True)
    invoice.refresh_from_db()
    return invoice


def test_a_month_of_three_contracts_in_the_browser(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    launch, support = _the_teams_month(firm)
    SHOTS.mkdir(parents=True, exist_ok=True)
    sign_in("finn")

    # Tax codes.
    page.get_by_test_id("nav-invoices-menu").click()
    page.get_by_test_id("nav-contracts").click()
    page.get_by_test_id("tax-codes-link").click()
    _tax_code(page, "S19", "VAT 19 %", "standard", "19")
    _tax_code(page, "RC", "Reverse charge", "reverse_charge", "0")
    page.screenshot(path=str(SHOTS / "tax-codes.png"), full_page=True)

    # 1. Capped time and materials on GLX-1: 10 hours.
    _new_contract(
        page,
        client="Globex",
        reference="TM-1",
        name="Portal build",
        tax="S19 — VAT 19 % (Acme US)",
        project="GLX-1 Globex portal (Globex)",
    )
    _add_line(page, "time", "Build and design", {"Cap (hours or amount)": "10"}, {"Cap": "minutes"})
    # 2. A fixed fee of 10,000.00 for GLX-2: 3,000.00 on 15 March, 7,000.00 at go-live.
    _new_contract(
        page,
        client="Globex",
        reference="FF-1",
        name="Launch, fixed price",
        tax="S19 — VAT 19 % (Acme US)",
        project="GLX-2 Launch (Globex)",
    )
    _add_line(page, "fixed", "Launch", {"Price (USD)": "10,000.00"})
    fee = page.get_by_test_id("contract-lines").locator("[data-line]", has_text="Launch")
    fee.get_by_text("Add an instalment").click()
    fee.get_by_label("Instalment", exact=True).fill("Kick-off")
    fee.get_by_label("Amount (USD)").fill("3,000.00")
    fee.get_by_label("Due on").fill("2026-03-15")
    fee.get_by_test_id("instalment-save").click()
    expect(page.get_by_test_id("contract-lines")).to_contain_text("due 15 Mar 2026")
    fee = page.get_by_test_id("contract-lines").locator("[data-line]", has_text="Launch")
    fee.get_by_text("Add an instalment").click()
    fee.get_by_label("Instalment", exact=True).fill("Go live")
    fee.get_by_label("Amount (USD)").fill("7,000.00")
    fee.get_by_label("or when this task is finished").select_option(label="GLX-2 · Go live")
    fee.get_by_test_id("instalment-save").click()
    expect(page.get_by_test_id("contract-lines")).to_contain_text("when Go live is finished")
    page.screenshot(path=str(SHOTS / "FF-1-contract.png"), full_page=True)
    # 3. A reverse-charged retainer for the French client: 10 h a month for 2,000.00, unused hours roll over one
    # month, overage at 120.00 an hour, from February.
    _new_contract(
        page,
        client="Client Industrie SA",
        reference="RET-1",
        name="Support retainer",
        tax="RC — Reverse charge (Acme US)",
        project="CIS-1 Support (Client Industrie SA)",
    )
    _add_line(
        page,
        "retainer",
        "Support retainer",
        {
            "Allowance per period (hours or amount)": "10",
            "Fee per period (USD)": "2,000.00",
            "Rolls over for (periods)": "1",
            "Overage rate (per hour)": "120",
            "First period starts": "2026-02-01",
        },
        {"Unused allowance": "periods"},
    )
    expect(page.get_by_test_id("contract-lines")).to_contain_text("unused hours roll over 1 period")
    expect(page.get_by_test_id("line-balance")).to_be_visible()  # where it stands this month
    page.screenshot(path=str(SHOTS / "RET-1-contract.png"), full_page=True)

    # March billed, issued on 1 April, each PDF validated and sent.
    capped = _bill_march(page, "TM-1")
    fixed = _bill_march(page, "FF-1")
    retainer = _bill_march(page, "RET-1", send=False)
    # The last one from the invoices list, where every issued invoice not sent yet waits.
    page.get_by_test_id("nav-invoices-menu").click()
    page.get_by_test_id("nav-invoices").click()
    expect(page.get_by_test_id("to-send")).to_contain_text("1 issued invoice or credit note not e-mailed yet.")
    page.get_by_test_id("send-all").click()
    expect(page.get_by_test_id("send-result")).to_contain_text("1 sent.")
    expect(page.get_by_test_id("to-send")).to_contain_text("Every issued invoice has been e-mailed.")
    page.screenshot(path=str(SHOTS / "invoices-sent.png"), full_page=True)
    assert (capped.net_minor, capped.tax_minor) == (80_000, 15_200)  # 8 h at 100.00; the rest waits over the cap
    assert (fixed.net_minor, fixed.tax_minor) == (1_000_000, 190_000)  # both instalments
    assert (retainer.net_minor, retainer.tax_minor) == (400_000, 0)  # February's and March's fees, reverse charged
    assert len(mail.outbox) == 3

    # Credit 1,000.00 of the go-live instalment.
    page.goto(f"/invoices/{fixed.pk}/")
    page.get_by_test_id("credit-open").click()
    credit = page.get_by_test_id("credit-form")
    row = credit.locator("tr", has_text="Go live")
    row.get_by_role("checkbox").check()
    row.get_by_test_id("credit-part").fill("1,000.00")
    credit.get_by_test_id("credit-reason").fill("Scope reduced")
    credit.get_by_test_id("credit-submit").click()
    page.get_by_label("Issue date").fill("2026-04-02")
    page.get_by_test_id("issue-invoice").click()
    expect_notice(page, "Credit note CN-2026-0001 is issued.")
    note = Invoice.objects.get(kind=DocumentKind.CREDIT_NOTE)
    assert (note.status, note.total_minor) == (InvoiceStatus.ISSUED, 119_000)

    # A payment from Globex: the capped invoice in full, 5,355.00 of the fixed fee's.
    page.get_by_test_id("nav-invoices-menu").click()
    page.get_by_test_id("nav-payments").click()
    form = page.get_by_test_id("payment-form-card")
    form.get_by_label("Client").select_option(label="Globex")
    expect(page.get_by_test_id("open-invoices")).to_contain_text(fixed.number)
    form.get_by_label("Received on").fill("2026-04-20")
    form.get_by_label("Amount received").fill("6,307.00")
    page.get_by_test_id(f"allocate-{capped.number}").fill("952.00")
    page.get_by_test_id(f"allocate-{fixed.number}").fill("5,355.00")
    page.get_by_test_id("record-payment").click()
    expect(page.get_by_text("The payment of 6,307.00 USD from Globex is recorded.")).to_be_visible()
    expect(page.get_by_test_id("unallocated")).to_have_text("0.00 USD")

    # The ageing: 11,900.00 − 1,190.00 credited − 5,355.00 paid of the fixed fee, and the retainer's 4,000.00.
    page.get_by_test_id("nav-invoices-menu").click()
    page.get_by_test_id("nav-receivables").click()
    expect(page.get_by_test_id("ageing-svg")).to_be_visible()
    expect(page.get_by_test_id("ageing-total")).to_have_text("9,355.00 USD")
    page.screenshot(path=str(SHOTS / "ageing.png"), full_page=True)

    # Each project's figures: billed net of the credit note, to the cent, on its page and in the query.
    for project, billed in ((firm.project, "800.00"), (launch, "9,000.00"), (support, "4,000.00")):
        page.goto(f"/projects/{project.pk}/")
        expect(page.get_by_test_id("project-figures")).to_contain_text(f"Billed {billed}")
        assert f"{Decimal(project_profitability(project).billed_minor) / 100:,.2f}" == billed
    page.screenshot(path=str(SHOTS / "launch-figures.png"), full_page=True)
