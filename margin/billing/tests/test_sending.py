"""Sending an issued invoice: the client gets the PDF (with its Factur-X) and the UBL by e-mail, the invoice says
when and to whom, an audit row says who; a draft, an invoice that cannot be an e-invoice, a missing recipient
or someone other than finance is refused and nothing changes. The background job sends many, each once."""

from __future__ import annotations

import smtplib
from decimal import Decimal

import pytest
from django.core import mail
from django.test import override_settings

from margin.billing.einvoice.pdfa import facturx_xml_of
from margin.billing.einvoice.validate import check_cii, check_ubl
from margin.billing.jobs import INVOICE_SENDING, invoices_send_start
from margin.billing.models import DocumentKind
from margin.billing.sending import invoice_send
from margin.billing.tests.issued import Line, issued, kunde_invoice
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.models import JobRun, JobRunStatus
from margin.crm.models import Client
from tests.checks import audit_row, audit_rows, refused
from tests.firm import Firm

D = Decimal


def test_the_client_gets_the_pdf_and_the_ubl(firm: Firm) -> None:
    invoice = kunde_invoice(firm)
    sent = invoice_send(viewer=firm.finance, invoice=invoice, message="Thank you for the good work in November.")

    (email,) = mail.outbox
    assert email.to == ["ap@kunde.example"]
    assert email.reply_to == ["rechnung@acme-beratung.example"]
    assert email.subject == "Invoice RE-2026-0001 from Acme Beratung GmbH"
    assert email.body.startswith("Thank you for the good work in November.\n\n")
    assert "for 1,428.00 EUR, due on 31 December 2026." in email.body
    (pdf_name, pdf, pdf_type), (xml_name, xml, xml_type) = email.attachments
    assert (pdf_name, pdf_type, xml_name, xml_type) == (
        "RE-2026-0001.pdf",
        "application/pdf",
        "RE-2026-0001.xml",
        "application/xml",
    )
    assert check_cii(facturx_xml_of(pdf)) == []
    assert check_ubl(xml) == []

    sent.refresh_from_db()
    assert sent.sent_to == "ap@kunde.example" and sent.sent_at is not None
    row = audit_row("invoice.send", sent)
    assert row.actor_id == firm.finance.user_id
    assert row.before == {"sent_at": None, "sent_to": ""}
    assert row.after["sent_to"] == "ap@kunde.example"
    assert row.after["attachments"] == ["RE-2026-0001.pdf", "RE-2026-0001.xml"]


def test_another_recipient_and_sending_again(firm: Firm) -> None:
    invoice = kunde_invoice(firm)
    invoice_send(viewer=firm.finance, invoice=invoice)
    invoice_send(viewer=firm.admin, invoice=invoice, to="  controller@kunde.example ")
    assert [m.to for m in mail.outbox] == [["ap@kunde.example"], ["controller@kunde.example"]]
    invoice.refresh_from_db()
    assert invoice.sent_to == "controller@kunde.example"
    assert len(audit_rows("invoice.send", invoice)) == 2


def test_a_credit_note_is_sent_as_one(firm: Firm) -> None:
    invoice = kunde_invoice(firm)
    note = issued(
        company=invoice.company,
        buyer=invoice.client,
        project=invoice.project,
        number="GS-2026-0001",
        kind=DocumentKind.CREDIT_NOTE,
        credited=invoice,
        reason="Two hours logged twice",
        lines=[Line("Beratung", D(2), D(120))],
    )
    invoice_send(viewer=firm.finance, invoice=note)
    (email,) = mail.outbox
    assert email.subject == "Credit note GS-2026-0001 from Acme Beratung GmbH"
    assert "which corrects invoice RE-2026-0001" in email.body
    assert check_ubl(email.attachments[1][1]) == []


def test_a_draft_is_not_sent(firm: Firm) -> None:
    draft = kunde_invoice(firm, issue=False)
    with refused(Conflict, draft, match="cannot be sent: issue it first"):
        invoice_send(viewer=firm.finance, invoice=draft)
    assert mail.outbox == []


