"""Sessions in Redis, one JSON entry per session with a TTL equal to what is left of its life."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from redis.asyncio import Redis

PREFIX = "console:session:"


def _fernet(secret: str, session_id: str) -> Fernet:
    # A per-session key from the server secret and the cookie's session id: Redis alone cannot decrypt.
    key = hmac.new(secret.encode(), f"console-session-key|{session_id}".encode(), hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


async def save(redis: Redis, *, secret: str, session_id: str, data: dict[str, Any], api_key: str, ttl_s: int) -> None:
    entry = {**data, "api_key": _fernet(secret, session_id).encrypt(api_key.encode()).decode()}
    await redis.set(PREFIX + session_id, json.dumps(entry), ex=max(ttl_s, 1))


async def load(redis: Redis, *, secret: str, session_id: str) -> dict[str, Any] | None:
    raw = await redis.get(PREFIX + session_id)
    if raw is None:
        return None
    entry: dict[str, Any] = json.loads(raw)
    try:
        entry["api_key"] = _fernet(secret, session_id).decrypt(entry["api_key"].encode()).decode()
    except (InvalidToken, KeyError):
        return None
    return entry


async def delete(redis: Redis, *, session_id: str) -> None:
    await redis.delete(PREFIX + session_id)
