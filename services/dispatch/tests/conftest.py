from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from dispatch.config import MIGRATIONS_DIR, DispatchSettings
from dispatch.main import create_app
from fastapi import FastAPI
from hotline_shared.clock import ManualClock
from hotline_shared.testing import DatabaseFactory
from hotline_shared.testing.apps import running
from hotline_shared.testing.identity import TEST_SECRET

from .kit import START, Kit


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(database_factory: DatabaseFactory, redis_url: str) -> DispatchSettings:
    return DispatchSettings(
        env="test",
        database_url=database_factory.new("dispatch", MIGRATIONS_DIR),
        redis_url=redis_url,
        identity_secret=TEST_SECRET,
        consumer_block_ms=10,
    )


@pytest.fixture
def app(settings: DispatchSettings, clock: ManualClock) -> FastAPI:
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as c:
        yield c


@pytest.fixture
async def kit(app: FastAPI, client: httpx.AsyncClient, clock: ManualClock) -> Kit:
    k = Kit(app, client, clock)
    await k.seed()
    return k
