"""An empty installation becomes a working firm in the browser: `manage.py create_organisation` makes the
firm and its administrator, who then creates a company, a job role, a person with a cost rate and a client
with a contact — without the API — and sees refusals as form errors."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from margin.accounts.models import Company, Person, Role
from margin.crm.models import Client, Contact
from margin.rates.models import CostRate
from tests.firm import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/firm-setup")


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_set_up_a_firm_from_an_empty_database(
    page: Any, transactional_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("MARGIN_ADMIN_PASSWORD", PASSWORD)
    call_command(
        "create_organisation", "--name", "Fresh Advisory", "--username", "founder", "--email", "f@fresh.test",
        "--no-input", stdout=StringIO(),
    )  # fmt: skip

    page.goto("/signin/")
    page.get_by_label("Username").fill("founder")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")

    # The organisation: no company yet, and the page says what to do.
    page.get_by_test_id("nav-settings-menu").click()
    page.get_by_test_id("nav-organisation").click()
    expect(page.get_by_test_id("no-companies")).to_contain_text("create the first company")
    _shot(page, "1-organisation-empty")

    page.get_by_test_id("company-new").click()
    form = page.get_by_test_id("company-form")
    form.get_by_label("Name", exact=True).fill("Fresh Advisory GmbH")
    form.get_by_label("Legal name").fill("Fresh Advisory Deutschland GmbH")
    form.get_by_label("Base currency").fill("eur")
    form.get_by_label("Tax id").fill("DE123456789")
    form.get_by_label("Address").fill("Unter den Linden 1\n10117 Berlin")
    form.get_by_label("Country").fill("de")
    form.get_by_label("Invoice number format").fill("FA-{YYYY}-{NNNNN}")
    expect(page.get_by_test_id("number-preview")).to_contain_text("FA-")  # the live preview
    expect(page.get_by_test_id("number-preview")).to_contain_text("-00001")
    form.get_by_label("Bank", exact=True).fill("Commerzbank")
    form.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 01")  # one digit wrong
    form.get_by_label("BIC").fill("COBADEFFXXX")
    form.get_by_label("Fiscal year starts in").select_option(label="April")
    form.get_by_role("button", name="Create company").click()
    expect(page.get_by_test_id("field-error")).to_contain_text("check digits are wrong")
    assert not Company.objects.exists()
    _shot(page, "2-company-refused")
    page.get_by_test_id("company-form").get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 00")
    page.get_by_test_id("company-form").get_by_role("button", name="Create company").click()
    expect(page.get_by_role("alert").first).to_contain_text("Fresh Advisory GmbH is created")
    company = Company.objects.get()
    assert (company.base_currency, company.iban, company.fiscal_year_start_month) == (
        "EUR",
        "DE89370400440532013000",
        4,
    )
    _shot(page, "3-company")

    page.get_by_test_id("settings-tab-roles").click()
    page.get_by_test_id("role-new").get_by_label("Name").fill("Consultant")
    page.get_by_test_id("role-new").get_by_role("button", name="Add role").click()
    expect(page.get_by_test_id("roles").get_by_role("button", name="Rename Consultant")).to_be_visible()
    _shot(page, "4-roles")

    page.get_by_test_id("settings-tab-people").click()
    page.get_by_test_id("person-new").click()
    form = page.get_by_test_id("person-form")
    form.get_by_label("Name").fill("Ada Lovelace")
    form.get_by_label("E-mail").fill("ada@fresh.test")
    form.get_by_label("Job role").select_option(label="Consultant")
    form.get_by_label("Hours a week").fill("32")
    form.get_by_label("Start date").fill("2026-03-02")
    form.get_by_label("Last day").fill("2026-02-27")
    form.get_by_role("button", name="Add person").click()
    expect(page.get_by_test_id("field-error")).to_contain_text("before the start date")
    assert not Person.objects.exists()
    page.get_by_test_id("person-form").get_by_label("Last day").fill("")
    page.get_by_test_id("person-form").get_by_role("button", name="Add person").click()
    expect(page.get_by_role("alert").first).to_contain_text("Ada Lovelace is added")
    rates = page.get_by_test_id("cost-rate-form")
    rates.get_by_label("From").fill("2026-03-02")
    rates.get_by_label("Cost an hour").fill("58.75")
    rates.get_by_role("button", name="Add rate").click()
    expect(page.get_by_test_id("cost-rates")).to_contain_text("58.75 EUR")
    ada = Person.objects.get()
    assert (ada.role, ada.weekly_capacity_minutes) == (Role.objects.get(), 32 * 60)
    assert str(CostRate.objects.get(person=ada).hourly_cost) == "58.7500"
    _shot(page, "5-person")

    page.get_by_test_id("settings-tab-clients").click()
    page.get_by_test_id("client-new").click()
    form = page.get_by_test_id("client-form")
    form.get_by_label("Name").fill("Globex AG")
    form.get_by_label("Currency").fill("EUR")
    form.get_by_label("Tax id").fill("DE987654321")
    form.get_by_label("Billing address").fill("Hauptstraße 5\n80331 München")
    form.get_by_label("Billing e-mail").fill("ap@globex.test")
    form.get_by_label("Payment terms (days)").fill("14")
    form.get_by_label("Billing increment (minutes)").fill("15")
    form.get_by_role("button", name="Add client").click()
    expect(page.get_by_role("alert").first).to_contain_text("Globex AG is added")
    contact = page.get_by_test_id("contact-form")
    contact.get_by_label("Name").fill("Hank Scorpio")
    contact.get_by_label("Role").fill("CFO")
    contact.get_by_label("Receives invoices").check()
    contact.get_by_role("button", name="Add contact").click()
    expect(page.get_by_test_id("contact-form").get_by_test_id("field-error")).to_contain_text("give an e-mail address")
    assert not Contact.objects.exists()
    page.get_by_test_id("contact-form").get_by_label("E-mail").fill("hank@globex.test")
    page.get_by_test_id("contact-form").get_by_label("Primary contact").check()
    page.get_by_test_id("contact-form").get_by_role("button", name="Add contact").click()
    expect(page.get_by_test_id("contacts")).to_contain_text("Hank Scorpio")
    client = Client.objects.get()
    assert (client.payment_terms_days, client.billing_increment_minutes) == (14, 15)
    hank = Contact.objects.get()
    assert (hank.client_id, hank.primary, hank.billing) == (client.pk, True, True)
    _shot(page, "6-client")

    page.get_by_test_id("settings-tab-people").click()
    page.get_by_role("searchbox").fill("lovelace")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("people")).to_contain_text("Ada Lovelace")
    _shot(page, "7-people")
