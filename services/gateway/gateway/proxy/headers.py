"""Which headers cross the gateway, each way."""

from __future__ import annotations

from collections.abc import Iterable

from hotline_shared.identity import IDENTITY_HEADER
from hotline_shared.observability import REQUEST_ID_HEADER

# RFC 9110 §7.6.1 connection-specific headers, plus those the gateway itself owns.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
     "transfer-encoding", "upgrade", "proxy-connection"}
)  # fmt: skip
_NOT_FORWARDED = HOP_BY_HOP | {
    "host",
    # The services trust only the gateway's signature; the caller's key stays at the gateway.
    "authorization",
    IDENTITY_HEADER.lower(),
    REQUEST_ID_HEADER.lower(),
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "forwarded",
}
_NOT_RETURNED = HOP_BY_HOP | {REQUEST_ID_HEADER.lower(), "server", "date"}


def _connection_tokens(headers: Iterable[tuple[str, str]]) -> set[str]:
    tokens: set[str] = set()
    for name, value in headers:
        if name.lower() == "connection":
            tokens |= {t.strip().lower() for t in value.split(",") if t.strip()}
    return tokens


def request_headers(incoming: list[tuple[str, str]]) -> list[tuple[str, str]]:
    drop = _NOT_FORWARDED | _connection_tokens(incoming)
    return [(n, v) for n, v in incoming if n.lower() not in drop]


def response_headers(upstream: list[tuple[str, str]]) -> list[tuple[str, str]]:
    drop = _NOT_RETURNED | _connection_tokens(upstream)
    return [(n, v) for n, v in upstream if n.lower() not in drop]
