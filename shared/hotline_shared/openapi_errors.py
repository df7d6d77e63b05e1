"""Declare the errors every operation really answers: RFC 9457 problem+json, not FastAPI's 422 JSON.

FastAPI documents a 422 ``application/json`` ``HTTPValidationError`` that no route of ours sends
(the error handlers answer ``application/problem+json`` with ``errors[]``), and nothing for the
other 4xx. Generated clients and the fuzz tests' status and content-type checks read these
declarations, so they are rewritten once here for every service (``create_service_app``), and
the gateway's merged document inherits them; new routes get them without doing anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from .errors import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details. Field problems are listed in `errors`.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "A URI naming the kind of problem"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong and what to do about it"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string", "description": "e.g. body.caller.phone, query.limit"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

# Why each status can come back; 401/403 are the service refusing a missing or unfit identity.
_REASONS = {
    400: "Malformed request (body not parseable, bad header)",
    401: "No valid credentials",
    403: "The caller's role or scope does not allow this",
    404: "No such resource (or not visible to this caller)",
    408: "The request body did not arrive in time",
    409: "Conflicts with the current state, or an Idempotency-Key reused with another body",
    413: "Request body too large",
    422: "Invalid fields, each named in `errors`",
    429: "Too many requests; see Retry-After",
}
_EVERY_OPERATION = (400, 401, 403, 404, 408, 422, 429)
_WRITES = ("post", "put", "patch", "delete")
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}}


def declare_problems(document: dict[str, Any], *, extra: dict[int, str] | None = None) -> dict[str, Any]:
    """Rewrite ``document`` in place: the Problem schema and the error statuses of every operation."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = set(_EVERY_OPERATION) | set(extra or {})
            if method in _WRITES:
                statuses.add(409)
            if method in _WRITES or "requestBody" in operation:
                statuses.add(413)
            responses = operation["responses"]
            # A page (text/html) tells a person what went wrong on a page, not in JSON.
            html = any("text/html" in (r.get("content") or {}) for r in responses.values() if isinstance(r, dict))
            for status in sorted(statuses):
                declared = responses.get(str(status), {})
                reason = (extra or {}).get(status) or _REASONS[status]
                description = declared.get("description") if status != 422 else None
                responses[str(status)] = problem_response(description or reason)
                if html:
                    responses[str(status)]["content"]["text/html"] = {"schema": {"type": "string"}}
    for name in _FASTAPI_VALIDATION:
        schemas.pop(name, None)
    return document


def install_problem_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` declare the problem responses (computed once, like FastAPI's own)."""
    original: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_problems(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
