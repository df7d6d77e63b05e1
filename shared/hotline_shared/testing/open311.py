"""The Open311 GeoReport v2 field lists, as checks a test runs on every JSON or XML answer.

Names, types and required fields follow http://wiki.open311.org/GeoReport_v2; a check fails on a
missing required field, an unknown field, a wrong type or a date that is not W3C with an offset.
XML is parsed with defusedxml and brought to the JSON shape first, so both formats meet one list.
"""

from __future__ import annotations

import json
import re
from typing import Any

from defusedxml.ElementTree import fromstring

W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")
STR, BOOL, INT, DATE, LIST, DICT = "string", "boolean", "integer", "datetime", "list", "object"

# name: (type, required)
SERVICE = {
    "service_code": (STR, True), "service_name": (STR, True), "description": (STR, False),
    "metadata": (BOOL, True), "type": (STR, True), "keywords": (STR, False), "group": (STR, False),
}  # fmt: skip
SERVICE_DEFINITION = {"service_code": (STR, True), "attributes": (LIST, True)}
ATTRIBUTE = {
    "variable": (BOOL, True), "code": (STR, True), "datatype": (STR, True), "required": (BOOL, True),
    "datatype_description": (STR, False), "order": (INT, True), "description": (STR, True), "values": (LIST, False),
}  # fmt: skip
VALUE = {"key": (STR, True), "name": (STR, True)}
POSTED = {
    "service_request_id": (STR, False), "token": (STR, False), "service_notice": (STR, False),
    "account_id": (STR, False),
}  # fmt: skip
TOKEN = {"service_request_id": (STR, False), "token": (STR, True)}
REQUEST = {
    "service_request_id": (STR, True), "status": (STR, True), "status_notes": (STR, False),
    "service_name": (STR, False), "service_code": (STR, True), "description": (STR, False),
    "agency_responsible": (STR, False), "service_notice": (STR, False), "requested_datetime": (DATE, True),
    "updated_datetime": (DATE, False), "expected_datetime": (DATE, False), "address": (STR, False),
    "address_id": (STR, False), "zipcode": (STR, False), "lat": (STR, False), "long": (STR, False),
    "media_url": (STR, False),
}  # fmt: skip
DISCOVERY = {"changeset": (DATE, True), "contact": (STR, True), "key_service": (STR, True), "endpoints": (LIST, True)}
ENDPOINT = {
    "specification": (STR, True), "url": (STR, True), "changeset": (DATE, True), "type": (STR, True),
    "formats": (LIST, True),
}  # fmt: skip
ERROR = {"code": (INT, True), "description": (STR, True)}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
LIST_ITEMS = {
    "services": "service", "endpoints": "endpoint", "formats": "format", "attributes": "attribute",
    "values": "value", "service_requests": "request", "errors": "error",
}  # fmt: skip


def _xml_value(element: Any) -> Any:
    children = list(element)
    if element.tag in LIST_ITEMS:
        return [_xml_value(c) for c in children]
    if children:
        return {c.tag: _xml_value(c) for c in children}
    return element.text


def parse(body: bytes, fmt: str) -> Any:
    """The answer as JSON data; from XML, lists by the spec's element names, every scalar a string or None."""
    if fmt == "json":
        return json.loads(body)
    assert body.startswith(b'<?xml version=\'1.0\' encoding=\'utf-8\'?>') or body.startswith(
        b'<?xml version="1.0" encoding="UTF-8"?>'
    ), body[:60]
    root = fromstring(body)
    return root.tag, _xml_value(root)


def _check_type(name: str, value: Any, kind: str, fmt: str) -> None:
    if kind == DATE:
        assert isinstance(value, str), f"{name}={value!r} is not a string"
        assert W3C.match(value), f"{name}={value!r} is not a W3C date-time with offset"
    elif kind == LIST:
        assert isinstance(value, list), f"{name} must be a list"
    elif fmt == "xml":
        assert value is None or isinstance(value, str), f"{name}={value!r}"
        if kind == BOOL:
            assert value in ("true", "false"), f"{name}={value!r} is not true/false"
        if kind == INT:
            assert value is not None, f"{name} is empty"
            assert value.lstrip("-").isdigit(), f"{name}={value!r} is not an integer"
    elif kind == BOOL:
        assert isinstance(value, bool), f"{name}={value!r} is not a boolean"
    elif kind == INT:
        assert isinstance(value, int), f"{name}={value!r} is not an integer"
        assert not isinstance(value, bool), f"{name}={value!r} is a boolean, not an integer"
    else:
        assert isinstance(value, str), f"{name}={value!r} is not a string"


def check(item: Any, spec: dict[str, tuple[str, bool]], fmt: str, *, what: str) -> dict[str, Any]:
    """One object against its field list; returns it for further checks."""
    assert isinstance(item, dict), f"{what}: expected an object, got {item!r}"
    unknown = set(item) - set(spec)
    assert not unknown, f"{what}: fields outside the specification: {sorted(unknown)}"
    for name, (kind, required) in spec.items():
        value = item.get(name)
        if value is None or value == "":
            assert not required, f"{what}: required field {name} is missing or empty"
            assert fmt == "xml" or name in item, f"{what}: {name} should be present (null when empty)"
            continue
        _check_type(f"{what}.{name}", value, kind, fmt)
    return item


def items(answer: Any, fmt: str, root: str) -> list[Any]:
    """The list an answer holds: a bare JSON array, or the children of the XML root named `root`."""
    if fmt == "json":
        assert isinstance(answer, list), f"expected a JSON array, got {answer!r}"
        return answer
    tag, value = answer
    assert tag == root, f"XML root is <{tag}>, expected <{root}>"
    assert isinstance(value, list)
    return value


def check_errors(body: bytes, fmt: str, status: int) -> str:
    """An error answer: the spec's list of {code, description}; returns the descriptions joined."""
    errors = items(parse(body, fmt), fmt, "errors")
    assert errors, "an error answer must list at least one error"
    texts = []
    for error in errors:
        check(error, ERROR, fmt, what="error")
        assert int(error["code"]) == status
        texts.append(str(error["description"]))
    return " ".join(texts)


def check_service_definition(answer: Any, fmt: str) -> dict[str, Any]:
    definition = answer if fmt == "json" else answer[1]
    if fmt == "xml":
        assert answer[0] == "service_definition"
    check(definition, SERVICE_DEFINITION, fmt, what="service_definition")
    for attribute in definition["attributes"]:
        check(attribute, ATTRIBUTE, fmt, what="attribute")
        assert attribute["datatype"] in DATATYPES
        for value in attribute.get("values") or []:
            check(value, VALUE, fmt, what="attribute value")
    return definition
