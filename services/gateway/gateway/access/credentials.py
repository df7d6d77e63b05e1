"""Turn the Authorization header into an identity (API keys; the public for anonymous callers)."""

from __future__ import annotations

from hotline_shared.clock import Clock
from hotline_shared.db import Database
from hotline_shared.errors import Unauthorized
from hotline_shared.identity import Identity, Role

from ..apikeys import service as keys
from ..apikeys.models import ApiKey

PUBLIC_SUBJECT = "public"
# Added to every 401 by the access middleware, whichever credential check refused.
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="hotline"'}


def bearer_token(header: str | None) -> str | None:
    """The key from `Authorization: Bearer <key>`; None when the header is absent."""
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 8192:  # JWTs run to a few KiB
        raise Unauthorized("Send the API key as `Authorization: Bearer <key>`.")
    return token


def missing_key() -> Unauthorized:
    return Unauthorized("This endpoint needs an API key: send `Authorization: Bearer <key>`.")


def public_identity(*, client_ip: str | None, request_id: str | None) -> Identity:
    return Identity(subject=PUBLIC_SUBJECT, role=Role.public, client_ip=client_ip, request_id=request_id)


def key_identity(key: ApiKey, *, client_ip: str | None, request_id: str | None) -> Identity:
    return Identity(
        subject=key.name,
        role=Role(key.role),
        unit_id=key.unit_id,
        station_id=key.station_id,
        area_code=key.area_code,
        client_ip=client_ip,
        request_id=request_id,
    )


async def authenticate_key(db: Database, *, token: str, clock: Clock) -> ApiKey:
    async with db.transaction() as session:
        return await keys.authenticate(session, presented=token, clock=clock)
