"""What can go wrong talking to the gateway, as exceptions a caller can act on.

Every 4xx/5xx answer becomes a `ProblemError` carrying the RFC 9457 fields the gateway sends
(`type`, `title`, `status`, `detail`, `errors[]`); nothing is swallowed or turned into `None`.
A network failure that outlived the retries is a `ConnectionFailed`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class FieldProblem:
    """One field the server refused: `field` is a dotted path such as `body.items.3.caller.phone`."""

    field: str
    message: str
    code: str | None = None


class HotlineError(Exception):
    """Base of every error the SDK raises."""


class ConnectionFailed(HotlineError):
    """The gateway could not be reached (or kept dropping the connection) after every retry."""


@dataclass
class ProblemError(HotlineError):
    status: int
    title: str
    detail: str
    type: str = "about:blank"
    errors: list[FieldProblem] = field(default_factory=list)
    retry_after: float | None = None
    body: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"{self.status} {self.title}: {self.detail}"]
        lines += [f"  {e.field}: {e.message}" for e in self.errors]
        return "\n".join(lines)

    @classmethod
    def from_response(cls, response: httpx.Response) -> ProblemError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            # A proxy's HTML page or an empty body: still a typed error with the HTTP status.
            body = {"title": response.reason_phrase or "HTTP error", "detail": response.text[:500]}
        return cls(
            status=int(body.get("status") or response.status_code),
            title=str(body.get("title") or response.reason_phrase or ""),
            detail=str(body.get("detail") or ""),
            type=str(body.get("type") or "about:blank"),
            errors=field_problems(body.get("errors")),
            retry_after=retry_after_seconds(response),
            body=body,
        )


def field_problems(raw: Any) -> list[FieldProblem]:
    if not isinstance(raw, list):
        return []
    return [
        FieldProblem(field=str(e.get("field", "")), message=str(e.get("message", "")), code=e.get("code"))
        for e in raw
        if isinstance(e, dict)
    ]


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        # The HTTP-date form: the gateway never sends it, so waiting the default backoff is enough.
        return None
