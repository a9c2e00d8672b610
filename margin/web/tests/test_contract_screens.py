"""The contract screens: the list and a contract's detail (terms, projects covered, billing lines in words, rate
card), who may see them, escaping, and the list's queries."""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from margin.contracts import actions as contracts
from margin.contracts.models import Contract
from tests.firm import Firm

SignIn = Callable[[User], Client]


def _html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(str(response.content.decode()).split())  # whitespace folded: sentences span template lines


def _glx(firm: Firm) -> Contract:
    return Contract.objects.get(company=firm.usd, reference="GLX-1")


def _row(html: str, reference: str) -> str:
    start = html.index(f'data-contract="{reference}"')
    return html[start : html.index("</tr>", start)]


def test_finance_sees_the_list_with_its_billing_models(sign_in: SignIn, firm: Firm) -> None:
    page = _html(sign_in(firm.finance_user).get(reverse("web:contracts")))
    assert 'data-testid="contracts-table"' in page
    assert 'data-testid="nav-contracts"' in page
    row = _row(page, "GLX-1")
    contract = _glx(firm)
    assert reverse("web:contract", args=[contract.pk]) in row
    for text in ("Globex portal", "Globex", "Acme US", "USD", "Active", "Time &amp; materials", "Expenses", "30 days"):
        assert text in row, text
    assert '<td class="text-end num">1</td>' in row  # one project covered
    assert "(capped)" not in row


def test_the_list_names_each_lines_model(sign_in: SignIn, firm: Firm) -> None:
    contract = contracts.contract_create(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        reference="GLX-RET",
        name="Support",
        start_date=date(2026, 1, 1),
    )
    contracts.billing_line_create(
        viewer=firm.finance, contract=contract, model="time", name="Capped", cap_kind="minutes", cap_limit=600
    )
    contracts.billing_line_create(viewer=firm.finance, contract=contract, model="fixed", name="Set-up", price_minor=100)
    contracts.billing_line_create(
        viewer=firm.finance,
        contract=contract,
        model="retainer",
        name="Support",
        allowance=600,
        fee_minor=0,
        start_date=date(2026, 1, 1),
    )
    row = _row(_html(sign_in(firm.finance_user).get(reverse("web:contracts"))), "GLX-RET")
    for text in ("Time &amp; materials (capped)", "Fixed fee", "Retainer"):
        assert text in row, text
    assert '<td class="text-end num">0</td>' in row  # no project covered yet


def test_the_detail_shows_terms_projects_lines_and_rates(sign_in: SignIn, firm: Firm) -> None:
    contract = _glx(firm)
    page = _html(sign_in(firm.finance_user).get(reverse("web:contract", args=[contract.pk])))
    for testid in ("contract-terms", "contract-projects", "contract-lines", "contract-rates"):
        assert f'data-testid="{testid}"' in page, testid
    terms = page[page.index('data-testid="contract-terms"') : page.index('data-testid="contract-lines"')]
    for text in ("USD", "30 days", "One invoice per project", "the client&#x27;s", "none", "open-ended"):
        assert text in terms, text
    projects = page[page.index('data-testid="contract-projects"') :]
    assert reverse("web:project", args=[firm.project.pk]) in projects and "GLX-1" in projects
    lines = page[page.index('data-testid="contract-lines"') : page.index('data-testid="contract-rates"')]
    assert "Time and materials" in lines and "no cap" in lines
    assert "Expenses" in lines and "at cost" in lines
    rates = page[page.index('data-testid="contract-rates"') : page.index('data-testid="contract-projects"')]
    assert "Consultant" in rates and "100.00 USD" in rates
    assert "Senior Consultant" in rates and "150.00 USD" in rates
    assert "1 Jan 2020" in rates


