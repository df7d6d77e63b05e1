"""The caller's identity, signed by the gateway and verified by every service.

The gateway authenticates the API key, then forwards `X-Hotline-Identity: <payload>.<sig>` where
payload is base64url JSON (identity + issued-at) and sig an HMAC-SHA256 with the shared secret.
A request reaching a service without a valid header did not come through the gateway.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import Forbidden, Unauthorized

IDENTITY_HEADER = "X-Hotline-Identity"
MAX_AGE_SECONDS = 300


class Role(StrEnum):
    public = "public"
    operator = "operator"
    station = "station"
    unit = "unit"
    supervisor = "supervisor"
    admin = "admin"
    # An Open311 GeoReport v2 client (a city app): not staff; the gateway admits its key only under /open311/v2.
    open311 = "open311"


STAFF_ROLES = frozenset({Role.operator, Role.station, Role.unit, Role.supervisor, Role.admin})


class Identity(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str
    role: Role
    unit_id: str | None = None
    station_id: str | None = None
    area_code: str | None = None
    client_ip: str | None = None
    request_id: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def sign_identity(identity: Identity, secret: str, *, now: float | None = None) -> str:
    body = {"id": identity.model_dump(mode="json", exclude_none=True), "iat": int(now or time.time())}
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    sig = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(sig)}"


def verify_identity(header: str, secret: str, *, now: float | None = None) -> Identity:
    try:
        payload, sig = header.split(".", 1)
        expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(sig)):
            raise Unauthorized("The identity header's signature is not valid.")
        body = json.loads(_unb64(payload))
        issued = int(body["iat"])
        if abs((now or time.time()) - issued) > MAX_AGE_SECONDS:
            raise Unauthorized("The identity header has expired.")
        return Identity.model_validate(body["id"])
    except Unauthorized:
        raise
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        raise Unauthorized("The identity header is malformed.") from exc


async def current_identity(request: Request) -> Identity:
    """Every service route depends on this: no valid gateway signature, no entry."""
    header = request.headers.get(IDENTITY_HEADER)
    if not header:
        raise Unauthorized("Requests must come through the gateway with a signed identity.")
    secret: str = request.app.state.settings.identity_secret
    return verify_identity(header, secret)


IdentityDep = Annotated[Identity, Depends(current_identity)]


def require_roles(*roles: Role) -> object:
    allowed = frozenset(roles)

    async def _check(identity: IdentityDep) -> Identity:
        if identity.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"This action needs one of these roles: {names}; you are {identity.role.value}.")
        return identity

    return Depends(_check)
