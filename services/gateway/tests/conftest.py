from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from console.config import ConsoleSettings
from console.main import create_app as create_console
from fastapi import FastAPI
from gateway.apikeys import service as keys
from gateway.apikeys.schemas import ApiKeyCreate
from gateway.config import MIGRATIONS_DIR, GatewaySettings
from gateway.main import create_app
from gateway.routing.table import SERVICES
from hotline_shared.clock import SHANGHAI, ManualClock
from hotline_shared.testing import DatabaseFactory
from hotline_shared.testing.apps import running
from hotline_shared.testing.identity import TEST_SECRET
from intake.config import MIGRATIONS_DIR as INTAKE_MIGRATIONS
from intake.config import IntakeSettings
from intake.main import create_app as create_intake

# Loopback ports nothing listens on: a service a test does not mount is simply down (fast 503).
SERVICE_URLS = {
    "intake_url": "http://127.0.0.1:1",
    "dispatch_url": "http://127.0.0.1:2",
    "feedback_url": "http://127.0.0.1:3",
    "console_url": "http://127.0.0.1:4",
}


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes requests to a real in-process service and remembers what the service was sent."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []
        self.bodies: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        self.requests.append(request)
        self.bodies.append(body)
        replay = httpx.Request(request.method, request.url, headers=request.headers, content=body)
        return await self.inner.handle_async_request(replay)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI))


@pytest.fixture
def make_settings(database_factory: DatabaseFactory, redis_url: str) -> Callable[..., GatewaySettings]:
    database_url = database_factory.new("gateway", MIGRATIONS_DIR)

    def build(**overrides: Any) -> GatewaySettings:
        values: dict[str, Any] = {
            "env": "test",
            "database_url": database_url,
            "redis_url": redis_url,
            "identity_secret": TEST_SECRET,
            **SERVICE_URLS,
            **overrides,
        }
        return GatewaySettings(**values)

    return build


@pytest.fixture
def settings(make_settings: Callable[..., GatewaySettings]) -> GatewaySettings:
    return make_settings()


@pytest.fixture
async def intake_app(database_factory: DatabaseFactory, redis_url: str, clock: ManualClock) -> AsyncIterator[FastAPI]:
    app = create_intake(
        IntakeSettings(
            env="test",
            database_url=database_factory.new("intake", INTAKE_MIGRATIONS),
            redis_url=redis_url,
            identity_secret=TEST_SECRET,
        ),
        clock=clock,
    )
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def intake_transport(intake_app: FastAPI) -> RecordingTransport:
    return RecordingTransport(httpx.ASGITransport(app=intake_app))


@pytest.fixture
def app(settings: GatewaySettings, clock: ManualClock, intake_transport: RecordingTransport) -> FastAPI:
    return create_app(settings, clock=clock, transports={"intake": intake_transport})


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as c:
        yield c


KeyMaker = Callable[..., Any]


@pytest.fixture
def make_key(app: FastAPI, clock: ManualClock) -> KeyMaker:
    """Create a key straight in the gateway's database; returns the Authorization header."""
    counter = {"n": 0}

    async def make(role: str, **fields: Any) -> dict[str, str]:
        counter["n"] += 1
        data = ApiKeyCreate(name=fields.pop("name", f"{role}-{counter['n']}"), role=role, **fields)
        async with app.state.db.transaction() as session:
            issued = await keys.create_key(session, data=data, actor="test", clock=clock)
        return {"Authorization": f"Bearer {issued.key}"}

    return make


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


UNIT_ID = "U-CG-001"
STATION_ID = "S-JD-01"
SCOPES: dict[str, dict[str, str]] = {"unit": {"unit_id": UNIT_ID}, "station": {"station_id": STATION_ID}}


@dataclass
class Stack:
    gateway: FastAPI
    services: dict[str, FastAPI]
    recorders: dict[str, RecordingTransport]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


def _service_app(service: str, database_factory: DatabaseFactory, redis_url: str, clock: ManualClock) -> FastAPI:
    main = importlib.import_module(f"{service}.main")
    config = importlib.import_module(f"{service}.config")
    settings_cls = getattr(config, f"{service.capitalize()}Settings")
    settings = settings_cls(
        env="test",
        database_url=database_factory.new(service, config.MIGRATIONS_DIR),
        redis_url=redis_url,
        identity_secret=TEST_SECRET,
    )
    app: FastAPI = main.create_app(settings, clock=clock)
    return app


@pytest.fixture
async def stack(database_factory: DatabaseFactory, redis_url: str, clock: ManualClock) -> AsyncIterator[Stack]:
    services = {s: _service_app(s, database_factory, redis_url, clock) for s in SERVICES}
    # The staff console sits behind the gateway too (public pages to it; it signs its own people in).
    services["console"] = create_console(
        ConsoleSettings(env="test", redis_url=redis_url, identity_secret=TEST_SECRET, gateway_url="http://gateway")
    )
    recorders = {s: RecordingTransport(httpx.ASGITransport(app=a)) for s, a in services.items()}
    settings = GatewaySettings(
        env="test",
        database_url=database_factory.new("gateway", MIGRATIONS_DIR),
        redis_url=redis_url,
        identity_secret=TEST_SECRET,
        rate_limit_enabled=False,  # thousands of calls in a second; limits have their own tests
        **SERVICE_URLS,
    )
    gateway = create_app(settings, clock=clock, transports=recorders)
    async with AsyncExitStack() as exits:
        for app in (*services.values(), gateway):
            await exits.enter_async_context(app.router.lifespan_context(app))
        result = Stack(gateway=gateway, services=services, recorders=recorders)
        async with gateway.state.db.transaction() as session:
            for role in ("operator", "station", "unit", "supervisor", "admin"):
                data = ApiKeyCreate(name=f"matrix-{role}", role=role, **SCOPES.get(role, {}))
                issued = await keys.create_key(session, data=data, actor="matrix", clock=clock)
                result.headers[role] = {"Authorization": f"Bearer {issued.key}"}
            expiring = ApiKeyCreate(name="matrix-expired", role="operator", expires_at=clock.now() + timedelta(hours=1))
            issued = await keys.create_key(session, data=expiring, actor="matrix", clock=clock)
            result.headers["expired"] = {"Authorization": f"Bearer {issued.key}"}
            revoked = await keys.create_key(
                session, data=ApiKeyCreate(name="matrix-revoked", role="operator"), actor="matrix", clock=clock
            )
            await keys.revoke_key(session, key_id=revoked.id, actor="matrix", clock=clock)
            result.headers["revoked"] = {"Authorization": f"Bearer {revoked.key}"}
        result.headers["anonymous"] = {}
        clock.advance(timedelta(hours=2))  # the expiring key is now expired
        yield result
