"""Payments: recording, allocating, unallocating and deleting them keep `Invoice.paid_minor` equal to the sum of
the invoice's allocations, write their audit rows, and refuse bad input without changing anything."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone

from margin.billing.models import DocumentKind, Invoice
from margin.billing.rules import PAID, PARTLY_PAID, invoice_state
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.crm import actions as crm
from margin.receivables.actions import (
    AllocationIn,
    payment_allocate,
    payment_delete,
    payment_record,
    payment_unallocate,
)
from margin.receivables.models import Payment, PaymentAllocation
from margin.receivables.queries import client_credit, payment_get, unallocated_of
from tests.checks import audit_row, audit_rows, refused
from tests.firm import Firm

TODAY = timezone.localdate()


def _pay(firm: Firm, amount: int, *allocations: AllocationIn, charges: int = 0, **kwargs: Any) -> Payment:
    values: dict[str, Any] = {
        "viewer": firm.finance,
        "company": firm.usd,
        "client": firm.client,
        "received_on": TODAY,
        "currency": "USD",
        "amount_minor": amount,
        "bank_charges_minor": charges,
        "reference": "Wire 123",
        "allocations": allocations,
    }
    values.update(kwargs)
    return payment_record(**values)


def _state(invoice: Invoice) -> str:
    invoice.refresh_from_db()
    return invoice_state(
        issued=True,
        sent=False,
        total_minor=invoice.total_minor,
        paid_minor=invoice.paid_minor,
        credited_minor=invoice.credited_minor,
        due_date=invoice.due_date,
        today=TODAY,
    )


def _consistent() -> None:
    """Every invoice's paid amount is the sum of its allocations."""
    sums = dict(PaymentAllocation.objects.values_list("invoice_id").annotate(t=Sum("amount_minor")).order_by())
    for invoice_id, paid in Invoice.objects.values_list("id", "paid_minor"):
        assert paid == sums.get(invoice_id, 0), invoice_id


def test_record_a_payment_allocated_to_two_invoices(firm: Firm, invoice_of: Any) -> None:
    a, b = invoice_of(10_000), invoice_of(5_000, due_days=60)
    payment = _pay(firm, 12_000, AllocationIn(a), AllocationIn(b, 2_000))
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.paid_minor, b.paid_minor) == (10_000, 2_000)
    assert _state(a) == PAID and _state(b) == PARTLY_PAID
    assert unallocated_of(payment_get(firm.finance, payment.pk)) == 0
    record = audit_row("payment.record", payment)
    assert record.after is not None and record.after["amount_minor"] == 12_000
    allocated = audit_rows("payment.allocate", payment)
    assert [r.after["invoice_id"] for r in allocated if r.after] == [a.pk, b.pk]
    _consistent()


def test_bank_charges_settle_the_invoice_too(firm: Firm, invoice_of: Any) -> None:
    invoice = invoice_of(10_000)
    payment = _pay(firm, 9_850, AllocationIn(invoice), charges=150)
    invoice.refresh_from_db()
    assert invoice.paid_minor == 10_000 and _state(invoice) == PAID
    assert payment.settles_minor == 10_000
    _consistent()


def test_what_is_not_allocated_is_credit_allocated_later(firm: Firm, invoice_of: Any) -> None:
    first, second = invoice_of(3_000), invoice_of(4_000)
    payment = _pay(firm, 5_000, AllocationIn(first))
    assert client_credit(firm.finance, firm.client) == {"USD": 2_000}
    payment_allocate(viewer=firm.finance, payment=payment, allocations=[AllocationIn(second)])  # as much as is left
    second.refresh_from_db()
    assert second.paid_minor == 2_000
    assert client_credit(firm.finance, firm.client) == {}
    _consistent()


