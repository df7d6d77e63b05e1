from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hotline_shared.clock import ManualClock
from hotline_shared.db import Database
from hotline_shared.testing import DatabaseFactory
from redis.asyncio import Redis

from . import busapp


@pytest.fixture
async def db(database_factory: DatabaseFactory) -> AsyncIterator[Database]:
    """The bus test service's own, fresh database (SQLite, or PostgreSQL when configured)."""
    url = database_factory.empty("bustest")
    await busapp.create_schema(url)
    database = Database(url)
    yield database
    await database.dispose()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=2)
    yield client
    await client.aclose()


@pytest.fixture
def clock() -> ManualClock:
    return busapp.make_clock()
