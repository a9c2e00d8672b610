"""An issued invoice's documents: the PDF (Factur-X inside), the Peppol UBL and the CII, and sending them.

Read like the invoice itself (`billing.queries.invoice_get`: 404 for anyone who may not see its money); an
invoice that cannot be a valid e-invoice answers 422 saying what to fix, a draft 409.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from margin.api.money import MONEY_ONLY
from margin.api.schemas.billing import InvoiceOut
from margin.api.schemas.common import Id, responses
from margin.api.schemas.invoice_documents import InvoiceSendIn
from margin.api.security import viewer_of
from margin.billing.documents import cii_of, file_name, pdf_of, ubl_of
from margin.billing.models import Invoice
from margin.billing.queries import invoice_get
from margin.billing.sending import invoice_send

router = Router(tags=["invoices"])


def _file(media_type: str, description: str) -> dict[str, Any]:
    """The OpenAPI of an operation answering a file: its media type on 200, and the money rule."""
    return {
        **MONEY_ONLY,
        "responses": {
            200: {
                "description": description,
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    }


def _download(invoice: Invoice, data: bytes, media_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(data, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name(invoice, extension)}"'
    response["Content-Length"] = str(len(data))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/{invoice_id}/pdf",
    response=responses(None),
    summary="The invoice as a PDF/A-3 with its Factur-X (EN 16931) XML embedded",
    openapi_extra=_file("application/pdf", "PDF/A-3b with factur-x.xml attached"),
)
def invoice_pdf(request: HttpRequest, invoice_id: Id) -> HttpResponse:
    invoice = invoice_get(viewer_of(request), invoice_id)
    return _download(invoice, pdf_of(invoice), "application/pdf", "pdf")


@router.get(
    "/{invoice_id}/ubl",
    response=responses(None),
    summary="The invoice as a Peppol BIS Billing 3.0 UBL e-invoice (Invoice or CreditNote)",
    openapi_extra=_file("application/xml", "UBL 2.1 XML"),
)
def invoice_ubl(request: HttpRequest, invoice_id: Id) -> HttpResponse:
    invoice = invoice_get(viewer_of(request), invoice_id)
    return _download(invoice, ubl_of(invoice), "application/xml", "xml")


@router.get(
    "/{invoice_id}/cii",
    response=responses(None),
    summary="The invoice as a UN/CEFACT CII e-invoice (Factur-X / ZUGFeRD, profile EN 16931)",
    openapi_extra=_file("application/xml", "CII XML"),
)
def invoice_cii(request: HttpRequest, invoice_id: Id) -> HttpResponse:
    invoice = invoice_get(viewer_of(request), invoice_id)
    return _download(invoice, cii_of(invoice), "application/xml", "cii.xml")


@router.post(
    "/{invoice_id}/send",
    response=responses(InvoiceOut),
    summary="E-mail the PDF and the UBL to the client (or `to`) and record it as sent (finance)",
    openapi_extra=MONEY_ONLY,
)
def invoice_send_post(request: HttpRequest, invoice_id: Id, payload: InvoiceSendIn) -> Invoice:
    viewer = viewer_of(request)
    invoice = invoice_send(
        viewer=viewer, invoice=invoice_get(viewer, invoice_id), to=payload.to, message=payload.message
    )
    return invoice_get(viewer, invoice.pk)
