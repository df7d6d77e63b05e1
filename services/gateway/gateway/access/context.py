"""What the access check decided for this request, handed to the proxy and the gateway's own routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from hotline_shared.errors import Unauthorized
from hotline_shared.identity import Identity

from ..routing.matcher import Matched


@dataclass(frozen=True)
class Access:
    matched: Matched
    identity: Identity
    key_id: str | None
    forwarded_for: str | None


def current_access(request: Request) -> Access:
    access = request.scope.get("state", {}).get("access")
    if not isinstance(access, Access):
        # Only reachable if a route was mounted outside the access middleware: refuse, never guess.
        raise Unauthorized("This request was not authenticated by the gateway.")
    return access


AccessDep = Annotated[Access, Depends(current_access)]
