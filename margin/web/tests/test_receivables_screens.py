"""Receivables screens: recording a payment with allocations, allocating more, taking back, deleting; importing a
bank statement and accepting a suggestion; the ageing with its chart; the statement of account and its CSV.
Refusals are form errors with their status, never a 500."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from margin.billing.models import Invoice
from margin.receivables.actions import AllocationIn, payment_record
from margin.receivables.models import Payment, PaymentAllocation, StatementLine
from margin.receivables.tests.factories import issued_invoice
from tests.firm import Firm

HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate()


def _form(firm: Firm, amount: str, **extra: str) -> dict[str, str]:
    return {
        "client": str(firm.client.pk),
        "company": str(firm.usd.pk),
        "received_on": TODAY.isoformat(),
        "currency": "USD",
        "amount": amount,
        "bank_charges": "",
        "method": "bank_transfer",
        "reference": "Wire 77",
        "note": "",
        **extra,
    }


def test_record_a_payment_with_allocations(sign_in: Callable[[User], Client], firm: Firm) -> None:
    a = issued_invoice(firm, 100_000, number="2026-0301")
    b = issued_invoice(firm, 50_000, number="2026-0302")
    client = sign_in(firm.finance_user)
    page = client.get(reverse("web:payments"), {"client": firm.client.pk})
    assert page.status_code == 200 and b"2026-0301" in page.content  # the client's open invoices, ready to type
    fragment = client.get(
        reverse("web:payment_open_invoices"), {"client": firm.client.pk, "company": firm.usd.pk, "currency": "USD"}
    )
    assert b'name="alloc-' in fragment.content and b"2026-0302" in fragment.content
    response = client.post(
        reverse("web:payment_new"), _form(firm, "1.200,00", **{f"alloc-{a.pk}": "1000", f"alloc-{b.pk}": "200,00"})
    )
    assert response.status_code == 302, response.content[:2000]
    payment = Payment.objects.get()
    assert response["Location"] == reverse("web:payment", args=[payment.pk])
    assert dict(PaymentAllocation.objects.values_list("invoice__number", "amount_minor")) == {
        "2026-0301": 100_000,
        "2026-0302": 20_000,
    }
    detail = client.get(response["Location"])
    assert detail.status_code == 200 and b"Allocate the rest" not in detail.content


def test_payment_form_errors(sign_in: Callable[[User], Client], firm: Firm) -> None:
    invoice = issued_invoice(firm, 10_000, number="2026-0303")
    eur = issued_invoice(firm, 10_000, currency="EUR", number="2026-0304")
    client = sign_in(firm.finance_user)
    cases = [
        (_form(firm, "abc"), 422, "is not an amount"),
        (_form(firm, "-5"), 422, "more than zero"),
        (_form(firm, "10.001"), 422, "USD has 2 decimals"),
        (_form(firm, "500", **{f"alloc-{invoice.pk}": "200"}), 422, "still open on invoice 2026-0303"),
        (_form(firm, "50", **{f"alloc-{eur.pk}": "20"}), 422, "in EUR and the payment in USD"),
        (_form(firm, "50", currency="ZZZ"), 422, "not an ISO 4217"),
        (_form(firm, "50", received_on="2026-02-30"), 422, "valid date"),
    ]
    for data, status, text in cases:
        response = client.post(reverse("web:payment_new"), data)
        assert response.status_code == status, (data, response.status_code)
        assert text in response.content.decode(), (
            text,
            re.findall(r'role="alert"[^<]*>([^<]*)', response.content.decode()),
        )
    assert not Payment.objects.exists()
    assert Invoice.objects.get(pk=invoice.pk).paid_minor == 0


def test_allocate_take_back_and_delete(sign_in: Callable[[User], Client], firm: Firm) -> None:
    invoice = issued_invoice(firm, 30_000, number="2026-0305")
    payment = payment_record(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        received_on=TODAY,
        currency="USD",
        amount_minor=20_000,
    )
    client = sign_in(firm.finance_user)
    detail = client.get(reverse("web:payment", args=[payment.pk]))
    assert b"Allocate the rest" in detail.content and b"2026-0305" in detail.content
    refused = client.post(reverse("web:payment_allocate", args=[payment.pk]), {f"alloc-{invoice.pk}": "250"})
    assert refused.status_code == 422 and b"of the payment not allocated yet" in refused.content
    empty = client.post(reverse("web:payment_allocate", args=[payment.pk]), {})
    assert empty.status_code == 422 and b"at least one invoice" in empty.content
    done = client.post(reverse("web:payment_allocate", args=[payment.pk]), {f"alloc-{invoice.pk}": "150"})
    assert done.status_code == 302
    assert Invoice.objects.get(pk=invoice.pk).paid_minor == 15_000
    client.post(reverse("web:payment_unallocate", args=[payment.pk]), {"invoice": invoice.pk})
    assert Invoice.objects.get(pk=invoice.pk).paid_minor == 0
    gone = client.post(reverse("web:payment_delete", args=[payment.pk]))
    assert gone.status_code == 302 and not Payment.objects.exists()
    assert client.get(reverse("web:payment", args=[payment.pk])).status_code == 404


def test_import_a_statement_and_accept(sign_in: Callable[[User], Client], firm: Firm) -> None:
    invoice = issued_invoice(firm, 123_450, number="2026-0007")
    client = sign_in(firm.finance_user)
    data = b"Date;Amount;Counterparty;Reference\n31.03.2026;1.234,50;Globex;Invoice 2026-0007\n"
    response = client.post(
        reverse("web:bank_statement_upload"),
        {"company": firm.usd.pk, "date_order": "auto", "file": SimpleUploadedFile("march.csv", data)},
    )
    assert response.status_code == 302, response.content[:3000]
    page = client.get(response["Location"])
    assert b"strong" in page.content and b"The reference names invoice 2026-0007" in page.content
    line = StatementLine.objects.get()
    accepted = client.post(reverse("web:statement_line_accept", args=[line.pk]), {"invoice": invoice.pk}, **HTMX)
    assert accepted.status_code == 200 and b"Recorded as a payment" in accepted.content
    assert Invoice.objects.get(pk=invoice.pk).paid_minor == 123_450
    again = client.post(reverse("web:statement_line_accept", args=[line.pk]), {"invoice": invoice.pk}, **HTMX)
    assert again.status_code == 409 and b"recorded as a payment already" in again.content


def test_a_bad_statement_lists_its_lines(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.finance_user)
    data = b"Date,Amount\n2026-03-01,1.00\n2026-03-02,abc\n2026-03-40,1.00\n"
    response = client.post(
        reverse("web:bank_statement_upload"),
        {"company": firm.usd.pk, "date_order": "auto", "file": SimpleUploadedFile("bad.csv", data)},
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "Line 3, Amount: &#x27;abc&#x27; is not an amount" in text and "Line 4, Date" in text
    nothing = client.post(reverse("web:bank_statement_upload"), {"company": firm.usd.pk, "date_order": "auto"})
    assert nothing.status_code == 422
    assert not StatementLine.objects.exists()


def test_the_ageing_screen_and_its_chart(sign_in: Callable[[User], Client], firm: Firm) -> None:
    issued_invoice(firm, 10_000, issue_date=TODAY - timedelta(days=80), due_date=TODAY - timedelta(days=50))
    issued_invoice(firm, 20_000, issue_date=TODAY - timedelta(days=5))
    issued_invoice(firm, 5_000, currency="EUR", exchange_rate="1.2", issue_date=TODAY - timedelta(days=200))
    client = sign_in(firm.finance_user)
    response = client.get(reverse("web:receivables_ageing"), {"company": firm.usd.pk})
    assert response.status_code == 200
    svg = re.search(r'<svg[^>]*data-testid="ageing-svg".*?</svg>', response.content.decode(), re.S)
    assert svg is not None
    buckets = re.findall(r'data-bucket="(\w+)"', svg.group(0))
    assert set(buckets) == {"current", "d31_60", "over_90"}  # on "All clients" and on Globex
    assert "Globex" in svg.group(0) and "360.00 USD" in svg.group(0)  # 100 + 200 + 50 EUR × 1.2
    assert b"Days sales outstanding" in response.content
    assert client.get(reverse("web:receivables_ageing"), {"as_of": "31-02-2026"}).status_code == 422
    empty = client.get(reverse("web:receivables_ageing"), {"company": firm.eur.pk})
    assert empty.status_code == 200 and b"Nothing is open" in empty.content
    assert sign_in(firm.manager_user).get(reverse("web:receivables_ageing")).status_code == 403


def test_statement_of_account_and_its_csv(sign_in: Callable[[User], Client], firm: Firm) -> None:
    invoice = issued_invoice(firm, 10_000, issue_date=TODAY - timedelta(days=20), number="2026-0400")
    payment_record(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        received_on=TODAY,
        currency="USD",
        amount_minor=4_000,
        reference='=HYPERLINK("http://evil.example")',
        allocations=[AllocationIn(invoice)],
    )
    client = sign_in(firm.finance_user)
    page = client.get(reverse("web:client_statement", args=[firm.client.pk]))
    assert page.status_code == 200 and b"2026-0400" in page.content and b"60.00 USD" in page.content
    csv_text = client.get(reverse("web:client_statement_csv", args=[firm.client.pk])).content.decode()
    assert "'=HYPERLINK" in csv_text and ",=HYPERLINK" not in csv_text
    assert ",60.00," in csv_text.splitlines()[-1] or csv_text.splitlines()[-1].split(",")[8] == "60.00"
    bad = client.get(
        reverse("web:client_statement", args=[firm.client.pk]), {"first": "2026-05-01", "last": "2026-01-01"}
    )
    assert bad.status_code == 422
    settings_page = client.get(reverse("web:settings_client", args=[firm.client.pk]))
    assert b'data-testid="client-statement"' in settings_page.content
    manager_page = sign_in(firm.manager_user).get(reverse("web:settings_client", args=[firm.client.pk]))
    assert b'data-testid="client-statement"' not in manager_page.content
