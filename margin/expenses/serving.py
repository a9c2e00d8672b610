"""How a receipt leaves Margin: only with the type its bytes were checked to be, never as HTML or SVG.

Images (JPEG, PNG, WebP) and thumbnails are served inline; PDFs and HEIC as attachments. Every answer
carries `X-Content-Type-Options: nosniff` (no browser guesses another type) and a CSP that allows
nothing and sandboxes the document, so even a file that slipped through could not run script.
Used by both the web views and the API, so there is one place to get it right.
"""

from __future__ import annotations

from django.http import HttpResponse

from margin.expenses.models import Receipt
from margin.expenses.rules import EXTENSIONS

INLINE_TYPES = {"image/jpeg", "image/png", "image/webp"}
CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def receipt_response(receipt: Receipt, *, thumbnail: bool = False) -> HttpResponse:
    if thumbnail and receipt.thumbnail:
        field, content_type, extension = receipt.thumbnail, "image/jpeg", "jpg"
    else:
        field, content_type = receipt.file, receipt.content_type
        extension = EXTENSIONS.get(content_type, "bin")
    if content_type not in EXTENSIONS:  # a stored row that is not one of the checked types: never serve it
        content_type, extension = "application/octet-stream", "bin"
    with field.open("rb") as stored:
        data = stored.read()
    response = HttpResponse(data, content_type=content_type)
    disposition = "inline" if content_type in INLINE_TYPES else "attachment"
    suffix = "-thumb" if thumbnail and receipt.thumbnail else ""
    response["Content-Disposition"] = f'{disposition}; filename="receipt-{receipt.pk}{suffix}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Length"] = str(len(data))
    return response