def test_allocating_twice_to_one_invoice_adds_to_its_allocation(firm: Firm, invoice_of: Any) -> None:
    invoice = invoice_of(9_000)
    payment = _pay(firm, 9_000, AllocationIn(invoice, 1_000))
    payment_allocate(viewer=firm.finance, payment=payment, allocations=[AllocationIn(invoice, 2_500)])
    assert PaymentAllocation.objects.get(payment=payment).amount_minor == 3_500
    invoice.refresh_from_db()
    assert invoice.paid_minor == 3_500
    _consistent()


def test_unallocate_part_then_all_and_delete(firm: Firm, invoice_of: Any) -> None:
    a, b = invoice_of(6_000), invoice_of(4_000)
    payment = _pay(firm, 10_000, AllocationIn(a), AllocationIn(b))
    payment_unallocate(viewer=firm.finance, payment=payment, invoice=a, amount_minor=1_000)
    a.refresh_from_db()
    assert a.paid_minor == 5_000
    assert client_credit(firm.finance, firm.client) == {"USD": 1_000}
    payment_unallocate(viewer=firm.finance, payment=payment, invoice=b)
    b.refresh_from_db()
    assert b.paid_minor == 0 and not PaymentAllocation.objects.filter(invoice=b).exists()
    assert len(audit_rows("payment.unallocate", payment)) == 2
    _consistent()
    payment_delete(viewer=firm.finance, payment=payment)
    a.refresh_from_db()
    assert a.paid_minor == 0
    assert not Payment.objects.filter(pk=payment.pk).exists()
    deleted = audit_row("payment.delete", payment)
    assert deleted.before is not None and deleted.before["allocations"] == {str(a.pk): 5_000}
    _consistent()


def test_unallocate_everything(firm: Firm, invoice_of: Any) -> None:
    a, b = invoice_of(1_000), invoice_of(2_000)
    payment = _pay(firm, 3_000, AllocationIn(a), AllocationIn(b))
    payment_unallocate(viewer=firm.finance, payment=payment)
    assert not PaymentAllocation.objects.exists()
    assert client_credit(firm.finance, firm.client) == {"USD": 3_000}
    _consistent()


def test_refusals_change_nothing(firm: Firm, invoice_of: Any) -> None:
    invoice = invoice_of(10_000)
    eur = invoice_of(10_000, currency="EUR")
    draft = invoice_of(10_000, draft=True)
    credit_note = invoice_of(1_000, kind=DocumentKind.CREDIT_NOTE, credited=invoice)
    other_client = crm.client_create(viewer=firm.admin, name="Hooli", currency="USD")
    theirs = invoice_of(10_000, client=other_client)
    eur_company = invoice_of(10_000, company=firm.eur)
    payment = _pay(firm, 5_000)
    checks: list[tuple[type[Exception], str, list[AllocationIn]]] = [
        (Invalid, "in EUR and the payment in USD", [AllocationIn(eur, 100)]),
        (Conflict, "draft", [AllocationIn(draft, 100)]),
        (Invalid, "credit note", [AllocationIn(credit_note, 100)]),
        (Invalid, "another client", [AllocationIn(theirs, 100)]),
        (Invalid, "another company", [AllocationIn(eur_company, 100)]),
        (Invalid, "more than the 50.00 USD of the payment", [AllocationIn(invoice, 5_001)]),
        (Invalid, "positive", [AllocationIn(invoice, -5)]),
        (Invalid, "positive", [AllocationIn(invoice, 0)]),
        (Invalid, "twice", [AllocationIn(invoice, 100), AllocationIn(invoice, 100)]),
        # all or nothing: the first would fit
        (Invalid, "in EUR", [AllocationIn(invoice, 100), AllocationIn(eur, 100)]),
    ]
    for error, match, allocations in checks:
        with refused(error, payment, invoice, match=match):  # type: ignore[arg-type]
            payment_allocate(viewer=firm.finance, payment=payment, allocations=allocations)
    big = _pay(firm, 50_000)
    with refused(Invalid, big, invoice, match="more than the 100.00 USD still open"):
        payment_allocate(viewer=firm.finance, payment=big, allocations=[AllocationIn(invoice, 10_001)])


