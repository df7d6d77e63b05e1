"""The merged API description at /openapi.json (and Swagger UI at /docs), tolerant of a down service."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from gateway.config import GatewaySettings
from gateway.main import create_app
from gateway.openapi.merge import merge
from gateway.routing.matcher import RouteMatcher
from gateway.routing.table import ROUTES
from hotline_shared.clock import ManualClock
from hotline_shared.testing.apps import running

from .conftest import RecordingTransport, Stack


async def test_merged_openapi_has_every_routed_operation_with_its_roles(stack: Stack) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.gateway), base_url="http://gw") as client:
        r = await client.get("/openapi.json")
        docs = await client.get("/docs")
    assert r.status_code == 200
    doc = r.json()
    operations = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    # The console's routes are its web pages for staff, served through the gateway, not an API to describe.
    for route in (r for r in ROUTES if r.service != "console"):
        assert (route.method, route.path) in {(m, _shape_like(p, route.path)) for m, p in operations}, route
    create = doc["paths"]["/api/v1/cases"]["post"]
    assert create["x-roles"] == ["admin", "operator", "station"]
    assert create["security"] == [{"ApiKey": []}]
    assert doc["paths"]["/api/v1/public/board"]["get"]["security"] == []
    assert doc["paths"]["/api/v1/catalog/topics"]["get"]["security"] == [{}, {"ApiKey": []}]
    assert doc["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    # Internal endpoints of the services are not reachable through the gateway, so not described.
    assert "x-unavailable-services" not in doc["info"]
    refs = _refs(doc)
    assert refs, "the services' schemas are referenced"
    assert all(ref.split("/")[-1] in doc["components"]["schemas"] for ref in refs)
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    assert "cdn.jsdelivr.net" in docs.headers["content-security-policy"]


def _shape_like(path: str, template: str) -> str:
    """Service templates may name parameters differently; compare by shape."""
    import re

    shape = re.sub(r"\{[^}]+\}", "{}", path)
    return template if shape == re.sub(r"\{[^}]+\}", "{}", template) else path


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k == "$ref" and isinstance(v, str)]
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


async def test_a_down_service_is_left_out_not_an_error(
    make_settings: Callable[..., GatewaySettings], clock: ManualClock, intake_transport: RecordingTransport
) -> None:
    app = create_app(make_settings(), clock=clock, transports={"intake": intake_transport})
    async with running(app) as client:
        r = await client.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["info"]["x-unavailable-services"] == ["dispatch", "feedback"]
    assert "/api/v1/cases" in doc["paths"]
    assert "/api/v1/admin/api-keys" in doc["paths"]
    assert "/api/v1/orders" not in doc["paths"]


def test_colliding_schema_names_are_prefixed_and_refs_follow() -> None:
    def service_doc(field: str) -> dict[str, object]:
        return {
            "paths": {
                "/api/v1/units": {
                    "get": {
                        "responses": {
                            "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}}
                        }
                    }
                }
            },
            "components": {"schemas": {"Page": {"type": "object", "properties": {field: {"type": "string"}}}}},
        }  # fmt: skip

    gateway_doc = {"openapi": "3.1.0", "info": {"title": "gw"}, "paths": {}, "components": {"schemas": {}}}
    gateway_doc["components"]["schemas"]["Page"] = {"type": "object", "properties": {"items": {"type": "array"}}}  # type: ignore[index]
    merged = merge(gateway_doc, {"dispatch": service_doc("unit_id")}, RouteMatcher())
    schemas = merged["components"]["schemas"]
    assert set(schemas) == {"Page", "dispatch_Page"}
    ref = merged["paths"]["/api/v1/units"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/dispatch_Page"
    # An identical schema is shared, not duplicated.
    same = merge(gateway_doc, {"dispatch": service_doc("unit_id"), "feedback": service_doc("unit_id")}, RouteMatcher())
    assert set(same["components"]["schemas"]) == {"Page", "dispatch_Page", "feedback_Page"}
    shared = merge(
        {"paths": {}}, {"dispatch": service_doc("unit_id"), "feedback": service_doc("unit_id")}, RouteMatcher()
    )
    assert set(shared["components"]["schemas"]) == {"Page"}
