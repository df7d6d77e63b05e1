from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from feedback.config import MIGRATIONS_DIR, FeedbackSettings
from feedback.main import create_app
from hotline_shared.clock import ManualClock
from hotline_shared.privacy import contains_personal_data
from hotline_shared.testing import DatabaseFactory
from hotline_shared.testing.apps import running
from hotline_shared.testing.identity import TEST_SECRET

from .factories import ADDRESSES, MONDAY, NAMES, PHONES
from .helpers import Bus

PUBLIC_PREFIXES = ("/api/v1/public", "/board", "/track")

# (test id, path, body) of every public response in this test; checked when the test ends.
PUBLIC_RESPONSES: list[tuple[str, str]] = []


def is_public(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES)


def record_public(path: str, body: str) -> None:
    if is_public(path):
        PUBLIC_RESPONSES.append((path, body))


@pytest.fixture(autouse=True)
def no_personal_data_in_public_responses() -> Iterator[None]:
    """Scans every response under /api/v1/public, /board and /track this test received."""
    PUBLIC_RESPONSES.clear()
    yield
    leaks = []
    for path, body in PUBLIC_RESPONSES:
        if contains_personal_data(body, names=NAMES, phones=PHONES) or any(a in body for a in ADDRESSES):
            leaks.append(path)
    PUBLIC_RESPONSES.clear()
    assert not leaks, f"personal data in public responses: {leaks}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY)


@pytest.fixture
def settings(database_factory: DatabaseFactory, redis_url: str) -> FeedbackSettings:
    return FeedbackSettings(
        env="test",
        database_url=database_factory.new("feedback", MIGRATIONS_DIR),
        redis_url=redis_url,
        identity_secret=TEST_SECRET,
        consumer_min_idle_ms=10,
    )


@pytest.fixture
def app(settings: FeedbackSettings, clock: ManualClock) -> FastAPI:
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async def remember(response: httpx.Response) -> None:
        await response.aread()
        record_public(response.request.url.path, response.text)

    async with running(app) as c:
        c.event_hooks["response"].append(remember)
        yield c


@pytest.fixture
async def bus(app: FastAPI, client: httpx.AsyncClient, clock: ManualClock) -> Bus:
    bus = Bus(app, clock)
    await bus.consumer.ensure_groups()
    return bus


def later(hours: float) -> timedelta:
    return timedelta(hours=hours)
