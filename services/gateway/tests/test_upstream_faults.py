"""A dead or hung service gives a quick 503/504 problem, and the gateway recovers by itself."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
import uvicorn
from gateway.config import GatewaySettings
from gateway.main import create_app
from hotline_shared.clock import ManualClock
from hotline_shared.ports import free_port
from hotline_shared.testing import DatabaseFactory
from hotline_shared.testing.apps import running
from hotline_shared.testing.identity import TEST_SECRET
from intake.config import MIGRATIONS_DIR as INTAKE_MIGRATIONS
from intake.config import IntakeSettings
from intake.main import create_app as create_intake


class IntakeServer:
    """The real intake app under uvicorn on a fixed port, so it can be killed and started again."""

    def __init__(self, settings: IntakeSettings, port: int) -> None:
        self.settings = settings
        self.port = port
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(create_intake(self.settings), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            assert time.monotonic() < deadline, "intake did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        assert self.server is not None
        assert self.thread is not None
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def intake_server(database_factory: DatabaseFactory, redis_url: str) -> Iterator[IntakeServer]:
    settings = IntakeSettings(
        env="test",
        database_url=database_factory.new("intake", INTAKE_MIGRATIONS),
        redis_url=redis_url,
        identity_secret=TEST_SECRET,
    )
    server = IntakeServer(settings, free_port())
    server.start()
    yield server
    if server.server is not None and not server.server.should_exit:
        server.stop()


@pytest.fixture
async def gateway_to_server(
    make_settings: Callable[..., GatewaySettings], clock: ManualClock, intake_server: IntakeServer
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(intake_url=f"http://127.0.0.1:{intake_server.port}", connect_timeout_s=1.0)
    app = create_app(settings, clock=clock)
    async with running(app) as client:
        client.app = app  # type: ignore[attr-defined]
        yield client


async def test_killed_service_gives_503_quickly_and_recovers_without_restarting_the_gateway(
    gateway_to_server: httpx.AsyncClient, intake_server: IntakeServer, clock: ManualClock
) -> None:
    client = gateway_to_server
    from gateway.apikeys import service as keys
    from gateway.apikeys.schemas import ApiKeyCreate

    async with client.app.state.db.transaction() as session:  # type: ignore[attr-defined]
        issued = await keys.create_key(session, data=ApiKeyCreate(name="op", role="operator"), actor="t", clock=clock)
    headers = {"Authorization": f"Bearer {issued.key}"}

    assert (await client.get("/api/v1/cases", headers=headers)).status_code == 200

    await asyncio.to_thread(intake_server.stop)
    started = time.monotonic()
    down = await client.get("/api/v1/cases", headers=headers)
    elapsed = time.monotonic() - started
    assert down.status_code == 503
    assert down.headers["content-type"].startswith("application/problem+json")
    assert down.json()["detail"] == "intake is unavailable, try again shortly."
    assert down.headers["retry-after"]
    assert elapsed < 3.0  # within the connect timeout, never a hang

    await asyncio.to_thread(intake_server.start)
    assert (await client.get("/api/v1/cases", headers=headers)).status_code == 200


async def test_hung_service_gives_504_within_the_read_timeout(
    make_settings: Callable[..., GatewaySettings], clock: ManualClock
) -> None:
    release = asyncio.Event()

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await release.wait()  # accepts the request, never answers
        writer.close()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    app = create_app(make_settings(intake_url=f"http://127.0.0.1:{port}", read_timeout_s=0.5), clock=clock)
    try:
        async with running(app) as client:
            from gateway.apikeys import service as keys
            from gateway.apikeys.schemas import ApiKeyCreate

            async with app.state.db.transaction() as session:
                issued = await keys.create_key(
                    session, data=ApiKeyCreate(name="op", role="operator"), actor="t", clock=clock
                )
            started = time.monotonic()
            r = await client.get("/api/v1/cases", headers={"Authorization": f"Bearer {issued.key}"})
            assert r.status_code == 504
            assert r.headers["content-type"].startswith("application/problem+json")
            assert time.monotonic() - started < 3.0
    finally:
        release.set()
        server.close()