def test_bad_payments_are_refused(firm: Firm, invoice_of: Any) -> None:
    invoice = invoice_of(10_000)
    with refused(Invalid, invoice, match="more than zero"):
        _pay(firm, -100)
    with refused(Invalid, invoice, match="cannot be negative"):
        _pay(firm, 100, charges=-1)
    with refused(Invalid, invoice, match="future"):
        _pay(firm, 100, received_on=TODAY + timedelta(days=1))
    with refused(Invalid, invoice, match="ISO 4217"):
        _pay(firm, 100, currency="XXY")
    with refused(Invalid, invoice, match="in USD and the payment in EUR"):
        _pay(firm, 100, AllocationIn(invoice), currency="EUR")
    with refused(Invalid, invoice, match="NUL"):
        _pay(firm, 100, reference="bad\x00")
    with refused(Invalid, invoice, match="more than the 100.00 USD still open"):
        _pay(firm, 20_000, AllocationIn(invoice, 10_001))


def test_only_finance_and_admins_and_only_their_organisation(firm: Firm, invoice_of: Any) -> None:
    invoice = invoice_of(10_000)
    for viewer in (firm.manager, firm.member):
        with refused(Forbidden, invoice):
            _pay(firm, 100, viewer=viewer)
    with refused(NotFound, invoice):
        _pay(firm, 100, viewer=firm.other_admin)
    payment = _pay(firm, 100, viewer=firm.admin)
    for action in (
        lambda v: payment_allocate(viewer=v, payment=payment, allocations=[AllocationIn(invoice, 10)]),
        lambda v: payment_unallocate(viewer=v, payment=payment),
        lambda v: payment_delete(viewer=v, payment=payment),
    ):
        with refused(Forbidden, payment, invoice):
            action(firm.manager)
        with refused(NotFound, payment, invoice):
            action(firm.other_admin)
    with pytest.raises(NotFound):
        payment_get(firm.manager, payment.pk)


def test_an_invoice_of_another_organisation_is_not_found(firm: Firm, invoice_of: Any) -> None:
    payment = _pay(firm, 1_000)
    other = Invoice.objects.create(
        organisation_id=firm.other_admin.organisation_id,
        company_id=next(iter(firm.other_admin.company_ids)),
        client=firm.other_project.client,
        currency="USD",
        period_end=TODAY,
    )
    with refused(NotFound, payment, other):
        payment_allocate(viewer=firm.finance, payment=payment, allocations=[AllocationIn(other, 100)])


def test_paid_always_equals_the_allocations(firm: Firm, invoice_of: Any) -> None:
    """A random sequence of allocations, take-backs and deletions (refusals included) keeps every invoice's
    paid amount equal to the sum of its allocations, never above its open amount."""
    rng = random.Random(7)
    invoices = [invoice_of(rng.randrange(1_000, 20_000)) for _ in range(4)]
    payments = [_pay(firm, rng.randrange(1_000, 30_000)) for _ in range(3)]
    for _ in range(60):
        payment = rng.choice(payments)
        invoice = rng.choice(invoices)
        move = rng.random()
        try:
            if move < 0.55:
                amount = rng.choice([None, rng.randrange(1, 8_000)])
                payment_allocate(viewer=firm.finance, payment=payment, allocations=[AllocationIn(invoice, amount)])
            elif move < 0.9:
                payment_unallocate(
                    viewer=firm.finance, payment=payment, invoice=invoice, amount_minor=rng.choice([None, 500])
                )
            elif len(payments) > 1:
                payment_delete(viewer=firm.finance, payment=payment)
                payments.remove(payment)
        except (Invalid, Conflict):
            pass
        _consistent()
        for row in Invoice.objects.filter(pk__in=[i.pk for i in invoices]):
            assert 0 <= row.paid_minor <= row.total_minor
        for p in Payment.objects.all():
            assert unallocated_of(p) >= 0
