"""XML from outside Margin (uploaded files), parsed safely and with line numbers for error messages.

defusedxml refuses entity declarations (billion laughs) and external references; the tree builder records the
line each element starts on, so a reader can say where a bad value is. No Django.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser


class XmlRefused(ValueError):
    """Not well-formed, or unsafe; the message says which and where."""


class _LineBuilder(TreeBuilder):
    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[int, int] = {}
        self.parser: DefusedXMLParser | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = super().start(tag, attrs)
        if self.parser is not None:
            self.lines[id(element)] = self.parser.parser.CurrentLineNumber
        return element


def parse_xml(data: bytes) -> tuple[Element, dict[int, int]]:
    """The root element and the line of each element (keyed by ``id(element)``)."""
    builder = _LineBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as refused:
        raise XmlRefused(f"The file was refused: {refused} (entity declarations are not allowed).") from None
    except ParseError as error:
        line, column = error.position
        raise XmlRefused(f"The file is not well-formed XML (line {line}, column {column}).") from None
    return root, builder.lines
