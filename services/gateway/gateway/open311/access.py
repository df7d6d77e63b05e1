"""Where an Open311 client's key comes from, and how our refusals map to the specification's codes."""

from __future__ import annotations

from urllib.parse import parse_qs

from hotline_shared.errors import AppError, Forbidden
from starlette.datastructures import Headers
from starlette.types import Scope

FORM = "application/x-www-form-urlencoded"
MAX_KEY_LENGTH = 200


def form_fields(headers: Headers, body: bytes) -> dict[str, list[str]]:
    """A url-encoded form body (what GeoReport v2 posts); empty for any other content type."""
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != FORM or not body:
        return {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return {}
    return parse_qs(text, keep_blank_values=True, max_num_fields=200)


def api_key_of(scope: Scope, headers: Headers, body: bytes) -> str | None:
    """`api_key` from the form body or the query string; None when neither carries one."""
    values = form_fields(headers, body).get("api_key") or []
    if not values:
        query = scope.get("query_string", b"").decode("latin-1")
        values = parse_qs(query, keep_blank_values=True, max_num_fields=200).get("api_key") or []
    key = values[0].strip() if values else ""
    if not key:
        return None
    if len(key) > MAX_KEY_LENGTH:
        raise invalid_key("api_key 无效 / the api_key is not valid.")
    return key


def invalid_key(detail: str) -> Forbidden:
    # The specification answers a missing or invalid api_key with 403.
    return Forbidden(detail if "api_key" in detail else f"api_key 无效 / invalid api_key: {detail}")


def spec_status(exc: AppError) -> int:
    """GeoReport v2 knows 400, 403 and 404 for client errors; 401 (a bad key) is its 403, 422 its 400."""
    if exc.status == 401:
        return 403
    if exc.status == 422:
        return 400
    return exc.status
