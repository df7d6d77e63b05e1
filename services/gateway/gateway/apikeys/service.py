"""API key lifecycle: create, list, revoke, rotate, authenticate, and the demo seed."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from hotline_shared.clock import Clock
from hotline_shared.errors import Conflict, NotFound, Unauthorized, ValidationFailed, field_error
from hotline_shared.pagination import decode_cursor, encode_cursor
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository
from .models import ApiKey
from .schemas import (
    ALLOWED_SCOPE,
    REQUIRED_SCOPE,
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyPage,
    ApiKeyView,
    KeyRole,
    KeyStatus,
)
from .tokens import MIN_KEY_LENGTH, display_prefix, generate_key, hash_key


def status_of(key: ApiKey, now: datetime) -> KeyStatus:
    if key.revoked_at is not None:
        return KeyStatus.revoked
    if key.expires_at is not None and key.expires_at <= now:
        return KeyStatus.expired
    return KeyStatus.active


def view(key: ApiKey, now: datetime) -> ApiKeyView:
    return ApiKeyView(
        id=key.id,
        name=key.name,
        role=KeyRole(key.role),
        unit_id=key.unit_id,
        station_id=key.station_id,
        area_code=key.area_code,
        prefix=key.prefix,
        status=status_of(key, now),
        source=key.source,
        created_at=key.created_at,
        created_by=key.created_by,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        rotated_at=key.rotated_at,
        last_used_at=key.last_used_at,
    )


def _issued(key: ApiKey, plaintext: str, now: datetime) -> ApiKeyIssued:
    return ApiKeyIssued(**view(key, now).model_dump(), key=plaintext, previous_valid_until=key.previous_valid_until)


def check_scope(data: ApiKeyCreate) -> None:
    """A unit key without a unit would see nobody's orders or, worse, be mistaken for another's."""
    errors = []
    required = REQUIRED_SCOPE.get(data.role)
    if required and not getattr(data, required):
        errors.append(field_error(["body", required], f"a {data.role.value} key must name its {required}", "missing"))
    allowed = ALLOWED_SCOPE.get(data.role, set())
    for scope_field in ("unit_id", "station_id", "area_code"):
        if getattr(data, scope_field) is not None and scope_field not in allowed:
            message = f"a {data.role.value} key cannot be bound to a {scope_field}"
            errors.append(field_error(["body", scope_field], message, "not_allowed"))
    if errors:
        raise ValidationFailed("The key's role and scope do not fit together.", errors=errors)


async def create_key(
    session: AsyncSession,
    *,
    data: ApiKeyCreate,
    actor: str,
    clock: Clock,
    source: str = "admin",
    plaintext: str | None = None,
) -> ApiKeyIssued:
    check_scope(data)
    now = clock.now()
    if data.expires_at is not None and data.expires_at <= now:
        raise ValidationFailed(
            "The expiry must be in the future.",
            errors=[field_error(["body", "expires_at"], "must be later than now", "in_past")],
        )
    if await repository.by_name(session, data.name) is not None:
        raise Conflict(f"An API key named {data.name!r} already exists; choose another name or rotate that key.")
    secret = plaintext or generate_key()
    key = ApiKey(
        id=str(uuid.uuid4()),
        name=data.name,
        role=data.role.value,
        unit_id=data.unit_id,
        station_id=data.station_id,
        area_code=data.area_code,
        prefix=display_prefix(secret),
        key_hash=hash_key(secret),
        source=source,
        created_at=now,
        created_by=actor,
        expires_at=data.expires_at,
    )
    await repository.add(session, key)
    return _issued(key, secret, now)


async def _find(session: AsyncSession, key_id: str) -> ApiKey:
    key = await repository.get(session, key_id)
    if key is None:
        raise NotFound(f"No API key with id {key_id}.")
    return key


async def find_by_ref(session: AsyncSession, *, ref: str) -> ApiKey:
    """For the CLI: an operator types a name more easily than an id."""
    key = await repository.get(session, ref) or await repository.by_name(session, ref)
    if key is None:
        raise NotFound(f"No API key with id or name {ref!r}.")
    return key


async def get_key(session: AsyncSession, *, key_id: str, clock: Clock) -> ApiKeyView:
    return view(await _find(session, key_id), clock.now())


async def list_keys(
    session: AsyncSession,
    *,
    clock: Clock,
    role: KeyRole | None = None,
    status: KeyStatus | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> ApiKeyPage:
    now = clock.now()
    after = str(decode_cursor(cursor, ("name",))["name"]) if cursor else None
    rows = await repository.page(
        session, role=role.value if role else None, status=status, after_name=after, limit=limit + 1, now=now
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor({"name": rows[-1].name}) if more and rows else None
    return ApiKeyPage(items=[view(k, now) for k in rows], next_cursor=next_cursor)


async def revoke_key(session: AsyncSession, *, key_id: str, actor: str, clock: Clock) -> ApiKeyView:
    key = await _find(session, key_id)
    now = clock.now()
    if key.revoked_at is None and key.role == "admin" and status_of(key, now) is KeyStatus.active:
        others = [i for i in await repository.active_admin_ids(session, now=now) if i != key.id]
        if not others:
            # Revoking it would leave nobody able to manage keys except by hand in the database.
            raise Conflict(
                "这是最后一个有效的管理员密钥，不能吊销；请先创建新的管理员密钥。"
                " This is the last active admin key; create another admin key before revoking it."
            )
    if key.revoked_at is None:
        key.revoked_at = now
        key.revoked_by = actor
        # A revoked key must stop working at once, including a secret still in its rotation grace.
        key.previous_hash = None
        key.previous_valid_until = None
        await session.flush()
    return view(key, now)


async def rotate_key(
    session: AsyncSession, *, key_id: str, grace_seconds: int, max_grace_seconds: int, clock: Clock
) -> ApiKeyIssued:
    if grace_seconds > max_grace_seconds:
        raise ValidationFailed(
            "The grace period is too long.",
            errors=[field_error(["body", "grace_seconds"], f"at most {max_grace_seconds} seconds", "too_large")],
        )
    key = await _find(session, key_id)
    now = clock.now()
    if key.revoked_at is not None:
        raise Conflict("This key is revoked; create a new key instead of rotating it.")
    secret = generate_key()
    if grace_seconds:
        key.previous_hash = key.key_hash
        key.previous_valid_until = now + timedelta(seconds=grace_seconds)
    else:
        key.previous_hash = None
        key.previous_valid_until = None
    key.key_hash = hash_key(secret)
    key.prefix = display_prefix(secret)
    key.rotated_at = now
    await session.flush()
    return _issued(key, secret, now)


async def authenticate(session: AsyncSession, *, presented: str, clock: Clock) -> ApiKey:
    now = clock.now()
    key = await repository.by_secret_hash(session, hash_key(presented), now=now)
    if key is None:
        raise Unauthorized("The API key is not valid. Check the Authorization: Bearer <key> header.")
    status = status_of(key, now)
    if status is KeyStatus.revoked:
        raise Unauthorized("This API key has been revoked; ask an administrator for a new one.")
    if status is KeyStatus.expired:
        raise Unauthorized("This API key has expired; ask an administrator to rotate or replace it.")
    return key


async def touch(session: AsyncSession, *, key_id: str, clock: Clock, resolution_s: int) -> None:
    now = clock.now()
    await repository.touch_last_used(session, key_id=key_id, now=now, older_than=now - timedelta(seconds=resolution_s))


async def seed_keys(session: AsyncSession, *, entries: Iterable[Mapping[str, Any]], clock: Clock) -> dict[str, int]:
    """Load demo keys from the seed file: idempotent, and a key an admin revoked stays revoked."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "kept_revoked": 0}
    for index, entry in enumerate(entries):
        raw = dict(entry)
        secret = str(raw.pop("key", "") or "")
        if len(secret) < MIN_KEY_LENGTH:
            raise ValueError(f"entry {index} ({raw.get('name')!r}): key must be at least {MIN_KEY_LENGTH} characters")
        try:
            data = ApiKeyCreate.model_validate(raw)
        except ValidationError as exc:
            raise ValueError(f"entry {index} ({raw.get('name')!r}): {exc}") from exc
        check_scope(data)
        existing = await repository.by_name(session, data.name)
        if existing is None:
            await create_key(session, data=data, actor="seed", clock=clock, source="seed", plaintext=secret)
            counts["created"] += 1
            continue
        if existing.revoked_at is not None:
            counts["kept_revoked"] += 1
            continue
        wanted = {
            "role": data.role.value,
            "unit_id": data.unit_id,
            "station_id": data.station_id,
            "area_code": data.area_code,
            "key_hash": hash_key(secret),
            "prefix": display_prefix(secret),
            "expires_at": data.expires_at,
        }
        changed = {k: v for k, v in wanted.items() if getattr(existing, k) != v}
        if changed:
            for attr, value in changed.items():
                setattr(existing, attr, value)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    await session.flush()
    return counts
