"""Opaque cursors for keyset pagination (`limit`, `cursor` → `next_cursor`)."""

from __future__ import annotations

import base64
import json
from typing import Any

from .errors import ValidationFailed, field_error


def encode_cursor(values: dict[str, Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _storable(value: Any) -> bool:
    # A cursor is JSON the client can rewrite: "\u0000" or a lone "\ud800" decodes fine but makes
    # the database driver fail (PostgreSQL refuses NUL, neither encodes a lone surrogate), and an
    # integer beyond 64 bits cannot even be bound (SQLite raises OverflowError).
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value < 2**63
    if not isinstance(value, str):
        return True
    return "\x00" not in value and not any("\ud800" <= ch <= "\udfff" for ch in value)


def decode_cursor(cursor: str, keys: tuple[str, ...]) -> dict[str, Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict) or set(data) != set(keys):
            raise ValueError("wrong keys")
        if not all(_storable(v) for v in data.values()):
            raise ValueError("a value no database can compare")
        return data
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(
            "The cursor is not valid; use the next_cursor from the previous page or omit it.",
            errors=[field_error(["query", "cursor"], "not a cursor issued by this list")],
        ) from exc
