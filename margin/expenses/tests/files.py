"""Receipt files for tests: real images made with Pillow, and files that lie or explode."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def image(fmt: str = "JPEG", size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, format=fmt)
    return out.getvalue()


def pdf(
    width: float = 595,
    height: float = 842,
    *,
    box: bool = True,
    user_unit: float | None = None,
    rotate: int = 0,
    image: tuple[int, int] | None = None,
    extra: str = "",
) -> bytes:
    """A real one-page PDF (A4 unless told), written by hand with a correct cross-reference table: PDFium opens
    it without repairing. `box` draws a black square in the middle of the page, a quarter of its width wide;
    `image` places a grey image that declares that many pixels (its data is one byte: never decodable);
    `extra` is appended to the page's content stream."""
    side = width / 4
    content = f"0 0 0 rg {(width - side) / 2:.2f} {(height - side) / 2:.2f} {side:.2f} {side:.2f} re f\n" if box else ""
    content += "q 100 0 0 100 0 0 cm /Im0 Do Q\n" if image else ""
    content += extra
    unit = f"/UserUnit {user_unit}" if user_unit else ""
    resources = "<</XObject<</Im0 5 0 R>>>>" if image else "<<>>"
    objects = [
        "<</Type/Catalog/Pages 2 0 R>>",
        "<</Type/Pages/Kids[3 0 R]/Count 1>>",
        f"<</Type/Page/Parent 2 0 R/MediaBox[0 0 {width} {height}]{unit}/Rotate {rotate}/Contents 4 0 R"
        f"/Resources{resources}>>",
        f"<</Length {len(content)}>>stream\n{content}endstream",
    ]
    if image:
        objects.append(
            f"<</Type/XObject/Subtype/Image/Width {image[0]}/Height {image[1]}/ColorSpace/DeviceGray"
            "/BitsPerComponent 8/Length 1>>stream\n\x00\nendstream"
        )
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def encrypted_pdf(user_password: str = "secret") -> bytes:  # noqa: S107 (a test file's password)
    """A PDF that needs a password to open (AES-256, written by pypdf)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf())))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny PNG whose header announces 900 megapixels: rows of zeros compress to almost nothing."""
    row = b"\x00" + b"\x00" * width  # filter byte + one grey byte per pixel
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
ZIP = b"PK\x03\x04" + b"\x00" * 100
