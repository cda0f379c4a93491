"""The hardened XML parser: no DTD, no entities, no network, bounded size.

Vendor XML never legitimately carries a DOCTYPE, so one is refused outright (that stops external
entities and billion-laughs before lxml sees them).
"""

from __future__ import annotations

import re

from lxml import etree

from vms_desk.core.errors import ProtocolError

MAX_XML_BYTES = 8 * 1024 * 1024
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, vendor: str) -> etree._Element:
    """Parse a vendor's XML reply; anything unsafe or malformed is a ProtocolError."""
    if len(data) > MAX_XML_BYTES:
        raise ProtocolError(f"The {vendor} server sent an XML reply that is too large; it was refused.")
    if _DOCTYPE.search(data):
        raise ProtocolError(
            f"The {vendor} server sent XML with a document type declaration, which vms_desk refuses "
            "for safety.",
            detail="DOCTYPE/ENTITY in reply",
        )
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise ProtocolError(
            f"The {vendor} server sent a reply that is not valid XML.", detail=f"{exc}: {data[:200]!r}"
        ) from exc
    if root is None:
        raise ProtocolError(f"The {vendor} server sent an empty XML reply.")
    return root


def local_name(element: etree._Element) -> str:
    """The tag without namespace, lower-cased (VDG Sense tags are case-insensitive)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return etree.QName(tag).localname.lower()


def child_text(element: etree._Element, name: str, default: str = "") -> str:
    """Text of the first child called `name` (case-insensitive, namespace-blind)."""
    wanted = name.lower()
    for child in element:
        if local_name(child) == wanted:
            return (child.text or "").strip()
    return default


def children(element: etree._Element, name: str) -> list[etree._Element]:
    """All children called `name` (case-insensitive, namespace-blind)."""
    wanted = name.lower()
    return [c for c in element if local_name(c) == wanted]


def attr(element: etree._Element, name: str, default: str = "") -> str:
    """An attribute by name, case-insensitive."""
    wanted = name.lower()
    for key, value in element.attrib.items():
        if isinstance(key, str) and etree.QName(key).localname.lower() == wanted:
            return str(value)
    return default
