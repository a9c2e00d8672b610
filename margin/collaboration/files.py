"""What an uploaded file is, read from its bytes (pure: no Django).

Allowed: PNG, JPEG, WebP and GIF images, PDF, plain text and CSV (valid UTF-8 without NUL bytes), and the
Office Open XML documents (docx, xlsx, pptx: a zip holding `[Content_Types].xml` and the part of its kind).
Refused: HTML, SVG and other markup, programs and scripts, archives, anything else. The name's extension and
the type the browser declared must agree with the content, so `invoice.pdf` that holds HTML is refused with a
message saying so. Images and PDFs are checked (and thumbnailed) by the receipts' rules (`margin.expenses.rules`):
one copy of the decompression-bomb guard and of PDFium's verdict; a PDF's preview is its first page.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from margin.core.errors import Invalid
from margin.expenses.rules import MAX_PIXELS, MAX_SIDE, check_image, pdf_state, sniff, thumbnail

PNG, JPEG, WEBP, GIF, PDF = "image/png", "image/jpeg", "image/webp", "image/gif", "application/pdf"
TEXT, CSV = "text/plain", "text/csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

LABELS = {
    PNG: "a PNG image",
    JPEG: "a JPEG image",
    WEBP: "a WebP image",
    GIF: "a GIF image",
    PDF: "a PDF",
    TEXT: "plain text",
    CSV: "CSV text",
    DOCX: "a Word document",
    XLSX: "an Excel workbook",
    PPTX: "a PowerPoint presentation",
}
EXTENSIONS = {
    PNG: ("png",),
    JPEG: ("jpg", "jpeg", "jpe"),
    WEBP: ("webp",),
    GIF: ("gif",),
    PDF: ("pdf",),
    TEXT: ("txt", "text", "md", "log", "csv"),
    CSV: ("csv", "txt"),
    DOCX: ("docx",),
    XLSX: ("xlsx",),
    PPTX: ("pptx",),
}
# What a browser may declare for each type (besides nothing or application/octet-stream).
CLAIMS = {
    TEXT: {"text/plain", "text/markdown", "text/x-markdown", "text/csv"},
    CSV: {"text/csv", "text/plain", "application/csv", "application/vnd.ms-excel", "text/x-csv"},
    JPEG: {"image/jpeg", "image/jpg", "image/pjpeg"},
}
INLINE = {PNG, JPEG, WEBP, GIF, PDF}
_OFFICE = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
_MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|\?xml|meta|style|a\s)", re.I)
_EXECUTABLE = (b"MZ", b"\x7fELF", b"#!", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"\x00asm")
_ARCHIVE = (b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!", b"BZh", b"\xfd7zXZ", b"PK\x05\x06", b"PK\x07\x08")


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    extension: str
    name: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None

    @property
    def label(self) -> str:
        return LABELS[self.content_type]


def clean_name(name: str) -> str:
    """The file's own name as text: no folders, no control characters, at most 200 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C").strip()
    base = base.lstrip(".").strip() or "file"
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 199 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else base[:200]
    return base


def _office(data: bytes) -> str | None:
    """The Office Open XML type of a zip, or None when it is another kind of zip (or not a readable one)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, content_type in _OFFICE.items():
        if any(n.startswith(prefix) for n in names):
            return content_type
    return None


def _text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def describe(data: bytes) -> tuple[str | None, str]:
    """(the allowed content type or None, a few words saying what the bytes are)."""
    head = data[:4096]
    known = sniff(data)
    if known in (PNG, JPEG, WEBP, PDF):
        return known, LABELS[known]
    if known == "image/heic":
        return None, "a HEIC photo"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF, LABELS[GIF]
    if head.startswith(b"PK\x03\x04"):
        office = _office(data)
        return (office, LABELS[office]) if office else (None, "a zip archive")
    if head.startswith(_EXECUTABLE):
        return None, "a program or script"
    if head.startswith(_ARCHIVE) or head[257:262] == b"ustar":
        return None, "an archive"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if _MARKUP.search(head) and (stripped.startswith(b"<") or re.search(rb"<\s*(script|svg|html)", head, re.I)):
        return None, "SVG" if re.search(rb"<\s*svg", head, re.I) else "HTML"
    if _text(data):
        return TEXT, LABELS[TEXT]
    return None, "of a type not accepted"


def _gif_size(data: bytes) -> tuple[int, int]:
    width, height = int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if width <= 0 or height <= 0 or width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise Invalid(
            f"The image is {width}×{height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels.", field="file"
        )
    return width, height


def check_upload(data: bytes, *, name: str, declared_type: str = "", max_bytes: int) -> CheckedUpload:
    """Refuse (Invalid, field "file") an empty or too large file, a type not allowed, a name or declared type
    that disagrees with the content, a damaged image or PDF. Images and PDFs come back with a JPEG thumbnail
    (a PDF's first page), except a PDF locked with a password, which is accepted without one."""
    shown = clean_name(name)
    if not data:
        raise Invalid(f"{shown} is empty.", field="file")
    if len(data) > max_bytes:
        raise Invalid(
            f"{shown} is {len(data) / 1024 / 1024:.1f} MB; the limit is {max_bytes / 1024 / 1024:g} MB.", field="file"
        )
    content_type, what = describe(data)
    stem, dot, ext = shown.rpartition(".")
    ext = ext.lower() if dot and stem else ""
    if content_type is None:
        raise Invalid(
            f"{shown} is {what}: attach images (PNG, JPEG, WebP, GIF), PDFs, text or CSV, "
            "or Word, Excel and PowerPoint files.",
            field="file",
        )
    if content_type == TEXT and ext == "csv":
        content_type = CSV
    if ext and ext not in EXTENSIONS[content_type]:
        raise Invalid(f"{shown} is not what its name says: its content is {LABELS[content_type]}.", field="file")
    claim = declared_type.split(";")[0].strip().lower()
    if claim and claim != "application/octet-stream" and claim not in CLAIMS.get(content_type, {content_type}):
        raise Invalid(f"{shown} was sent as {claim[:80]}, but its content is {LABELS[content_type]}.", field="file")
    width = height = None
    small = None
    if content_type in (PNG, JPEG, WEBP):
        width, height = check_image(data, content_type)
        small = thumbnail(data, content_type)
    elif content_type == GIF:
        width, height = _gif_size(data)
    elif content_type == PDF:
        state = pdf_state(data)
        if state == "damaged":
            raise Invalid(f"{shown} is an incomplete or damaged PDF.", field="file")
        if state == "readable":
            small = thumbnail(data, content_type)
    extension = ext or EXTENSIONS[content_type][0]
    return CheckedUpload(content_type, extension, shown, width, height, small)
