"""Idempotency-Key handling for retried writes (same key + same body → same answer; else 409).

Callers look the key up while holding the case's row lock, so two concurrent retries of one
request cannot both act.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hotline_shared.clock import Clock
from hotline_shared.errors import Conflict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import IdempotencyKey


def request_hash(body: Any) -> str:
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


async def replay(session: AsyncSession, *, scope: str, key: str | None, body_hash: str) -> dict[str, Any] | None:
    if not key:
        return None
    row = await session.scalar(select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key))
    if row is None:
        return None
    if row.request_hash != body_hash:
        raise Conflict("This Idempotency-Key was already used with a different request body; use a new key.")
    return row.response


async def remember(
    session: AsyncSession,
    *,
    scope: str,
    key: str | None,
    body_hash: str,
    status_code: int,
    response: dict[str, Any],
    clock: Clock,
) -> None:
    if not key:
        return
    session.add(
        IdempotencyKey(
            scope=scope,
            key=key,
            request_hash=body_hash,
            status_code=status_code,
            response=response,
            created_at=clock.now(),
        )
    )
    await session.flush()
