"""Receipts are typed by their bytes; bombs, lies, SVG and HTML are refused (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

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


def test_thumbnails_are_small_jpegs_of_images_only() -> None:
    thumb = rules.thumbnail(files.image("PNG", (2000, 1000)), "image/png")
    assert thumb is not None and thumb.startswith(b"\xff\xd8\xff")
    from io import BytesIO

    from PIL import Image

    assert Image.open(BytesIO(thumb)).size == (320, 160)
    assert rules.thumbnail(files.pdf(), "application/pdf") is None


def test_amounts_round_once() -> None:
    assert rules.mileage_amount(Decimal("123.5"), Decimal("0.3"), "EUR") == 3705
    assert rules.per_diem_amount(Decimal("2.5"), Decimal("28"), "EUR") == 7000
    assert rules.with_markup(10_000, Decimal("15"), "USD") == 11_500
    assert rules.with_markup(333, Decimal("10"), "USD") == 366  # 3.663 → 3.66
    assert rules.converted(10_000, "EUR", "USD", Decimal("1.0850")) == 10_850
    assert rules.converted(10_000, "JPY", "EUR", Decimal("0.0062")) == 6_200  # 10,000 yen → 62.00 EUR
