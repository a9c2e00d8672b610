"""Receipts are typed by their bytes; bombs, lies, SVG and HTML are refused (no database)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from PIL import Image

from margin.core.errors import Invalid
from margin.expenses import rules
from margin.expenses.tests import files


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (files.image("JPEG"), "image/jpeg"),
        (files.image("PNG"), "image/png"),
        (files.image("WEBP"), "image/webp"),
        (files.pdf(), "application/pdf"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64, "image/heic"),
    ],
)
def test_allowed_types_are_recognised_by_content(data: bytes, content_type: str) -> None:
    assert rules.check_receipt(data).content_type == content_type


@pytest.mark.parametrize("data", [files.SVG, files.HTML, files.ZIP, b"GIF89a" + b"\x00" * 40, b"hello"])
def test_other_types_are_refused(data: bytes) -> None:
    with pytest.raises(Invalid, match="JPEG, PNG, WebP or HEIC photo, or a PDF") as info:
        rules.check_receipt(data)
    assert info.value.field == "file"


def test_a_file_that_lies_about_its_type_is_refused() -> None:
    # JPEG magic bytes, then HTML: passes the sniff, fails the decode.
    with pytest.raises(Invalid, match="damaged or not what"):
        rules.check_receipt(b"\xff\xd8\xff\xe0" + files.HTML)
    # PNG magic followed by a JPEG body.
    with pytest.raises(Invalid, match="damaged or not what"):
        rules.check_receipt(b"\x89PNG\r\n\x1a\n" + files.image("JPEG")[8:])


def test_oversized_and_empty_files_are_refused() -> None:
    with pytest.raises(Invalid, match="limit is 10 MB"):
        rules.check_receipt(b"%PDF-" + b"0" * (10 * 1024 * 1024) + b"%%EOF")
    with pytest.raises(Invalid, match="empty"):
        rules.check_receipt(b"")


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    bomb = files.png_bomb()
    assert len(bomb) < 100_000
    with pytest.raises(Invalid, match="megapixels"):
        rules.check_receipt(bomb)
    # Within the side limit but over the pixel budget.
    with pytest.raises(Invalid, match="megapixels"):
        rules.check_receipt(files.png_bomb(8_000, 8_000))


def test_truncated_pdf_is_refused() -> None:
    with pytest.raises(Invalid, match="incomplete"):
        rules.check_receipt(b"%PDF-1.4\n1 0 obj")
    # Ends like a PDF, but PDFium cannot make a document of it: refused by PDFium's verdict.
    with pytest.raises(Invalid, match="incomplete or damaged") as info:
        rules.check_receipt(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    assert info.value.field == "file"
    # A real PDF cut short loses its end-of-file marker: refused although PDFium might repair it.
    assert rules.pdf_state(files.pdf()[:-40]) == "damaged"


def test_thumbnails_are_small_jpegs_of_images_only() -> None:
    thumb = rules.thumbnail(files.image("PNG", (2000, 1000)), "image/png")
    assert thumb is not None and thumb.startswith(b"\xff\xd8\xff")
    from io import BytesIO

    from PIL import Image

    assert Image.open(BytesIO(thumb)).size == (320, 160)
    assert rules.thumbnail(files.image("PNG"), "image/heic") is None


def _image(jpeg: bytes | None) -> Image.Image:
    assert jpeg is not None and jpeg.startswith(b"\xff\xd8\xff")
    return Image.open(io.BytesIO(jpeg)).convert("L")


def _share(image: Image.Image, test: Callable[[int], bool]) -> float:
    values = image.tobytes()
    return sum(1 for v in values if test(v)) / len(values)


def test_a_pdf_gets_its_first_page_as_a_jpeg() -> None:
    # WeasyPrint draws an A4 page, transparent but for a black box; the preview is white with the box in dark.
    import weasyprint

    html = '<style>@page{size:A4;margin:0}</style><div style="margin:8cm auto;width:6cm;height:6cm;background:#000">'
    data = weasyprint.HTML(string=html).write_pdf()
    assert rules.check_receipt(data).content_type == "application/pdf"
    thumb = _image(rules.thumbnail(data, "application/pdf"))
    assert thumb.width <= rules.THUMBNAIL_SIZE[0] and thumb.height == rules.THUMBNAIL_SIZE[1]
    assert thumb.width == pytest.approx(320 * 210 / 297, abs=1)  # A4 kept upright, fitting the height
    assert _share(thumb, lambda v: v > 240) > 0.85  # white background, not transparent black
    assert 0.03 < _share(thumb, lambda v: v < 40) < 0.15  # the box: 6 × 6 cm of 21 × 29.7 cm is 5.8 %
    assert thumb.getpixel((thumb.width // 2, 2)) > 240 and thumb.getpixel((thumb.width // 2, 135)) < 40


def test_a_huge_declared_page_is_drawn_at_the_thumbnail_size_fast() -> None:
    # 200 × 200 inches (the largest page PDF allows), and one whose UserUnit makes it ~200 km wide.
    for data in (files.pdf(14_400, 14_400), files.pdf(14_400, 7_200, user_unit=75_000.0)):
        started = time.perf_counter()
        thumb = _image(rules.thumbnail(data, "application/pdf"))
        assert time.perf_counter() - started < 0.5
        assert thumb.size[0] == 320 and thumb.size[1] <= 320
        assert _share(thumb, lambda v: v < 40) > 0.04  # the box is there, in proportion
    # A page smaller than the thumbnail is not blown up past 144 dpi (the scale is capped).
    assert _image(rules.thumbnail(files.pdf(50, 40), "application/pdf")).size == (100, 80)
    # A sliver (1 point by 200 inches) would be less than a pixel wide: no preview, but the file is accepted.
    assert rules.check_receipt(files.pdf(14_400, 1, box=False)).content_type == "application/pdf"
    assert rules.thumbnail(files.pdf(14_400, 1, box=False), "application/pdf") is None


def test_a_rotated_page_is_previewed_as_it_is_shown() -> None:
    assert _image(rules.thumbnail(files.pdf(rotate=90), "application/pdf")).size == (320, 227)  # landscape


def test_pages_too_costly_to_draw_are_accepted_without_a_preview() -> None:
    # An image that declares 100 megapixels (an image bomb inside a PDF): not decoded, not drawn.
    bomb = files.pdf(image=(10_000, 10_000))
    assert rules.check_receipt(bomb).content_type == "application/pdf"
    assert rules.thumbnail(bomb, "application/pdf") is None
    assert rules.thumbnail(files.pdf(image=(200, 100)), "application/pdf") is not None
    # More objects than a preview is worth: 50,001 one-point squares.
    started = time.perf_counter()
    crowded = files.pdf(box=False, extra="0 0 1 1 re f\n" * (rules.PDF_MAX_OBJECTS + 1))
    assert rules.check_receipt(crowded).content_type == "application/pdf"
    assert rules.thumbnail(crowded, "application/pdf") is None
    assert time.perf_counter() - started < 5


def test_an_encrypted_pdf_is_accepted_without_a_preview() -> None:
    locked = files.encrypted_pdf()
    assert rules.pdf_state(locked) == "encrypted"
    assert rules.check_receipt(locked).content_type == "application/pdf"
    assert rules.thumbnail(locked, "application/pdf") is None
    # Encrypted with an owner password only (no password to open): readable, so it gets its preview.
    restricted = files.encrypted_pdf(user_password="")
    assert rules.pdf_state(restricted) == "readable"
    assert _share(_image(rules.thumbnail(restricted, "application/pdf")), lambda v: v < 40) > 0.04


def test_a_pdf_without_pages_is_refused_even_after_an_encrypted_one() -> None:
    from pypdf import PdfWriter

    out = io.BytesIO()
    PdfWriter().write(out)
    # PDFium leaves its last error as the encrypted file set it; the verdict must not read it as "password".
    assert rules.pdf_state(files.encrypted_pdf()) == "encrypted"
    with pytest.raises(Invalid, match="incomplete or damaged"):
        rules.check_receipt(out.getvalue())
    assert rules.thumbnail(out.getvalue(), "application/pdf") is None


def test_amounts_round_once() -> None:
    assert rules.mileage_amount(Decimal("123.5"), Decimal("0.3"), "EUR") == 3705
    assert rules.per_diem_amount(Decimal("2.5"), Decimal("28"), "EUR") == 7000
    assert rules.with_markup(10_000, Decimal("15"), "USD") == 11_500
    assert rules.with_markup(333, Decimal("10"), "USD") == 366  # 3.663 → 3.66
    assert rules.converted(10_000, "EUR", "USD", Decimal("1.0850")) == 10_850
    assert rules.converted(10_000, "JPY", "EUR", Decimal("0.0062")) == 6_200  # 10,000 yen → 62.00 EUR
