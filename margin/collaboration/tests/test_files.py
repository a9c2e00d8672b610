"""Attachments' types come from their bytes; a name or declared type that disagrees is refused."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from margin.collaboration.files import CSV, DOCX, GIF, PDF, PNG, TEXT, XLSX, check_upload, clean_name
from margin.core.errors import Invalid
from margin.expenses.tests import files

MB = 1024 * 1024


def png(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def office(part: str, with_types: bool = True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if with_types:
            archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return out.getvalue()


PDF_BYTES = files.pdf()


@pytest.mark.parametrize(
    ("data", "name", "claim", "expected"),
    [
        (png(), "photo.png", "image/png", PNG),
        (png(), "photo", "", PNG),
        (PDF_BYTES, "offer.pdf", "application/pdf", PDF),
        (b"GIF89a\x10\x00\x10\x00" + b"\x00" * 20, "anim.gif", "image/gif", GIF),
        ("Grüße, notes\n".encode(), "notes.txt", "text/plain", TEXT),
        (b"a,b\n1,2\n", "table.csv", "application/vnd.ms-excel", CSV),
        (office("word/document.xml"), "spec.docx", "", DOCX),
        (office("xl/workbook.xml"), "plan.xlsx", "application/octet-stream", XLSX),
    ],
    ids=lambda value: value if isinstance(value, str) else "bytes",
)
def test_allowed_types(data: bytes, name: str, claim: str, expected: str) -> None:
    checked = check_upload(data, name=name, declared_type=claim, max_bytes=25 * MB)
    assert checked.content_type == expected


def test_images_get_size_and_thumbnail() -> None:
    checked = check_upload(png((800, 600)), name="big.png", max_bytes=25 * MB)
    assert (checked.width, checked.height) == (800, 600)
    assert checked.thumbnail is not None and checked.thumbnail.startswith(b"\xff\xd8\xff")


def test_pdfs_get_their_first_page_as_a_preview() -> None:
    checked = check_upload(PDF_BYTES, name="offer.pdf", declared_type="application/pdf", max_bytes=25 * MB)
    assert checked.thumbnail is not None and checked.thumbnail.startswith(b"\xff\xd8\xff")
    with Image.open(io.BytesIO(checked.thumbnail)) as preview:
        assert preview.size == (227, 320)  # A4 fitted to 320 pixels high
        assert preview.convert("L").getpixel((113, 160)) < 40 and preview.convert("L").getpixel((5, 5)) > 240
    assert checked.width is None  # a page has no pixel size of its own


def test_an_encrypted_pdf_is_attached_without_a_preview() -> None:
    checked = check_upload(files.encrypted_pdf(), name="locked.pdf", max_bytes=25 * MB)
    assert checked.content_type == PDF and checked.thumbnail is None


@pytest.mark.parametrize(
    ("data", "name", "claim", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "invoice.pdf", "application/pdf", "invoice.pdf is HTML"),
        (b"<!DOCTYPE html><p>hi", "page.html", "text/html", "is HTML"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "logo.svg", "", "is SVG"),
        (b"MZ\x90\x00" + b"\x00" * 60, "setup.exe", "", "a program"),
        (b"#!/bin/sh\nrm -rf /\n", "run.txt", "text/plain", "a program"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "data.gz", "", "an archive"),
        (office("evil.js", with_types=False), "photos.zip", "application/zip", "a zip archive"),
        (png(), "report.pdf", "", "report.pdf is not what its name says: its content is a PNG image"),
        (PDF_BYTES, "cat.png", "", "its content is a PDF"),
        (png(), "photo.png", "application/pdf", "was sent as application/pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"junk" * 10, "broken.png", "", "damaged"),
        (b"%PDF-1.4 truncated", "cut.pdf", "", "incomplete or damaged"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "hollow.pdf", "", "hollow.pdf is an incomplete"),
        (b"text\x00with nul", "a.txt", "", "not accepted"),
        (b"", "empty.txt", "", "empty.txt is empty"),
    ],
    ids=lambda value: value if isinstance(value, str) else "bytes",
)
def test_refused(data: bytes, name: str, claim: str, message: str) -> None:
    with pytest.raises(Invalid, match=message) as info:
        check_upload(data, name=name, declared_type=claim, max_bytes=25 * MB)
    assert info.value.field == "file"


def test_size_limit() -> None:
    with pytest.raises(Invalid, match="the limit is 1 MB"):
        check_upload(b"a" * (MB + 1), name="big.txt", max_bytes=MB)


def test_names_lose_folders_and_controls() -> None:
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("C:\\Users\\x\\report.pdf") == "report.pdf"
    assert clean_name("a\r\nb\x00.txt") == "ab.txt"
    assert clean_name("") == "file"
    assert len(clean_name("x" * 300 + ".pdf")) == 200 and clean_name("x" * 300 + ".pdf").endswith(".pdf")
