"""GeoReport v2 bodies in its two formats: JSON, and XML with the element names the specification uses.

One structure (dicts, lists, scalars) is rendered either way, so the two formats cannot drift apart.
Times are W3C date-times with the Beijing offset; booleans are `true`/`false`; a missing value is
`null` in JSON and an empty element in XML, as in the specification's examples.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from hotline_shared.clock import to_shanghai
from starlette.responses import Response


class Format(StrEnum):
    json = "json"
    xml = "xml"


MEDIA_TYPES = {Format.json: "application/json; charset=utf-8", Format.xml: "text/xml; charset=utf-8"}

# The element of each member of a list, as the specification's XML examples name them.
XML_ITEMS = {
    "services": "service",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
}


def w3c(value: datetime) -> str:
    return to_shanghai(value).isoformat(timespec="seconds")


def _scalar(value: Any) -> Any:
    if isinstance(value, datetime):
        return w3c(value)
    return value


def _to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return _scalar(value)


def _fill(element: Element, value: Any, name: str) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(SubElement(element, key), child, key)
    elif isinstance(value, list):
        item = XML_ITEMS[name]
        for child in value:
            _fill(SubElement(element, item), child, item)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(_scalar(value))


def to_xml(root: str, value: Any) -> bytes:
    element = Element(root)
    _fill(element, value, root)
    body: bytes = tostring(element, encoding="utf-8", xml_declaration=True)
    return body


def render(fmt: Format, root: str, value: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """`root` names the XML root element; JSON has no root (a list is a bare array, as the spec shows)."""
    if fmt is Format.xml:
        body = to_xml(root, value)
    else:
        body = json.dumps(_to_json(value), ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status, media_type=MEDIA_TYPES[fmt], headers=headers)


def error_response(fmt: Format, status: int, description: str, *, headers: dict[str, str] | None = None) -> Response:
    return render(fmt, "errors", [{"code": status, "description": description}], status=status, headers=headers)


def format_of(path: str) -> Format:
    """The format a path asks for; JSON when it names none or an unknown one (for the error saying so)."""
    return Format.xml if path.endswith(".xml") else Format.json
