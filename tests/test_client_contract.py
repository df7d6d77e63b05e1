"""The SDK's models against the LIVE merged OpenAPI of a running gateway.

Fails when a field the client uses is renamed, retyped or removed, or when a request gains a
required field the client does not send; endpoints and fields the client does not use may come
and go without failing it (the checks on a doctored copy of the live document prove both)."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from hotline_client.contract import mismatches

from .helpers import wait_for

# One path of each service: the merged document leaves out a service the gateway could not reach.
EVERY_SERVICE = ("/api/v1/cases", "/api/v1/orders", "/api/v1/callbacks")


@pytest.fixture
def live_openapi(gateway: httpx.Client) -> dict[str, Any]:
    def complete() -> dict[str, Any] | None:
        response = gateway.get("/openapi.json")
        assert response.status_code == 200
        document: dict[str, Any] = response.json()
        return document if all(p in document["paths"] for p in EVERY_SERVICE) else None

    return wait_for("the merged OpenAPI of every service", complete, timeout=60)


def component(document: dict[str, Any], path: str, method: str, status: str | None) -> dict[str, Any]:
    operation = document["paths"][path][method]
    if status is None:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
    else:
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
    ref = schema["$ref"].split("/")[-1]
    found: dict[str, Any] = document["components"]["schemas"][ref]
    return found


def test_the_client_agrees_with_the_live_api(live_openapi: dict[str, Any]) -> None:
    assert mismatches(live_openapi) == []


def test_a_renamed_field_the_client_reads_fails_the_check(live_openapi: dict[str, Any]) -> None:
    doc = copy.deepcopy(live_openapi)
    accepted = component(doc, "/api/v1/cases", "post", "201")
    accepted["properties"]["lookup_code_v2"] = accepted["properties"].pop("lookup_code")
    problems = mismatches(doc)
    assert any("lookup_code" in p and "missing" in p for p in problems), problems


def test_a_retyped_field_fails_the_check(live_openapi: dict[str, Any]) -> None:
    doc = copy.deepcopy(live_openapi)
    result = component(doc, "/api/v1/cases/batch", "post", "200")
    result["properties"]["accepted"] = {"type": "string"}
    problems = mismatches(doc)
    assert any("accepted" in p and "type" in p for p in problems), problems


def test_a_field_that_becomes_nullable_fails_the_check(live_openapi: dict[str, Any]) -> None:
    # The client reads case_no as always present: a null would break every caller.
    doc = copy.deepcopy(live_openapi)
    accepted = component(doc, "/api/v1/cases", "post", "201")
    accepted["properties"]["case_no"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert any("case_no" in p for p in mismatches(doc))


def test_a_new_required_request_field_fails_the_check(live_openapi: dict[str, Any]) -> None:
    doc = copy.deepcopy(live_openapi)
    body = component(doc, "/api/v1/orders/{order_id}/reply", "post", None)
    body["properties"]["signature"] = {"type": "string"}
    body.setdefault("required", []).append("signature")
    assert any("signature" in p and "required" in p for p in mismatches(doc))


def test_a_removed_operation_fails_the_check(live_openapi: dict[str, Any]) -> None:
    doc = copy.deepcopy(live_openapi)
    del doc["paths"]["/api/v1/supervision/overdue"]
    assert any("/api/v1/supervision/overdue" in p for p in mismatches(doc))


def test_additions_the_client_does_not_use_do_not_fail_it(live_openapi: dict[str, Any]) -> None:
    doc = copy.deepcopy(live_openapi)
    doc["paths"]["/api/v1/brand-new"] = {"get": {"responses": {"200": {"description": "new"}}}}
    accepted = component(doc, "/api/v1/cases", "post", "201")
    accepted["properties"]["brand_new_field"] = {"type": "integer"}
    record = component(doc, "/api/v1/cases/{case_no}", "get", "200")
    record["properties"]["another_new_field"] = {"type": "array", "items": {"type": "string"}}
    body = component(doc, "/api/v1/cases", "post", None)
    body["properties"]["optional_new_input"] = {"type": "string"}
    assert mismatches(doc) == []

