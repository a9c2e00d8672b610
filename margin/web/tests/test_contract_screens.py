"""Writing contracts through the screens, as finance does: a tax code, a new contract covering projects, a billing
line of each model, and a fixed fee's instalments (on a date and at a milestone). Bad input answers a form error
with a 4xx status and changes nothing; people outside finance are refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.accounts import actions as accounts
from margin.billing.tests.test_contract_invoicing import second_project
from margin.contracts.models import BillingLine, Contract, Instalment, TaxCode
from margin.projects import actions as projects
from tests.checks import table_counts
from tests.firm import Firm

SignIn = Callable[[User], Client]


def _vat(client: Client, firm: Firm, **changes: str) -> object:
    data = {"company": str(firm.usd.pk), "code": "VAT20", "name": "VAT 20 %", "kind": "standard", "rate": "20"}
    return client.post(reverse("web:tax_codes"), {**data, **changes})


def test_tax_codes_screen(firm: Firm, sign_in: SignIn) -> None:
    client = sign_in(firm.finance_user)
    assert "No tax codes yet" in client.get(reverse("web:tax_codes")).content.decode()
    response = _vat(client, firm)
    assert response.status_code == 302
    page = client.get(reverse("web:tax_codes")).content.decode()
    assert "VAT20" in page and "Standard rate" in page
    # The same code again, and a reverse charge with a rate: refused on the form, nothing added.
    again = _vat(client, firm)
    assert again.status_code == 409 and "has a tax code" in again.content.decode()
    wrong = _vat(client, firm, code="RC", kind="reverse_charge", rate="19")
    assert wrong.status_code == 422 and "Nothing was saved" in wrong.content.decode()
    assert TaxCode.objects.count() == 1
    assert sign_in(firm.member_user).get(reverse("web:tax_codes")).status_code == 403


def _contract(client: Client, firm: Firm, **changes: object) -> object:
    data: dict[str, object] = {
        "client": str(firm.client.pk),
        "company": str(firm.usd.pk),
        "reference": "GLX-27",
        "name": "Globex launch",
        "start_date": "2026-01-01",
        "invoice_grouping": "contract",
    }
    return client.post(reverse("web:contract_new"), {**data, **changes})


def test_a_new_contract_covers_its_projects_in_one_step(firm: Firm, sign_in: SignIn) -> None:
    launch = second_project(firm)
    client = sign_in(firm.finance_user)
    form = client.get(reverse("web:contract_new"))
    assert form.status_code == 200 and "GLX-2 Launch (Globex)" in form.content.decode()
    # Finn works for Acme US: it is chosen, not Acme EU (first by name).
    assert f'<option value="{firm.usd.pk}" selected>Acme US</option>' in form.content.decode()

    # Bad input changes nothing: an end before the start; another firm's project (not offered, so not a valid
    # choice); a project of the client's work for the other company, which the contract cannot cover — the
    # contract, already written when its projects are added, is rolled back with them.
    lena = accounts.person_create(
        viewer=firm.admin, company=firm.eur, role=firm.consultant, name="Lena", email="lena@example.test"
    )
    europe = projects.project_create(
        viewer=firm.admin, company=firm.eur, client=firm.client, manager=lena, code="GLX-EU", name="EU"
    )
    before = table_counts()
    late = _contract(client, firm, end_date="2025-12-31", projects=[str(launch.pk)])
    assert late.status_code == 422 and "ends on or after the day it starts" in late.content.decode()
    foreign = _contract(client, firm, projects=[str(firm.other_project.pk)])
    assert foreign.status_code == 422
    elsewhere = _contract(client, firm, projects=[str(launch.pk), str(europe.pk)])
    assert elsewhere.status_code == 422 and "Globex&#x27;s work for Acme EU" in elsewhere.content.decode()
    assert table_counts() == before

    created = _contract(client, firm, projects=[str(launch.pk)], payment_terms_days="45")
    contract = Contract.objects.get(reference="GLX-27")
    assert created.status_code == 302 and created["Location"] == reverse("web:contract", args=[contract.pk])
    assert contract.payment_terms_days == 45 and contract.currency == "USD"
    assert list(contract.covered.values_list("project__code", flat=True)) == ["GLX-2"]
    duplicate = _contract(client, firm)
    assert duplicate.status_code == 409 and Contract.objects.filter(reference="GLX-27").count() == 1
    assert sign_in(firm.member_user).get(reverse("web:contract_new")).status_code == 403


def test_billing_lines_of_every_model_and_instalments(firm: Firm, sign_in: SignIn) -> None:
    launch = second_project(firm)
    go_live = projects.task_create(viewer=firm.manager, project=launch, name="Go live")
    client = sign_in(firm.finance_user)
    _contract(client, firm, projects=[str(launch.pk)])
    contract = Contract.objects.get(reference="GLX-27")
    url = reverse("web:billing_line_new", args=[contract.pk])

    page = client.get(reverse("web:contract", args=[contract.pk]) + "?model=retainer").content.decode()
    assert "Allowance per period" in page and "Rolls over for" in page

    assert client.post(url, {"model": "time", "name": "Build", "cap_kind": "minutes", "cap": "40"}).status_code == 302
    assert client.post(url, {"model": "fixed", "name": "Launch fee", "price": "10,000.00"}).status_code == 302
    retainer = {
        "model": "retainer",
        "name": "Support",
        "frequency": "month",
        "allowance_unit": "minutes",
        "allowance": "20",
        "fee": "2,500.00",
        "rollover": "periods",
        "rollover_periods": "1",
        "overage_rate": "140",
        "start_date": "2026-01-01",
    }
    assert client.post(url, retainer).status_code == 302
    assert client.post(url, {"model": "expenses", "name": "Travel", "markup_percent": "10"}).status_code == 302
    lines = {line.name: line for line in BillingLine.objects.filter(contract=contract)}
    assert lines["Build"].cap_limit == 2400 and lines["Launch fee"].price_minor == 1_000_000
    support = lines["Support"]
    assert (support.allowance, support.fee_minor, support.rollover_periods) == (1200, 250_000, 1)
    assert support.overage_rate == Decimal("140") and lines["Travel"].markup_percent == Decimal("10")

    # Refused, nothing added: a second retainer over the same days (409), a fixed fee without a price, a cap
    # in hours that is not a number.
    count = BillingLine.objects.count()
    overlap = client.post(url, {**retainer, "name": "Support 2", "start_date": "2026-06-01"})
    assert overlap.status_code == 409 and "overlaps" in overlap.content.decode()
    no_price = client.post(url, {"model": "fixed", "name": "Nothing"})
    assert no_price.status_code == 422 and "Price" in no_price.content.decode()
    bad_cap = client.post(url, {"model": "time", "name": "X", "cap_kind": "minutes", "cap": "forty"})
    assert bad_cap.status_code == 422 and "is not a number of hours" in bad_cap.content.decode()
    assert BillingLine.objects.count() == count

    fee = lines["Launch fee"]
    add = reverse("web:instalment_new", args=[contract.pk, fee.pk])
    assert (
        client.post(add, {"description": "Kick-off", "amount": "4,000.00", "due_date": "2026-01-15"}).status_code == 302
    )
    assert (
        client.post(add, {"description": "Go live", "amount": "6,000.00", "milestone": str(go_live.pk)}).status_code
        == 302
    )
    too_much = client.post(add, {"description": "Extra", "amount": "1.00", "due_date": "2026-02-01"})
    assert too_much.status_code == 422 and "more than the fee" in too_much.content.decode()
    neither = client.post(add, {"description": "When?", "amount": "1.00"})
    assert neither.status_code == 422
    rows = list(
        Instalment.objects.filter(billing_line=fee)
        .order_by("position")
        .values_list("amount_minor", "due_date", "milestone_id")
    )
    assert rows == [(400_000, date(2026, 1, 15), None), (600_000, None, go_live.pk)]
    page = client.get(reverse("web:contract", args=[contract.pk])).content.decode()
    assert "when Go live is finished" in page and "capped at 40 h" in page
    # An instalment only on a fixed fee of this contract.
    build = reverse("web:instalment_new", args=[contract.pk, lines["Build"].pk])
    assert client.post(build, {"description": "X", "amount": "1", "due_date": "2026-01-01"}).status_code == 404
