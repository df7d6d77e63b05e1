"""Idempotent writes: same caller + same key + same body → the first answer, never a second record.

Keys are scoped to the caller (identity subject), so two stations using the same client_ref do
not collide. A key is recorded only together with a successful answer, in the same transaction;
a request that failed leaves nothing behind and may be retried with the same key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hotline_shared.errors import Conflict
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository
from .models import IdempotencyRecord


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: dict[str, Any]


def request_hash(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _answer(record: IdempotencyRecord, *, key: str, digest: str) -> StoredAnswer:
    if record.request_hash != digest:
        raise Conflict(
            f"The idempotency key {key!r} was already used with a different request"
            + (f" (it created case {record.case_no})" if record.case_no else "")
            + ". Use a new key for a new case, or resend the original request unchanged.",
            extra={"case_no": record.case_no} if record.case_no else None,
        )
    if record.status_code is None or record.response is None:
        # Only reachable if a holder's transaction committed without finishing, which the
        # service never does; refuse rather than invent an answer.
        raise Conflict(f"A request with idempotency key {key!r} is still being processed; retry shortly.")
    return StoredAnswer(status_code=record.status_code, body=json.loads(record.response))


async def previous_answer(session: AsyncSession, *, subject: str, key: str, digest: str) -> StoredAnswer | None:
    record = await repository.find(session, subject=subject, key=key)
    return None if record is None else _answer(record, key=key, digest=digest)


async def claim(
    session: AsyncSession, *, subject: str, key: str, digest: str, now: datetime
) -> tuple[IdempotencyRecord | None, StoredAnswer | None]:
    """Take the key for this transaction, or learn the answer of whoever took it first.

    Returns (record, None) when claimed (fill it with `complete`), or (None, answer) when lost.
    """
    for _ in range(2):
        record = IdempotencyRecord(subject=subject, key=key, request_hash=digest, created_at=now)
        if await repository.try_insert(session, record):
            return record, None
        winner = await repository.find(session, subject=subject, key=key)
        if winner is not None:
            return None, _answer(winner, key=key, digest=digest)
        # The holder rolled back between our insert and our read: the key is free again.
    raise Conflict(f"The idempotency key {key!r} is busy; retry shortly.")


async def complete(
    session: AsyncSession, *, record: IdempotencyRecord, status_code: int, body: dict[str, Any], case_no: str | None
) -> None:
    record.status_code = status_code
    record.response = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    record.case_no = case_no
    await session.flush()


async def purge_expired(session: AsyncSession, *, now: datetime, ttl: timedelta) -> int:
    return await repository.purge_before(session, cutoff=now - ttl)
