"""Pure rules of expenses (no Django): receipt types by content, image checks and thumbnails,
mileage, per-diem and markup amounts.

A receipt's type is decided by its bytes, never by its name or the type the browser claimed. Only
JPEG, PNG, WebP, HEIC/HEIF and PDF pass; SVG, HTML, archives and anything else are refused. Images are
opened header-first and their pixel count checked before any decoding, so a decompression bomb (a
small file that decodes to gigabytes) is refused without being decoded.

PDFs are opened with PDFium (pypdfium2, Chromium's PDF engine): one it cannot open is refused as damaged, one
locked with a password is accepted without a preview, and only the first page is drawn, at the thumbnail's
size, as the preview.
"""

from __future__ import annotations

import io
import math
import threading
import warnings
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from margin.core import errors
from margin.core.errors import Invalid
from margin.core.money import Money
from margin.rates.rules import convert_minor

MAX_RECEIPT_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 MP: any phone photo; far below what a bomb decodes to
MAX_SIDE = 12_000
THUMBNAIL_SIZE = (320, 320)
# A PDF's first page is drawn at most at 144 dpi (a page smaller than the thumbnail is not blown up further),
# and not at all when it holds more objects or image pixels than a preview is worth drawing.
PDF_MAX_SCALE = 2.0
PDF_MAX_OBJECTS = 50_000

IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "application/pdf": "pdf",
}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}

# Pillow's own guard, in case anything opens an image outside `check_image`.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def sniff(data: bytes) -> str | None:
    """The content type of a file from its first bytes, or None when it is not an allowed type."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "image/heic"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str
    width: int | None = None
    height: int | None = None


def check_receipt(data: bytes, *, max_bytes: int = MAX_RECEIPT_BYTES) -> CheckedFile:
    """Refuse (Invalid, field "file") anything that is empty, too large, of a type not allowed, or an
    image that does not decode as the type its bytes announce or whose size makes it a bomb."""
    if not data:
        raise Invalid("The receipt file is empty.", field="file")
    if len(data) > max_bytes:
        raise Invalid(
            f"The receipt is {len(data) / 1024 / 1024:.1f} MB; the limit is {max_bytes // (1024 * 1024)} MB.",
            field="file",
        )
    content_type = sniff(data)
    if content_type is None:
        raise Invalid("A receipt must be a JPEG, PNG, WebP or HEIC photo, or a PDF.", field="file")
    if content_type == "application/pdf":
        if pdf_state(data) == "damaged":
            raise Invalid("This PDF is incomplete or damaged.", field="file")
        return CheckedFile(content_type, "pdf")
    if content_type == "image/heic":
        # Pillow cannot read HEIC here: it is stored as sent (size-checked), without a thumbnail.
        return CheckedFile(content_type, "heic")
    width, height = check_image(data, content_type)
    return CheckedFile(content_type, EXTENSIONS[content_type], width, height)


def check_image(data: bytes, content_type: str) -> tuple[int, int]:
    """Open the header only, check the dimensions, then decode (verify) within the limits."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[IMAGE_TYPES[content_type]]) as image:
                width, height = image.size
                if width <= 0 or height <= 0 or width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                    raise Invalid(
                        f"The image is {width}×{height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels.",
                        field="file",
                    )
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(
            f"The image is too large to open safely; the limit is {MAX_PIXELS // 1_000_000} megapixels.", field="file"
        ) from None
    except Invalid:
        raise
    except Exception:
        raise Invalid("The image is damaged or not what its first bytes claim.", field="file") from None
    return width, height


def thumbnail(data: bytes, content_type: str) -> bytes | None:
    """A small JPEG of an image already passed by `check_image`, or of a PDF's first page (one passed by
    `pdf_state`); None for HEIC, and for a PDF locked with a password or whose first page is not drawn."""
    if content_type == "application/pdf":
        page = _pdf_first_page(data)
        return None if page is None else _jpeg(page)
    if content_type not in IMAGE_TYPES:
        return None
    with Image.open(io.BytesIO(data), formats=[IMAGE_TYPES[content_type]]) as image:
        image.draft("RGB", THUMBNAIL_SIZE)  # JPEG: decode at a reduced scale
        small = image.convert("RGB")
    return _jpeg(small)


def _jpeg(image: Image.Image) -> bytes:
    image.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


# PDFium is not thread-safe: one call at a time in a process, whatever the document. Every use holds this lock
# (a first page drawn at 320 pixels takes milliseconds, so requests queue only briefly).
_PDFIUM = threading.Lock()