def test_no_recipient_or_a_bad_one_is_refused(firm: Firm) -> None:
    invoice = kunde_invoice(firm)
    Client.objects.filter(pk=invoice.client_id).update(billing_email="")
    invoice.refresh_from_db()
    with refused(Invalid, invoice, match="Kunde AG has no billing e-mail address") as error:
        invoice_send(viewer=firm.finance, invoice=invoice)
    assert error.value.field == "to"
    with refused(Invalid, invoice, match="is not an e-mail address"):
        invoice_send(viewer=firm.finance, invoice=invoice, to="not an address")
    assert mail.outbox == []


def test_an_invoice_that_cannot_be_an_e_invoice_is_not_sent(firm: Firm) -> None:
    invoice = kunde_invoice(firm, lines=[Line("Beratung", D(10), D(120), category="", rate=D(0))])
    with refused(Invalid, invoice, match="no tax category"):
        invoice_send(viewer=firm.finance, invoice=invoice)
    assert mail.outbox == []


def test_only_finance_sends_and_other_organisations_see_nothing(firm: Firm) -> None:
    invoice = kunde_invoice(firm)
    with refused(Forbidden, invoice):
        invoice_send(viewer=firm.manager, invoice=invoice)
    with refused(NotFound, invoice):
        invoice_send(viewer=firm.other_admin, invoice=invoice)
    assert mail.outbox == []


class _Refusing:
    """An e-mail backend whose server refuses everything."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: list[object]) -> int:
        raise smtplib.SMTPRecipientsRefused({"ap@kunde.example": (550, b"mailbox unavailable")})


@override_settings(EMAIL_BACKEND="margin.billing.tests.test_sending._Refusing")
def test_a_refused_mail_is_not_recorded(firm: Firm) -> None:
    invoice = kunde_invoice(firm)
    with refused(Conflict, invoice, match="could not be sent") as error:
        invoice_send(viewer=firm.finance, invoice=invoice)
    assert error.value.code == "mail_not_sent"


# the background job -------------------------------------------------------------------------------------------------
def test_the_job_sends_each_issued_invoice_once_and_reports(firm: Firm) -> None:
    first = kunde_invoice(firm, "RE-2026-0001")
    second = kunde_invoice(firm, "RE-2026-0002")
    untaxed = kunde_invoice(firm, "RE-2026-0003", lines=[Line("Alt", D(1), D(10), category="", rate=D(0))])
    draft = kunde_invoice(firm, "RE-2026-0004", issue=False)
    invoice_send(viewer=firm.finance, invoice=second)  # sent already: skipped
    mail.outbox.clear()

    run = invoices_send_start(viewer=firm.finance, invoices=[first, second, untaxed, draft])
    run = JobRun.objects.get(pk=run.pk)
    assert (run.kind, run.status, run.done, run.total) == (INVOICE_SENDING, JobRunStatus.DONE, 4, 4)
    assert run.result is not None
    assert run.result["sent"] == [first.pk]
    assert run.result["skipped"] == [second.pk, draft.pk]
    assert list(run.result["failed"]) == ["RE-2026-0003"]
    assert "no tax category" in run.result["failed"]["RE-2026-0003"]
    assert [m.subject for m in mail.outbox] == ["Invoice RE-2026-0001 from Acme Beratung GmbH"]

    again = invoices_send_start(viewer=firm.finance, invoices=[first])  # a second run sends nothing twice
    assert JobRun.objects.get(pk=again.pk).result == {"sent": [], "skipped": [first.pk], "failed": {}, "count": 0}
    assert len(mail.outbox) == 1


def test_only_finance_starts_the_job(firm: Firm) -> None:
    invoice = kunde_invoice(firm)
    with pytest.raises(Forbidden):
        invoices_send_start(viewer=firm.manager, invoices=[invoice])
    with pytest.raises(NotFound):
        invoices_send_start(viewer=firm.other_admin, invoices=[invoice])
