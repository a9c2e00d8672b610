"""Invoice numbers follow the company's format, keep today's numbers by default, and invoices fall due after
the client's payment terms unless the issuer says otherwise."""

from __future__ import annotations

from django.utils import timezone

from margin.accounts.actions import company_update
from margin.billing.actions import invoice_draft_create, invoice_issue
from margin.billing.models import Invoice
from margin.contracts.actions import contract_update
from margin.core.errors import Conflict
from margin.crm.actions import client_update
from tests.checks import refused
from tests.firm import Firm
from tests.scenarios import approved_entries


def _draft(firm: Firm) -> Invoice:
    approved_entries(firm, count=2)
    return invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=timezone.localdate())


def test_default_format_writes_the_numbers_margin_always_wrote(firm: Firm) -> None:
    issued = invoice_issue(viewer=firm.finance, invoice=_draft(firm))
    assert issued.number == f"{timezone.localdate().year}-0001"


def test_a_company_format_and_the_contracts_payment_terms(firm: Firm) -> None:
    company_update(viewer=firm.admin, company=firm.usd, invoice_number_format="ACME/{YY}/{NNNNNN}")
    # The client's terms are the default of a new contract; an invoice is due on its contract's terms.
    client_update(viewer=firm.manager, client=firm.client, payment_terms_days=21)
    draft = _draft(firm)
    assert draft.contract is not None
    contract_update(viewer=firm.finance, contract=draft.contract, payment_terms_days=14)
    issued = invoice_issue(viewer=firm.finance, invoice=draft)
    year = timezone.localdate().year
    assert issued.number == f"ACME/{year % 100:02d}/000001"
    assert issued.due_date is not None and issued.issue_date is not None
    assert (issued.due_date - issued.issue_date).days == 14


def test_a_format_that_repeats_an_earlier_number_is_refused(firm: Firm) -> None:
    year = timezone.localdate().year
    company_update(viewer=firm.admin, company=firm.usd, invoice_number_format="{YYYY}-{N}2")
    first = invoice_issue(viewer=firm.finance, invoice=_draft(firm), payment_days=0)
    assert first.number == f"{year}-12"
    assert first.due_date == first.issue_date  # the issuer's terms win over the client's
    # Number 2 of the new format is what number 1 of the old one was.
    company_update(viewer=firm.admin, company=firm.usd, invoice_number_format="{YYYY}-1{N}")
    approved_entries(firm, count=1, weeks_ago=2)
    second = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=timezone.localdate())
    with refused(Conflict, second, match=f"{year}-12 exists already"):
        invoice_issue(viewer=firm.finance, invoice=second)
