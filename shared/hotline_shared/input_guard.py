"""Refuse control characters in the URL before a request reaches a handler.

PostgreSQL rejects NUL in text while SQLite takes it: without this guard a stray `%00` in any
filter or path segment was a 500 on PostgreSQL only (and a quiet empty answer on SQLite). No code,
id or search term of ours contains a control character, so refusing them once at the edge covers
every route, present and future, the same way on both databases, and names what to fix.

Bodies are left to each route's own validation: a batch must refuse one bad item and keep the
others, which only the route can do. What a route lets through and the database still refuses
is a 422 from the error handlers (SQLSTATE class 22), never a 500.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import field_error, problem

_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def url_errors(scope: Scope) -> list[dict[str, Any]]:
    errors = []
    if _URL_CONTROL.search(scope.get("path", "")):
        message = "The address contains a control character; remove it."
        errors.append(field_error(["path"], message, "control_character"))
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if _URL_CONTROL.search(name) or _URL_CONTROL.search(value):
            shown = _URL_CONTROL.sub("", name)[:40] or "?"
            errors.append(
                field_error(
                    ["query", shown],
                    "The value contains a control character (such as %00 or a line break); remove it.",
                    "control_character",
                )
            )
    return errors


class InputGuard:
    """Pure ASGI, so a refused request never reaches a handler or opens a transaction."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        errors = url_errors(scope) if scope["type"] == "http" else []
        if not errors:
            await self.app(scope, receive, send)
            return
        fields = ", ".join(e["field"] for e in errors[:5])
        response = problem(
            422,
            "The request has invalid fields",
            f"Please correct these fields and send again: {fields}",
            slug="validation",
            instance=_URL_CONTROL.sub("", scope.get("path", "")),
            errors=errors[:50],
        )
        await response(scope, receive, send)
