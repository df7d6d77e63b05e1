"""Merge the services' OpenAPI documents into the one the gateway serves (pure functions)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from hotline_shared.identity import Role
from hotline_shared.openapi_errors import problem_response

from ..routing.matcher import RouteMatcher
from ..routing.table import Route

REF_PREFIX = "#/components/schemas/"
_GATEWAY_ANSWERS = {
    401: "No valid API key or token",
    403: "The key's role or scope does not allow this",
    413: "Request body too large",
    429: "Too many requests; see Retry-After",
    502: "The service broke off its answer",
    503: "The service is unavailable; see Retry-After",
    504: "The service did not answer in time",
}
_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith(REF_PREFIX) and v[len(REF_PREFIX) :] in renames:
                out[k] = REF_PREFIX + renames[v[len(REF_PREFIX) :]]
            else:
                out[k] = _rewrite_refs(v, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, renames) for v in node]
    return node


def _route_for(matcher: RouteMatcher, method: str, path: str) -> Route | None:
    try:
        return matcher.match(method.upper(), path).route
    except Exception:
        return None


def _annotate(operation: dict[str, Any], route: Route) -> None:
    # An Open311 key reaches /api/v1 only through the gateway's own adapter (/open311/v2), never as a
    # bearer: naming it here would tell client authors something the gateway refuses.
    roles = sorted(r.value for r in route.roles if r is not Role.open311)
    operation["x-roles"] = roles
    if route.public_only:
        operation["security"] = []
    elif route.allows_anonymous:
        operation["security"] = [{}, {"ApiKey": []}]
    else:
        operation["security"] = [{"ApiKey": []}]
    # What the gateway itself may answer in front of any service.
    responses = operation.setdefault("responses", {})
    for status, reason in _GATEWAY_ANSWERS.items():
        responses.setdefault(str(status), problem_response(reason))
    note = f"Roles: {', '.join(roles)}." + (" Audited." if route.audited else "")
    operation["description"] = (operation.get("description", "") + "\n\n" + note).strip()


def merge(
    gateway: dict[str, Any],
    services: Mapping[str, dict[str, Any] | None],
    matcher: RouteMatcher,
) -> dict[str, Any]:
    """The gateway's own document plus each reachable service's routed paths.

    Only operations the route table sends to that service are kept (a service's /healthz is not
    reachable through the gateway, so it is not documented here). Schema names that collide with
    a different schema get the service's name as a prefix, and that service's $refs follow.
    """
    merged = copy.deepcopy(gateway)
    paths: dict[str, Any] = merged.setdefault("paths", {})
    schemas: dict[str, Any] = merged.setdefault("components", {}).setdefault("schemas", {})
    unavailable = []
    for service, doc in services.items():
        if doc is None:
            unavailable.append(service)
            continue
        their_schemas = doc.get("components", {}).get("schemas", {})
        renames = {
            name: f"{service}_{name}"
            for name, schema in their_schemas.items()
            if name in schemas and schemas[name] != schema
        }
        doc = _rewrite_refs(doc, renames)
        for name, schema in doc.get("components", {}).get("schemas", {}).items():
            schemas[renames.get(name, name)] = schema
        for path, item in doc.get("paths", {}).items():
            for method in _HTTP_METHODS:
                operation = item.get(method)
                if operation is None:
                    continue
                route = _route_for(matcher, method, path)
                if route is None or route.service != service:
                    continue
                _annotate(operation, route)
                paths.setdefault(path, {})[method] = operation
    for path, item in paths.items():
        for method in _HTTP_METHODS:
            if method in item and "x-roles" not in item[method]:
                route = _route_for(matcher, method, path)
                if route is not None:
                    _annotate(item[method], route)
    merged.setdefault("components", {}).setdefault("securitySchemes", {})["ApiKey"] = {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "Staff API key, or a token from the city's identity provider when the gateway is configured for "
            "OIDC: `Authorization: Bearer <key or JWT>`. Public routes need none."
        ),
    }
    merged["paths"] = dict(sorted(paths.items()))
    if unavailable:
        merged.setdefault("info", {})["x-unavailable-services"] = sorted(unavailable)
    return merged
