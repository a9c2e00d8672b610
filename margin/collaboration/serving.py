"""How an attachment leaves Margin: only as the type its bytes were checked to be, never as HTML or SVG.

Images and PDFs may be shown inline (a preview, the browser's PDF viewer); everything else downloads. Every
answer carries `X-Content-Type-Options: nosniff`, a CSP that allows nothing and sandboxes the document, and
the person's file name encoded (RFC 6266 / 5987), never trusted as a header value. Used by the web views and
the API alike.
"""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse

from margin.collaboration.files import INLINE, LABELS
from margin.collaboration.models import Attachment

CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def _disposition(kind: str, name: str) -> str:
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in name) or "file"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def attachment_response(attachment: Attachment, *, thumbnail: bool = False, inline: bool = False) -> HttpResponse:
    if thumbnail and attachment.thumbnail:
        field, content_type = attachment.thumbnail, "image/jpeg"
        name = f"{attachment.original_name.rsplit('.', 1)[0]}-preview.jpg"
    else:
        field, content_type, name = attachment.file, attachment.content_type, attachment.original_name
    if content_type not in LABELS:  # a stored row that is not one of the checked types: never serve it as such
        content_type = "application/octet-stream"
    with field.open("rb") as stored:
        data = stored.read()
    charset = "; charset=utf-8" if content_type.startswith("text/") else ""
    response = HttpResponse(data, content_type=content_type + charset)
    shown_inline = (inline or thumbnail) and content_type in INLINE
    response["Content-Disposition"] = _disposition("inline" if shown_inline else "attachment", name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Length"] = str(len(data))
    return response
