"""Per-process pool sizes and the optional read replica (hotline_shared.db.Database.from_settings)."""

from __future__ import annotations

import pytest
from hotline_shared.db import Database
from hotline_shared.settings import ServiceSettings
from hotline_shared.testing import DatabaseFactory
from sqlalchemy import text


async def _with_marker(url: str, marker: str) -> None:
    db = Database(url)
    try:
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE marker (name VARCHAR(20))"))
            await session.execute(text("INSERT INTO marker VALUES (:m)"), {"m": marker})
    finally:
        await db.dispose()


async def test_heavy_reads_go_to_the_read_replica_and_writes_to_the_primary(database_factory: DatabaseFactory) -> None:
    # Two databases stand in for a primary and its streaming replica, told apart by their content.
    primary, replica = database_factory.empty("primary"), database_factory.empty("replica")
    await _with_marker(primary, "primary")
    await _with_marker(replica, "replica")
    db = Database.from_settings(ServiceSettings(database_url=primary, database_read_url=replica))
    try:
        async with db.reading() as session:
            assert (await session.execute(text("SELECT name FROM marker"))).scalar_one() == "replica"
        async with db.transaction() as session:
            assert (await session.execute(text("SELECT name FROM marker"))).scalar_one() == "primary"
    finally:
        await db.dispose()


async def test_without_a_read_replica_reads_use_the_primary(database_factory: DatabaseFactory) -> None:
    primary = database_factory.empty("primary")
    await _with_marker(primary, "primary")
    db = Database.from_settings(ServiceSettings(database_url=primary))
    try:
        assert db.read_engine is db.engine
        async with db.reading() as session:
            assert (await session.execute(text("SELECT name FROM marker"))).scalar_one() == "primary"
    finally:
        await db.dispose()


def test_pool_size_and_overflow_come_from_the_settings_on_postgresql() -> None:
    settings = ServiceSettings(
        database_url="postgresql+asyncpg://u@127.0.0.1:1/x", database_pool_size=3, database_max_overflow=2
    )
    db = Database.from_settings(settings)
    pool = db.engine.sync_engine.pool
    assert pool.size() == 3  # type: ignore[attr-defined]
    assert pool._max_overflow == 2  # type: ignore[attr-defined]


def test_pool_settings_refuse_nonsense_with_the_setting_named() -> None:
    with pytest.raises(ValueError, match="database_pool_size"):
        ServiceSettings(database_pool_size=0)
    with pytest.raises(ValueError, match="database_max_overflow"):
        ServiceSettings(database_max_overflow=-1)
