"""Small named counters (calendar revision, catalog version) kept in one table.

The rows are created by the initial migration, so updates never race on an insert.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .models_base import Base

CALENDAR_REVISION = "calendar_revision"
CATALOG_VERSION = "catalog_version"


class ServiceState(Base):
    __tablename__ = "service_state"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


async def read(session: AsyncSession, key: str) -> int:
    value = await session.scalar(select(ServiceState.value).where(ServiceState.key == key))
    return int(value or 0)


async def bump(session: AsyncSession, key: str) -> int:
    result = await session.execute(
        update(ServiceState)
        .where(ServiceState.key == key)
        .values(value=ServiceState.value + 1)
        .returning(ServiceState.value)
    )
    return int(result.scalar_one())


async def set_value(session: AsyncSession, key: str, value: int) -> None:
    await session.execute(update(ServiceState).where(ServiceState.key == key).values(value=value))
