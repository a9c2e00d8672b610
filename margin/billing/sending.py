"""Sending an issued invoice or credit note to the client: the PDF (a Factur-X e-invoice) and the Peppol UBL by
e-mail, and the fact that it was sent (when, to whom) on the invoice, with an audit row.

Why the e-mail goes out first and is recorded after, in a short transaction of its own: if the mail server
refuses, nothing is recorded (the invoice does not claim to have been sent) and the caller hears why; the
opposite risk, a mail that left while the record then failed, is a duplicate the client can ignore, not an
invoice they never got. Rendering and the mail server's answer take a good part of a second, during which no
lock is held: on SQLite a lock is the whole database's.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from margin.accounts.queries import Viewer
from margin.billing.access import check_scope, require_finance
from margin.billing.documents import document_of, file_name, long_date, pdf_of, ubl_of
from margin.billing.einvoice.document import InvoiceDocument
from margin.billing.models import DocumentKind, Invoice, InvoiceStatus
from margin.core import audit
from margin.core.errors import Conflict, Invalid
from margin.core.money import Money

MAX_MESSAGE = 2000
SENT_FIELDS = ["sent_at", "sent_to"]


def _recipient(invoice: Invoice, to: str | None) -> str:
    address = (to or "").strip() or invoice.client.billing_email.strip()
    if not address:
        raise Invalid(
            f"{invoice.client.name} has no billing e-mail address: give a recipient, or add the address to the client.",
            field="to",
        )
    try:
        validate_email(address)
    except ValidationError:
        raise Invalid(f"{address!r} is not an e-mail address.", field="to") from None
    return address


def _body(invoice: Invoice, document: InvoiceDocument, message: str, seller: str, seller_email: str) -> str:
    credit = invoice.kind == DocumentKind.CREDIT_NOTE
    total = Money.from_minor(document.grand_total, invoice.currency)
    pdf, xml = file_name(invoice, "pdf"), file_name(invoice, "xml")
    if credit:
        what = f"Please find attached our credit note {invoice.number} of {long_date(invoice.issue_date)} for {total}"
        if document.preceding_invoice:
            what += f", which corrects invoice {document.preceding_invoice}"
        what += "."
    else:
        what = f"Please find attached our invoice {invoice.number} of {long_date(invoice.issue_date)} for {total}"
        what += f", due on {long_date(invoice.due_date)}." if invoice.due_date else "."
    paragraphs = [
        message.strip(),
        what,
        f"{pdf} is the document itself, with its e-invoice data (Factur-X, EN 16931) inside; {xml} is the same "
        "document as a Peppol UBL e-invoice for your accounting system.",
        "\n".join(line for line in (seller, seller_email) if line),
    ]
    return "\n\n".join(p for p in paragraphs if p) + "\n"


def invoice_send(*, viewer: Viewer, invoice: Invoice, to: str | None = None, message: str = "") -> Invoice:
    """E-mail an issued invoice or credit note (PDF and UBL attached) to `to` or the client's billing address,
    and record when and to whom. A draft cannot be sent; sending again records the new recipient and time."""
    check_scope(viewer, invoice)
    require_finance(viewer)
    current = Invoice.objects.filter(pk=invoice.pk).values_list("status", flat=True).first()
    if current != InvoiceStatus.ISSUED:
        raise Conflict(f"Draft #{invoice.pk} cannot be sent: issue it first (it has no number yet).")
    recipient = _recipient(invoice, to)
    if len(message) > MAX_MESSAGE:
        raise Invalid(f"The message is longer than {MAX_MESSAGE} characters.", field="message")
    # An issued document never changes, so the caller's copy (with its lines read ahead, in a batch) is rendered;
    # a copy read while it was still a draft is read again.
    source = invoice if invoice.status == InvoiceStatus.ISSUED else Invoice.objects.get(pk=invoice.pk)
    document = document_of(source)  # refused (Invalid) before anything is sent or written
    pdf, ubl = pdf_of(source, document=document), ubl_of(source, document=document)
    seller = (source.parties or {}).get("seller") or {}
    seller_name = seller.get("name") or source.company.legal_name or source.company.name
    seller_email = seller.get("email") or source.company.email
    title = "Credit note" if source.kind == DocumentKind.CREDIT_NOTE else "Invoice"
    email = EmailMessage(
        subject=f"{title} {source.number} from {seller_name}",
        body=_body(source, document, message, seller_name, seller_email),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        reply_to=[seller_email] if seller_email else None,
    )
    attachments = [file_name(source, "pdf"), file_name(source, "xml")]
    email.attach(attachments[0], pdf, "application/pdf")
    email.attach(attachments[1], ubl, "application/xml")
    try:
        email.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        raise Conflict(
            f"The e-mail to {recipient} could not be sent ({error}); {title.lower()} {source.number} is not marked "
            "as sent. Try again later.",
            code="mail_not_sent",
        ) from None
    sent = _record(viewer, invoice.pk, recipient, attachments)
    invoice.sent_at, invoice.sent_to = sent.sent_at, sent.sent_to
    return sent


@transaction.atomic
def _record(viewer: Viewer, invoice_id: int, recipient: str, attachments: list[str]) -> Invoice:
    """The invoice was sent: when and to whom (the columns the guard triggers let change on an issued document),
    with its audit row."""
    locked = Invoice.objects.select_for_update().get(pk=invoice_id)
    before = audit.snapshot(locked, SENT_FIELDS)
    locked.sent_at = timezone.now()
    locked.sent_to = recipient
    locked.save(update_fields=SENT_FIELDS)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="invoice.send",
        obj=locked,
        before=before,
        after={**audit.snapshot(locked, SENT_FIELDS), "attachments": attachments},
    )
    return locked
