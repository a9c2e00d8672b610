"""An issued invoice's documents on the web: download the PDF (Factur-X inside), the UBL and the CII, and send
them to the client (the Documents card of the invoice page, `web/invoices/_documents.html`).

Downloads are read like the printable invoice (anyone who may see the invoice's money); sending is finance's. A
refusal (a draft, an invoice that cannot be an e-invoice, no recipient) is a message on the card or page, never
a 500.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from margin.accounts.queries import Viewer
from margin.billing.documents import cii_of, file_name, pdf_of, ubl_of
from margin.billing.models import Invoice
from margin.billing.queries import invoice_get
from margin.billing.sending import invoice_send
from margin.core.errors import DomainError
from margin.web.access import HtmxRequest, require_finance, viewer_view

PARTIAL = "web/invoices/_documents.html"


class InvoiceSendForm(forms.Form):
    to = forms.EmailField(label="Recipient", max_length=254, required=False)
    message = forms.CharField(label="Message", max_length=2000, required=False, widget=forms.Textarea)


def _download(invoice: Invoice, data: bytes, media_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(data, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name(invoice, extension)}"'
    response["Content-Length"] = str(len(data))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@viewer_view
def invoice_pdf(request: HtmxRequest, viewer: Viewer, invoice_id: int) -> HttpResponse:
    invoice = invoice_get(viewer, invoice_id)
    return _download(invoice, pdf_of(invoice), "application/pdf", "pdf")


@viewer_view
def invoice_ubl(request: HtmxRequest, viewer: Viewer, invoice_id: int) -> HttpResponse:
    invoice = invoice_get(viewer, invoice_id)
    return _download(invoice, ubl_of(invoice), "application/xml", "xml")


@viewer_view
def invoice_cii(request: HtmxRequest, viewer: Viewer, invoice_id: int) -> HttpResponse:
    invoice = invoice_get(viewer, invoice_id)
    return _download(invoice, cii_of(invoice), "application/xml", "cii.xml")


def _card(request: HtmxRequest, invoice: Invoice, status: int = 200, **context: Any) -> HttpResponse:
    return render(request, PARTIAL, {"invoice": invoice, **context}, status=status)


@require_POST
@viewer_view
def invoice_send_view(request: HtmxRequest, viewer: Viewer, invoice_id: int) -> HttpResponse:
    invoice = invoice_get(viewer, invoice_id)
    require_finance(viewer)
    form = InvoiceSendForm(request.POST)
    back = reverse("web:invoice", args=[invoice.pk])
    if not form.is_valid():
        problems = [f"{form.fields[name].label}: {' '.join(map(str, errors))}" for name, errors in form.errors.items()]
        if request.htmx:
            return _card(request, invoice, 422, send_errors=problems, send_form=form.data)
        for problem in problems:
            messages.error(request, problem)
        return redirect(back)
    try:
        invoice = invoice_send(
            viewer=viewer, invoice=invoice, to=form.cleaned_data["to"] or None, message=form.cleaned_data["message"]
        )
    except DomainError as error:
        if request.htmx:
            return _card(
                request, invoice_get(viewer, invoice_id), error.status, send_errors=[error.message], send_form=form.data
            )
        messages.error(request, error.message)
        return redirect(back)
    notice = f"{invoice.get_kind_display()} {invoice.number} was sent to {invoice.sent_to}."
    if request.htmx:
        return _card(request, invoice_get(viewer, invoice_id), documents_notice=notice)
    messages.success(request, notice)
    return redirect(back)
