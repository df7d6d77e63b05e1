"""Rate limits live in Redis, so two gateway replicas enforce one budget together."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from gateway.apikeys import service as keys
from gateway.apikeys.schemas import ApiKeyCreate
from gateway.config import GatewaySettings
from gateway.main import create_app
from hotline_shared.clock import ManualClock

from .conftest import RecordingTransport, bearer


@pytest.fixture
async def two_gateways(
    make_settings: Callable[..., GatewaySettings], clock: ManualClock, intake_transport: RecordingTransport
) -> AsyncIterator[list[FastAPI]]:
    settings = make_settings(rate_limit_public_per_minute=5, rate_limit_staff_per_minute=3)
    apps = [create_app(settings, clock=clock, transports={"intake": intake_transport}) for _ in range(2)]
    async with AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
        yield apps


def client_for(app: FastAPI, ip: str = "198.51.100.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 40000)), base_url="http://gw")


async def _new_key(app: FastAPI, clock: ManualClock, name: str) -> str:
    async with app.state.db.transaction() as session:
        issued = await keys.create_key(session, data=ApiKeyCreate(name=name, role="operator"), actor="t", clock=clock)
    return issued.key


async def test_public_limit_per_ip_holds_across_two_replicas(two_gateways: list[FastAPI]) -> None:
    statuses: list[int] = []
    answers: list[Any] = []
    for i in range(8):
        async with client_for(two_gateways[i % 2]) as c:
            r = await c.get("/api/v1/catalog/topics")
        statuses.append(r.status_code)
        answers.append(r)
    assert [s == 429 for s in statuses] == [False] * 5 + [True] * 3
    limited = answers[5]
    assert limited.headers["content-type"].startswith("application/problem+json")
    # 5 a minute: the next one is allowed 12 s after the burst began.
    assert 10 <= int(limited.headers["retry-after"]) <= 12
    assert limited.json()["status"] == 429

    async with client_for(two_gateways[1], ip="198.51.100.2") as other:
        assert (await other.get("/api/v1/catalog/topics")).status_code != 429


async def test_staff_limit_is_per_key_across_replicas(two_gateways: list[FastAPI], clock: ManualClock) -> None:
    key_a = await _new_key(two_gateways[0], clock, "op-a")
    key_b = await _new_key(two_gateways[0], clock, "op-b")
    statuses = []
    for i in range(4):
        async with client_for(two_gateways[i % 2]) as c:
            statuses.append((await c.get("/api/v1/cases", headers=bearer(key_a))).status_code)
    assert statuses == [200, 200, 200, 429]
    async with client_for(two_gateways[1]) as c:
        assert (await c.get("/api/v1/cases", headers=bearer(key_b))).status_code == 200


async def test_repeated_bad_keys_from_one_address_are_throttled(
    make_settings: Callable[..., GatewaySettings], clock: ManualClock
) -> None:
    app = create_app(make_settings(rate_limit_auth_failures_per_minute=3), clock=clock)
    async with app.router.lifespan_context(app), client_for(app) as c:
        statuses = [(await c.get("/api/v1/cases", headers=bearer(f"hk_guess_{i:020d}"))).status_code for i in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
