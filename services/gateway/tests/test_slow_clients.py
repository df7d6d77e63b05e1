"""Issue 19: through the real gateway in front of the real intake (both under uvicorn, raw sockets),
a body that never arrives is a 408 within the read timeout, and a client that hangs up mid-body is
a quiet info line, not an `unhandled_error` traceback."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest
from gateway.apikeys import service as keys
from gateway.apikeys.schemas import ApiKeyCreate
from gateway.config import MIGRATIONS_DIR, GatewaySettings
from gateway.main import create_app
from hotline_shared.app import make_clock
from hotline_shared.db import Database
from hotline_shared.testing import DatabaseFactory
from hotline_shared.testing.apps import served
from hotline_shared.testing.identity import TEST_SECRET
from intake.config import MIGRATIONS_DIR as INTAKE_MIGRATIONS
from intake.config import IntakeSettings
from intake.main import create_app as create_intake
from structlog.testing import capture_logs

from .conftest import SERVICE_URLS


@pytest.fixture
def live(database_factory: DatabaseFactory, redis_url: str) -> Iterator[tuple[str, str]]:
    """(gateway URL, operator key) with intake behind it; body reads time out after one second."""
    intake = IntakeSettings(
        env="test",
        database_url=database_factory.new("intake", INTAKE_MIGRATIONS),
        redis_url=redis_url,
        identity_secret=TEST_SECRET,
    )
    with served(create_intake(intake), name="intake") as intake_url:
        config = GatewaySettings(
            env="test",
            database_url=database_factory.new("gateway", MIGRATIONS_DIR),
            redis_url=redis_url,
            identity_secret=TEST_SECRET,
            body_read_timeout_s=1.0,
            **(SERVICE_URLS | {"intake_url": intake_url}),
        )

        async def operator_key() -> str:
            db = Database(config.database_url)
            try:
                async with db.transaction() as session:
                    data = ApiKeyCreate(name="slow-operator", role="operator")
                    return (await keys.create_key(session, data=data, actor="test", clock=make_clock(config))).key
            finally:
                await db.dispose()

        key = asyncio.run(operator_key())
        with served(create_app(config), name="gateway") as url:
            yield url, key


def _partial_post(url: str, key: str, *, declared: int, sent: bytes) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=15)
    sock.sendall(
        (f"POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         f"Authorization: Bearer {key}\r\nContent-Length: {declared}\r\n\r\n").encode() + sent
    )  # fmt: skip
    return sock


def test_regression_a_body_that_never_arrives_is_a_408_not_a_held_connection(live: tuple[str, str]) -> None:
    url, key = live
    sock = _partial_post(url, key, declared=1000, sent=b'{"channel": ')
    started = time.monotonic()
    answer = sock.recv(65536).decode("latin-1")
    waited = time.monotonic() - started
    sock.close()
    assert answer.startswith("HTTP/1.1 408"), answer[:300]
    assert "application/problem+json" in answer
    assert waited < 10, waited


def test_regression_a_client_that_hangs_up_mid_body_is_an_info_line(live: tuple[str, str]) -> None:
    url, key = live
    with capture_logs() as logs:
        sock = _partial_post(url, key, declared=1000, sent=b'{"channel": ')
        time.sleep(0.3)
        sock.close()
        deadline = time.monotonic() + 10
        while not any(e["event"] == "client_disconnected" for e in logs) and time.monotonic() < deadline:
            time.sleep(0.05)
    events = [(e["event"], e["log_level"]) for e in logs]
    assert ("client_disconnected", "info") in events, events
    assert not [e for e in logs if e["log_level"] in ("error", "exception", "critical")], events
