"""The human-readable half of a Factur-X invoice: a PDF/A-3b rendered from HTML, with the CII XML inside it.

Why PDF/A-3: Factur-X/ZUGFeRD is a PDF/A-3 file whose embedded `factur-x.xml` is the legally relevant
invoice data, so the same file is read by people and machines. WeasyPrint renders the PDF/A-3b (the
templates stay HTML/CSS); the factur-x package embeds the XML with the attachment name, the /AF relationship
and the XMP metadata (`urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#`, conformance level EN 16931) that
readers look for. No offline PDF/A validator exists on our registries, so conformance rests on these two
libraries; the structure is checked in the tests. No Django.
"""

from __future__ import annotations

from facturx import generate_from_binary, get_facturx_xml_from_pdf
from weasyprint import HTML

FACTURX_FLAVOR = "factur-x"
FACTURX_LEVEL = "en16931"  # the profile `cii.to_cii` writes


def html_to_pdfa(html: str, *, base_url: str | None = None) -> bytes:
    """Render `html` to a PDF/A-3b. `base_url` resolves relative links (stylesheets, images, fonts)."""
    pdf: bytes = HTML(string=html, base_url=base_url).write_pdf(pdf_variant="pdf/a-3b")
    return pdf


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
