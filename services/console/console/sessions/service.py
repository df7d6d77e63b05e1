from __future__ import annotations

import secrets
import time
from typing import Any

from hotline_shared.identity import Role
from redis.asyncio import Redis

from ..gateway_api import ApiError, GatewayApi
from . import repository
from .cookies import CookieState, sign, verify
from .schemas import ConsoleSession

COOKIE_PURPOSE = "console-session"


async def sign_in(
    *, redis: Redis, api: GatewayApi, api_key: str, secret: str, ttl_s: int
) -> tuple[ConsoleSession, str]:
    """Check the key with the gateway (`/api/v1/me`) and open a session; returns it and the cookie value."""
    me: dict[str, Any] = await api.get("/api/v1/me")
    role = Role(me["role"])
    if role is Role.public:
        raise ApiError(401, "这不是工作人员的密钥。")
    session_id = secrets.token_urlsafe(32)
    expires_at = time.time() + ttl_s
    data = {
        "session_id": session_id,
        "subject": me["subject"],
        "role": role.value,
        "unit_id": me.get("unit_id"),
        "station_id": me.get("station_id"),
        "area_code": me.get("area_code"),
        "csrf_token": secrets.token_urlsafe(32),
        "expires_at": expires_at,
    }
    await repository.save(redis, secret=secret, session_id=session_id, data=data, api_key=api_key, ttl_s=ttl_s)
    cookie = sign(secret, COOKIE_PURPOSE, session_id, expires_at=expires_at)
    return ConsoleSession.model_validate({**data, "api_key": api_key}), cookie


async def resolve(*, redis: Redis, secret: str, cookie: str | None) -> tuple[CookieState, ConsoleSession | None]:
    """The session a cookie names, or why there is none (missing, tampered, expired or signed out)."""
    state, session_id = verify(secret, COOKIE_PURPOSE, cookie, now=time.time())
    if state is not CookieState.valid or session_id is None:
        return state, None
    entry = await repository.load(redis, secret=secret, session_id=session_id)
    if entry is None:
        # Redis let it lapse or the person signed out elsewhere: to them it is an expired session.
        return CookieState.expired, None
    return CookieState.valid, ConsoleSession.model_validate(entry)


async def sign_out(*, redis: Redis, session_id: str) -> None:
    await repository.delete(redis, session_id=session_id)
