"""The human-readable half of a Factur-X invoice: a PDF/A-3b rendered from HTML, with the CII XML inside it.

Why PDF/A-3: Factur-X/ZUGFeRD is a PDF/A-3 file whose embedded `factur-x.xml` is the legally relevant
invoice data, so the same file is read by people and machines. WeasyPrint renders the PDF/A-3b (the
templates stay HTML/CSS); the factur-x package embeds the XML with the attachment name, the /AF relationship
and the XMP metadata (`urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#`, conformance level EN 16931) that
readers look for. No offline PDF/A validator exists on our registries, so conformance rests on these two
libraries; the structure is checked in the tests. No Django.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from facturx import generate_from_binary, get_facturx_xml_from_pdf
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

FACTURX_FLAVOR = "factur-x"
FACTURX_LEVEL = "en16931"  # the profile `cii.to_cii` writes


def html_to_pdfa(
    html: str,
    *,
    base_url: str | None = None,
    allowed_protocols: tuple[str, ...] | None = None,
    css: str | None = None,
) -> bytes:
    """Render `html` to a PDF/A-3b. `base_url` resolves relative links (stylesheets, images, fonts);
    `allowed_protocols` (e.g. ("data",)) limits what may be fetched while rendering (None: anything); `css` is
    a stylesheet applied on top, parsed once per process (a batch of invoices shares one)."""
    fetcher = URLFetcher(allowed_protocols=allowed_protocols) if allowed_protocols is not None else None
    stylesheets = [_stylesheet(css)] if css else None
    pdf: bytes = HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
        pdf_variant="pdf/a-3b", stylesheets=stylesheets, font_config=_fonts()
    )
    return pdf


_local = threading.local()


def _fonts() -> FontConfiguration:
    """One font configuration per thread: WeasyPrint makes a new one (a fontconfig set-up and an empty Pango
    font cache) for every document otherwise, a fifth of the cost of a one-page invoice."""
    fonts = getattr(_local, "fonts", None)
    if fonts is None:
        fonts = _local.fonts = FontConfiguration()
    return fonts


@lru_cache(maxsize=8)
def _stylesheet(css: str) -> CSS:
    # Parsing the stylesheet is a tenth of rendering a one-page invoice; the parsed rules are reusable.
    return CSS(string=css, url_fetcher=URLFetcher(allowed_protocols=()))


def embed_facturx(pdf: bytes, xml: bytes) -> bytes:
    """`pdf` with the Factur-X EN 16931 `xml` embedded as factur-x.xml (XSD-checked by factur-x on the way in)."""
    result: bytes = generate_from_binary(pdf, xml, flavor=FACTURX_FLAVOR, level=FACTURX_LEVEL)
    return result


def facturx_xml_of(pdf: bytes) -> bytes:
    """The embedded Factur-X/ZUGFeRD XML of `pdf`, byte for byte; ValueError if there is none."""
    _filename, xml = get_facturx_xml_from_pdf(pdf, check_xsd=False)
    if not xml:
        raise ValueError("This PDF carries no Factur-X or ZUGFeRD XML attachment.")
    return bytes(xml)
