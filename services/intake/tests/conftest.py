from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI
from hotline_shared.clock import SHANGHAI, ManualClock
from hotline_shared.testing import DatabaseFactory
from hotline_shared.testing.apps import running
from hotline_shared.testing.identity import TEST_SECRET
from intake.config import MIGRATIONS_DIR, IntakeSettings
from intake.main import create_app

from .helpers import seed_catalog


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI))


@pytest.fixture
def settings(database_factory: DatabaseFactory, redis_url: str) -> IntakeSettings:
    return IntakeSettings(
        env="test",
        database_url=database_factory.new("intake", MIGRATIONS_DIR),
        redis_url=redis_url,
        identity_secret=TEST_SECRET,
    )


@pytest.fixture
def app(settings: IntakeSettings, clock: ManualClock) -> FastAPI:
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app running against its own fresh database, with the demo catalogue loaded."""
    async with running(app) as c:
        await seed_catalog(app)
        yield c
