"""Refuse text no database can store before it reaches a handler.

PostgreSQL rejects NUL in text and no driver encodes a lone UTF-16 surrogate, while SQLite takes
both: without this guard a stray `%00` in a filter or a `"\\u0000"` in a JSON body is a 500 on
PostgreSQL only. Checking once at the edge covers every route, present and future, the same way
on both databases, and names what to fix. Control characters in the URL are refused too: no code,
id or search term of ours contains one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import field_error, problem

_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# In JSON a NUL or a surrogate can only appear as an escape; an odd run of backslashes before the
# `u` makes it one (an even run is an escaped backslash followed by plain text). Only a body that
# matches is parsed a second time.
_SUSPECT_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _bad_text(value: str) -> str | None:
    if "\x00" in value:
        return "contains a NUL character (\\u0000), which cannot be stored; remove it"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone UTF-16 surrogate (\\ud800-\\udfff), which is not valid text; send proper UTF-8"
    return None


def _walk(node: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], str]]:
    if isinstance(node, str):
        reason = _bad_text(node)
        if reason:
            yield path, reason
    elif isinstance(node, dict):
        for key, value in node.items():
            reason = _bad_text(key)
            if reason:
                yield [*path, key.encode("utf-8", "backslashreplace").decode()], "the field name " + reason
            yield from _walk(value, [*path, key])
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, [*path, index])


def body_errors(body: bytes) -> list[dict[str, Any]]:
    """Field errors for strings in a JSON body that no database can store; [] for anything else."""
    if not _SUSPECT_ESCAPE.search(body):
        return []
    try:
        data = json.loads(body)
    except ValueError:
        return []  # not JSON: the route's own validation answers
    return [field_error(["body", *loc], f"The text {reason}.", "unstorable_text") for loc, reason in _walk(data, [])]


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
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        errors = url_errors(scope)
        if errors:
            await self._refuse(scope, receive, send, errors)
            return
        if scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away mid-body: let the app see the same thing.
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        errors = body_errors(body)
        if errors:
            await self._refuse(scope, receive, send, errors)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, errors: list[dict[str, Any]]) -> None:
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


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
