"""Bank statements: importing a file (all lines or none, duplicates of an overlapping export skipped), the
suggestions for each line, and accepting one (a payment allocated to the invoice)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.crm import actions as crm
from margin.receivables.actions import bank_statement_import, payment_delete, statement_line_accept
from margin.receivables.models import Payment, PaymentAllocation, StatementLine
from margin.receivables.queries import statement_lines_with_suggestions
from tests.checks import audit_row, refused
from tests.firm import Firm


def _file(*rows: str) -> bytes:
    return ("Date;Amount;Currency;Counterparty;Reference\n" + "\n".join(rows) + "\n").encode()


def _import(firm: Firm, data: bytes, **kwargs: Any) -> Any:
    return bank_statement_import(viewer=firm.finance, company=firm.usd, data=data, filename="march.csv", **kwargs)


def test_import_and_suggest(firm: Firm, invoice_of: Any) -> None:
    named = invoice_of(123_450, number="2026-0007")
    by_amount = invoice_of(50_000, number="2026-0008")
    crm.client_create(viewer=firm.admin, name="Initech Holdings", currency="USD")
    statement = _import(
        firm,
        _file(
            "31.03.2026;1.234,50;USD;GLOBEX LLC;Invoice 2026-0007",
            "30.03.2026;500,00;USD;Globex;March",
            "29.03.2026;-20,00;USD;Bank;Fees",
            "28.03.2026;77,00;USD;Stranger;?",
        ),
    )
    assert (statement.line_count, statement.duplicate_count, statement.encoding) == (4, 0, "UTF-8")
    row = audit_row("bank_statement.import", statement)
    assert row.after is not None and row.after["lines"] == 4
    with CaptureQueriesContext(connection) as queries:
        lines = statement_lines_with_suggestions(firm.finance, statement)
    assert len(queries) <= 3
    first, second, fee, stranger = lines
    assert (first.suggestions[0].invoice.id, first.suggestions[0].strength) == (named.pk, "strong")
    assert (second.suggestions[0].invoice.id, second.suggestions[0].strength) == (by_amount.pk, "medium")
    assert fee.suggestions == [] and stranger.suggestions == []


def test_importing_an_overlapping_export_skips_what_was_imported(firm: Firm) -> None:
    first = _import(firm, _file("01.03.2026;10,00;USD;A;x", "01.03.2026;10,00;USD;A;x"))
    again = _import(firm, _file("01.03.2026;10,00;USD;A;x", "01.03.2026;10,00;USD;A;x", "02.03.2026;5,00;USD;B;y"))
    assert (first.line_count, again.line_count, again.duplicate_count) == (2, 1, 2)


def test_a_file_with_bad_lines_imports_nothing(firm: Firm) -> None:
    data = _file("01.03.2026;10,00;USD;A;x", "32.03.2026;10,00;USD;A;x", "02.03.2026;abc;USD;A;x")
    with refused(Invalid, match=r"2 lines of the file cannot be read.*Line 3, Date.*Line 4, Amount") as info:
        _import(firm, data)
    assert info.value.field == "file"
    with refused(Invalid, match="No header"):
        _import(firm, b"hello\nworld\n")
    with refused(Forbidden):
        bank_statement_import(viewer=firm.manager, company=firm.usd, data=_file("01.03.2026;1;USD;A;x"))
    with refused(NotFound):
        bank_statement_import(viewer=firm.other_admin, company=firm.usd, data=_file("01.03.2026;1;USD;A;x"))


def test_accepting_a_suggestion_records_the_payment(firm: Firm, invoice_of: Any) -> None:
    invoice = invoice_of(100_000, number="2026-0042")
    statement = _import(firm, _file("31.03.2026;600,00;USD;Globex;2026-0042", "31.03.2026;-5,00;USD;Bank;fee"))
    line, fee = StatementLine.objects.filter(statement=statement).order_by("line_number")
    payment = statement_line_accept(viewer=firm.finance, line=line, invoice=invoice)
    assert (payment.amount_minor, payment.client_id, payment.statement_line_id) == (60_000, firm.client.pk, line.pk)
    invoice.refresh_from_db()
    assert invoice.paid_minor == 60_000
    assert PaymentAllocation.objects.get(payment=payment).amount_minor == 60_000
    lines = statement_lines_with_suggestions(firm.finance, statement)
    assert lines[0].payment_id == payment.pk and lines[0].suggestions == []
    with refused(Conflict, invoice, match="recorded as a payment already"):
        statement_line_accept(viewer=firm.finance, line=line, invoice=invoice)
    with refused(Invalid, invoice, match="Only money in"):
        statement_line_accept(viewer=firm.finance, line=fee, invoice=invoice)
    # Deleting the payment frees the line: it can be matched again.
    payment_delete(viewer=firm.finance, payment=payment)
    assert statement_lines_with_suggestions(firm.finance, statement)[0].suggestions


def test_accepting_more_than_is_open_leaves_the_rest_on_account(firm: Firm, invoice_of: Any) -> None:
    invoice = invoice_of(10_000)
    statement = _import(firm, _file("31.03.2026;150,00;USD;Globex;all of it"))
    line = StatementLine.objects.get(statement=statement)
    payment = statement_line_accept(viewer=firm.finance, line=line, invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.paid_minor == 10_000 and payment.amount_minor == 15_000


def test_accepting_with_bank_charges_and_for_a_client_only(firm: Firm, invoice_of: Any) -> None:
    invoice = invoice_of(10_000)
    statement = _import(firm, _file("31.03.2026;98,50;USD;Globex;x", "30.03.2026;20,00;USD;Globex;advance"))
    charged, advance = StatementLine.objects.filter(statement=statement).order_by("line_number")
    statement_line_accept(viewer=firm.finance, line=charged, invoice=invoice, bank_charges_minor=150)
    invoice.refresh_from_db()
    assert invoice.paid_minor == 10_000
    on_account = statement_line_accept(viewer=firm.finance, line=advance, client=firm.client)
    assert not on_account.allocations.exists()


def test_a_line_in_another_currency_than_the_invoice(firm: Firm, invoice_of: Any) -> None:
    invoice = invoice_of(10_000)
    statement = _import(firm, _file("31.03.2026;100,00;EUR;Globex;x"))
    line = StatementLine.objects.get(statement=statement)
    with refused(Invalid, invoice, match="in USD and the payment in EUR"):
        statement_line_accept(viewer=firm.finance, line=line, invoice=invoice)
    assert not Payment.objects.exists()


@pytest.mark.parametrize("role", ["manager", "member"])
def test_only_finance_accepts(firm: Firm, invoice_of: Any, role: str) -> None:
    invoice = invoice_of(10_000)
    statement = _import(firm, _file("31.03.2026;100,00;USD;Globex;x"))
    line = StatementLine.objects.get(statement=statement)
    with refused(Forbidden, invoice):
        statement_line_accept(viewer=getattr(firm, role), line=line, invoice=invoice)
