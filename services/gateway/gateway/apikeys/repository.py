from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import ApiKey
from .schemas import KeyStatus


async def add(session: AsyncSession, key: ApiKey) -> None:
    session.add(key)
    await session.flush()


async def get(session: AsyncSession, key_id: str) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def by_name(session: AsyncSession, name: str) -> ApiKey | None:
    return await session.scalar(select(ApiKey).where(ApiKey.name == name))


async def by_secret_hash(session: AsyncSession, digest: str, *, now: datetime) -> ApiKey | None:
    current = await session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    if current is not None:
        return current
    return await session.scalar(select(ApiKey).where(ApiKey.previous_hash == digest, ApiKey.previous_valid_until > now))


def _status_filter(query: Select[Any], status: KeyStatus, now: datetime) -> Select[Any]:
    if status is KeyStatus.revoked:
        return query.where(ApiKey.revoked_at.is_not(None))
    live = ApiKey.revoked_at.is_(None)
    if status is KeyStatus.expired:
        return query.where(live, ApiKey.expires_at <= now)
    return query.where(live, or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now))


async def active_admin_ids(session: AsyncSession, *, now: datetime) -> list[str]:
    """Ids of the admin keys that work now, locked (PostgreSQL) so two revokes cannot both pass."""
    query = _status_filter(select(ApiKey.id).where(ApiKey.role == "admin"), KeyStatus.active, now)
    return list(await session.scalars(query.with_for_update()))


async def page(
    session: AsyncSession,
    *,
    role: str | None,
    status: KeyStatus | None,
    after_name: str | None,
    limit: int,
    now: datetime,
) -> list[ApiKey]:
    query = select(ApiKey).order_by(ApiKey.name).limit(limit)
    if role is not None:
        query = query.where(ApiKey.role == role)
    if status is not None:
        query = _status_filter(query, status, now)
    if after_name is not None:
        query = query.where(ApiKey.name > after_name)
    return list((await session.scalars(query)).all())


async def touch_last_used(session: AsyncSession, *, key_id: str, now: datetime, older_than: datetime) -> None:
    await session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,
            or_(ApiKey.last_used_at.is_(None), and_(ApiKey.last_used_at < older_than)),
        )
        .values(last_used_at=now)
    )
