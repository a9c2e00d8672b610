"""Invoices, credit notes and payments in a closed period (ADR 0028): the actions refuse them with the one
closed-period message (409, nothing changed), and the database triggers refuse a raw statement that got past
the actions. What happens to an issued invoice later (paid, credited, sent) stays allowed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from margin.billing.actions import invoice_issue
from margin.billing.models import DocumentKind, Invoice, InvoiceStatus
from margin.closing.actions import period_close
from margin.core.errors import Conflict
from margin.receivables.actions import payment_delete, payment_record
from margin.receivables.models import Payment
from margin.receivables.tests.factories import issued_invoice
from tests.checks import database_refuses, refused
from tests.firm import Firm

TODAY = timezone.localdate()
THROUGH = TODAY - timedelta(days=20)
CLOSED = THROUGH - timedelta(days=5)
OPEN = THROUGH + timedelta(days=1)


def _close(firm: Firm) -> None:
    period_close(viewer=firm.finance, company=firm.usd, through=THROUGH)


def _pay(firm: Firm, day: date) -> Payment:
    return payment_record(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        received_on=day,
        currency="USD",
        amount_minor=1_000,
    )


def test_no_invoice_or_credit_note_is_issued_into_a_closed_period(firm: Firm) -> None:
    draft = issued_invoice(firm, 10_000, draft=True)
    original = issued_invoice(firm, 10_000, issue_date=CLOSED)  # issued before the close
    note = issued_invoice(firm, 1_000, kind=DocumentKind.CREDIT_NOTE, credited=original, draft=True, issue_date=CLOSED)
    _close(firm)
    closed = f"The period up to {THROUGH.isoformat()} is closed for Acme US; an invoice dated {CLOSED.isoformat()}"
    with refused(Conflict, draft, match=closed) as info:
        invoice_issue(viewer=firm.finance, invoice=draft, issue_date=CLOSED)
    assert (info.value.code, info.value.field, info.value.status) == ("period_closed", "issue_date", 409)
    with refused(Conflict, note, match="a credit note dated"):
        invoice_issue(viewer=firm.finance, invoice=note, issue_date=THROUGH)  # the lock date itself is closed
    # Dated after the lock date, both go out; the old invoice is credited although it is in the closed period.
    assert invoice_issue(viewer=firm.finance, invoice=draft, issue_date=OPEN).status == InvoiceStatus.ISSUED
    invoice_issue(viewer=firm.finance, invoice=note, issue_date=OPEN)
    original.refresh_from_db()
    assert original.credited_minor == 1_000


def test_no_payment_is_recorded_or_deleted_in_a_closed_period(firm: Firm) -> None:
    old = _pay(firm, CLOSED)
    _close(firm)
    with refused(Conflict, match="a payment dated"):
        _pay(firm, CLOSED)
    with refused(Conflict, old, match="can no longer be deleted") as info:
        payment_delete(viewer=firm.finance, payment=old)
    assert (info.value.code, info.value.field) == ("period_closed", "received_on")
    new = _pay(firm, OPEN)
    payment_delete(viewer=firm.finance, payment=new)


def test_the_database_guards_invoices_in_a_closed_period(firm: Firm) -> None:
    inside = issued_invoice(firm, 10_000, issue_date=CLOSED)
    draft = issued_invoice(firm, 5_000, draft=True)
    after = issued_invoice(firm, 5_000, issue_date=OPEN)
    _close(firm)
    table = Invoice._meta.db_table
    issue = f"UPDATE {table} SET status = 'issued', number = 'X-1', issue_date = %s WHERE id = %s"
    assert database_refuses(issue, [CLOSED, draft.pk], table=table)
    assert database_refuses(f"UPDATE {table} SET issue_date = %s WHERE id = %s", [OPEN, inside.pk], table=table)
    assert database_refuses(f"UPDATE {table} SET issue_date = %s WHERE id = %s", [CLOSED, after.pk], table=table)
    copy = (
        f"INSERT INTO {table} (organisation_id, company_id, client_id, kind, reason, returns_work, currency, "
        "company_currency, exchange_rate, tax_rounding, buyer_reference, note, status, period_end, number, "
        "issue_date, net_minor, tax_minor, total_minor, total_minutes, parties, sent_to, paid_minor, "
        "credited_minor, created_at) SELECT organisation_id, company_id, client_id, kind, reason, returns_work, "
        "currency, company_currency, exchange_rate, tax_rounding, buyer_reference, note, status, period_end, "
        "'X-2', issue_date, net_minor, tax_minor, total_minor, total_minutes, parties, sent_to, paid_minor, "
        "credited_minor, created_at FROM " + table + " WHERE id = %s"
    )
    assert database_refuses(copy, [inside.pk], table=table)
    if connection.vendor == "postgresql":  # SQLite leaves deletes to the actions (the test flush uses DELETE)
        assert database_refuses(f"DELETE FROM {table} WHERE id = %s", [inside.pk], table=table)
    # Paid, credited and sent later: not a change to the closed period. Issued after it: free.
    assert not database_refuses(f"UPDATE {table} SET paid_minor = 100 WHERE id = %s", [inside.pk], table=table)
    assert not database_refuses(issue, [OPEN, draft.pk], table=table)


def test_the_database_guards_payments_in_a_closed_period(firm: Firm) -> None:
    inside, after = _pay(firm, CLOSED), _pay(firm, OPEN)
    _close(firm)
    table = Payment._meta.db_table
    assert database_refuses(f"UPDATE {table} SET amount_minor = 5 WHERE id = %s", [inside.pk], table=table)
    assert database_refuses(f"UPDATE {table} SET received_on = %s WHERE id = %s", [OPEN, inside.pk], table=table)
    assert database_refuses(f"UPDATE {table} SET received_on = %s WHERE id = %s", [CLOSED, after.pk], table=table)
    copy = (
        f"INSERT INTO {table} (organisation_id, company_id, client_id, received_on, currency, amount_minor, "
        "bank_charges_minor, reference, method, note, created_at) SELECT organisation_id, company_id, client_id, "
        "received_on, currency, amount_minor, bank_charges_minor, reference, method, note, created_at FROM "
        + table
        + " WHERE id = %s"
    )
    assert database_refuses(copy, [inside.pk], table=table)
    if connection.vendor == "postgresql":
        assert database_refuses(f"DELETE FROM {table} WHERE id = %s", [inside.pk], table=table)
    # Its note may be corrected; a payment after the lock date changes freely.
    assert not database_refuses(f"UPDATE {table} SET note = 'Late' WHERE id = %s", [inside.pk], table=table)
    assert not database_refuses(f"UPDATE {table} SET amount_minor = 7 WHERE id = %s", [after.pk], table=table)


def test_the_triggers_exist(db: None) -> None:
    """A later migration that rebuilds these tables on SQLite drops their triggers: this notices."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's trigger list")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {row[0] for row in cursor.fetchall()}
    assert {
        "billing_invoice_closed_insert",
        "billing_invoice_closed_update",
        "receivables_payment_closed_insert",
        "receivables_payment_closed_update",
    } <= names