def pdf_state(data: bytes) -> str:
    """PDFium's verdict on a file that starts like a PDF: "readable", "encrypted" or "damaged".

    Damaged: the end-of-file marker is missing from the last 2 KB (an upload cut short; PDFium would often
    repair it, but a receipt or a file should arrive whole), PDFium cannot open it, or its first page does not
    load. Encrypted: it needs a password to open; it is accepted as sent, without a preview (Margin never asks
    for the password, so it cannot read the page). A PDF with only an owner password (printing or copying
    restricted, no password to open) is readable and gets its preview. PDFium does not open a PDF without pages.
    """
    if b"%%EOF" not in data[-2048:]:
        return "damaged"
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as error:
            # PDFium's last error is not reset by every failure (a PDF without pages fails with the code the
            # previous document left), so "password" counts only for a file that declares its encryption.
            locked = error.err_code == pdfium_c.FPDF_ERR_PASSWORD and b"/Encrypt" in data
            return "encrypted" if locked else "damaged"
        try:
            document[0].close()
        except (pdfium.PdfiumError, IndexError):
            return "damaged"
        finally:
            document.close()
    return "readable"


def _pdf_first_page(data: bytes) -> Image.Image | None:
    """The first page drawn on white so that it fits THUMBNAIL_SIZE, or None when it cannot or should not be.

    The scale comes from the page's declared size, so a 200-inch page is drawn at a fraction of a pixel per
    point, never at full size and then shrunk: the bitmap is never larger than the thumbnail. Pages with more
    than PDF_MAX_OBJECTS objects, or whose images add up to more than MAX_PIXELS (the images' declared sizes,
    read without decoding them: an image bomb inside a PDF), are not drawn.
    """
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            return None  # locked with a password (a damaged one was refused by pdf_state)
        try:
            if not len(document):
                return None
            page = document[0]
            try:
                return _draw(page)
            finally:
                page.close()
        except (pdfium.PdfiumError, ValueError, OSError):
            return None
        finally:
            document.close()


def _draw(page: pdfium.PdfPage) -> Image.Image | None:
    width, height = (float(side) for side in page.get_size())
    if page.get_rotation() in (90, 270):
        width, height = height, width
    if not (math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0):
        return None
    if int(pdfium_c.FPDFPage_CountObjects(page.raw)) > PDF_MAX_OBJECTS:
        return None
    pixels = 0
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        image_width, image_height = image.get_px_size()
        pixels += int(image_width) * int(image_height)
        if pixels > MAX_PIXELS:
            return None
    scale = min(THUMBNAIL_SIZE[0] / width, THUMBNAIL_SIZE[1] / height, PDF_MAX_SCALE)
    if round(width * scale) < 1 or round(height * scale) < 1:
        return None  # a sliver (1 point by 200 inches) has no preview worth a pixel
    # PDF pages are transparent: fill white first. Forms are not initialised, so no form field is drawn.
    bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255), may_draw_forms=False)
    try:
        drawn: Image.Image = bitmap.to_pil().convert("RGB")  # a copy: the bitmap's buffer is freed below
    finally:
        bitmap.close()
    return drawn


def mileage_amount(distance: Decimal, rate: Decimal, currency: str) -> int:
    """Distance × rate per unit, rounded once to the currency's minor unit."""
    return Money(distance * rate, currency).rounded().to_minor()


def per_diem_amount(days: Decimal, rate: Decimal, currency: str) -> int:
    return Money(days * rate, currency).rounded().to_minor()


def with_markup(amount_minor: int, markup_percent: Decimal, currency: str) -> int:
    """What the client is charged: the amount plus the markup, rounded once."""
    base = Money.from_minor(amount_minor, currency)
    return Money(base.amount * (1 + markup_percent / 100), currency).rounded().to_minor()


def converted(amount_minor: int, from_currency: str, to_currency: str, rate: Decimal) -> int:
    """An amount in another currency at a rate (1 from = rate to), rounded once."""
    if from_currency == to_currency:
        return amount_minor
    return convert_minor(amount_minor, from_currency, to_currency, rate)


def check_period_open(day: date, *, locked_through: date | None, company_name: str) -> None:
    """Nothing dated on or before a company's lock date may be added, changed, deleted, submitted,
    approved or rejected (the period's books are closed)."""
    errors.check_period_open(
        day,
        locked_through=locked_through,
        company_name=company_name,
        what="an expense",
        verbs="added, changed, deleted, submitted, approved or rejected",
        field="date",
    )