def test_each_models_facts_in_words(sign_in: SignIn, firm: Firm) -> None:
    contract = _glx(firm)
    fixed = contracts.billing_line_create(
        viewer=firm.finance, contract=contract, model="fixed", name="Discovery", price_minor=2_000_000
    )
    contracts.instalment_create(
        viewer=firm.finance, line=fixed, description="Kick-off", amount_minor=500_000, due_date=date(2026, 3, 2)
    )
    contracts.instalment_create(
        viewer=firm.finance, line=fixed, description="Design sign-off", amount_minor=1_500_000, milestone=firm.design
    )
    contracts.billing_line_create(
        viewer=firm.finance, contract=contract, model="time", name="Hours cap", cap_kind="minutes", cap_limit=40 * 60
    )
    contracts.billing_line_create(
        viewer=firm.finance, contract=contract, model="time", name="Money cap", cap_kind="money", cap_limit=1_200_000
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
        end_date=date(2026, 12, 31),
    )
    contracts.billing_line_create(
        viewer=firm.finance, contract=contract, model="progress", name="Build", price_minor=5_000_000
    )
    contracts.billing_line_create(
        viewer=firm.finance,
        contract=contract,
        model="progress",
        name="Migration",
        price_minor=1_000_000,
        progress_source="entered",
        entered_percent=Decimal("40"),
    )
    contracts.billing_line_create(
        viewer=firm.finance, contract=contract, model="expenses", name="Travel", markup_percent=Decimal("10")
    )
    page = _html(sign_in(firm.finance_user).get(reverse("web:contract", args=[contract.pk])))
    lines = html_lib.unescape(
        page[page.index('data-testid="contract-lines"') : page.index('data-testid="contract-rates"')]
    )
    for text in (
        "price 20,000.00 USD",
        "Kick-off",
        "5,000.00 USD",
        "due 2 Mar 2026",
        "Design sign-off",
        "15,000.00 USD",
        "when Design is finished",
        "capped at 40 h",
        "capped at 12,000.00 USD",
        "20 h per month, fee 2,500.00 USD, unused hours roll over 1 period, overage at 140.00/h",
        "From 1 Jan 2026 to 31 Dec 2026",
        "price 50,000.00 USD; % complete from the plan",
        "price 10,000.00 USD; entered: 40 %",
        "+10 % markup",
        "Fixed fee",
        "Retainer",
        "Progress billing",
        "Time & materials (capped)",
    ):
        assert text in lines, text


def test_retainer_rollover_wording(sign_in: SignIn, firm: Firm) -> None:
    contract = _glx(firm)
    finance = sign_in(firm.finance_user)
    line = contracts.billing_line_create(
        viewer=firm.finance,
        contract=contract,
        model="retainer",
        name="Support",
        allowance=90,
        fee_minor=0,
        frequency="quarter",
        start_date=date(2026, 1, 1),
    )
    page = html_lib.unescape(_html(finance.get(reverse("web:contract", args=[contract.pk]))))
    assert "1.5 h per quarter, fee 0.00 USD, unused hours do not roll over, overage at the contract's rates" in page
    assert "From 1 Jan 2026, open-ended" in page
    contracts.billing_line_update(viewer=firm.finance, line=line, rollover="unlimited")
    page = html_lib.unescape(_html(finance.get(reverse("web:contract", args=[contract.pk]))))
    assert "unused hours roll over without limit" in page


def test_who_may_see_contracts(sign_in: SignIn, firm: Firm) -> None:
    contract = _glx(firm)
    url = reverse("web:contract", args=[contract.pk])
    assert sign_in(firm.admin_user).get(url).status_code == 200
    # The manager of GLX-1 sees its contract (read only), though the Invoices menu is not theirs.
    maya = sign_in(firm.manager_user)
    assert maya.get(url).status_code == 200
    assert "GLX-1" in _row(_html(maya.get(reverse("web:contracts"))), "GLX-1")
    # A member sees no contract: 404 on the detail, an empty list.
    tom = sign_in(firm.member_user)
    assert tom.get(url).status_code == 404
    page = _html(tom.get(reverse("web:contracts")))
    assert 'data-testid="contracts-empty"' in page and "GLX-1" not in page
    # Another organisation's administrator does not see it either.
    rival = sign_in(User.objects.get(pk=firm.other_admin.user_id))
    assert rival.get(url).status_code == 404
    assert "GLX-1" not in _html(rival.get(reverse("web:contracts")))
    assert sign_in(firm.finance_user).get(reverse("web:contract", args=[contract.pk + 10_000])).status_code == 404


def test_the_contract_name_is_escaped(sign_in: SignIn, firm: Firm) -> None:
    contract = contracts.contract_create(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        reference="XSS-1",
        name="<script>alert(1)</script>",
        start_date=date(2026, 1, 1),
    )
    contracts.billing_line_create(viewer=firm.finance, contract=contract, model="time", name="<b>bold</b>")
    finance = sign_in(firm.finance_user)
    for page in (
        _html(finance.get(reverse("web:contracts"))),
        _html(finance.get(reverse("web:contract", args=[contract.pk]))),
    ):
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<b>bold</b>" not in page


def test_the_list_does_not_grow_its_queries_with_rows(
    sign_in: SignIn, firm: Firm, django_assert_max_num_queries: Any
) -> None:
    finance = sign_in(firm.finance_user)
    with CaptureQueriesContext(connection) as first:
        _html(finance.get(reverse("web:contracts")))
    assert len(first) <= 12
    for n in range(5):
        contract = contracts.contract_create(
            viewer=firm.finance,
            company=firm.usd,
            client=firm.client,
            reference=f"MORE-{n}",
            name=f"More {n}",
            start_date=date(2026, 1, 1),
        )
        contracts.billing_line_create(viewer=firm.finance, contract=contract, model="time", name="T&M")
        contracts.billing_line_create(viewer=firm.finance, contract=contract, model="expenses", name="Expenses")
    with django_assert_max_num_queries(len(first)):
        assert "MORE-4" in _html(finance.get(reverse("web:contracts")))
