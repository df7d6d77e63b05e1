"""After Valkey restarts, the gateway is ready again at once and its limits hold at once.

A pooled connection to the old server is dead; the first command on it must be retried on a
fresh connection, not answered with a 503 (readiness) or let through unlimited (rate limits).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
from gateway.config import GatewaySettings
from gateway.main import create_app
from hotline_shared.clock import ManualClock
from hotline_shared.testing import ValkeyProcess

LIMIT = 3


def _client(app: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://gw")


async def test_after_a_valkey_restart_readiness_and_limits_hold_at_once(
    make_settings: Callable[..., GatewaySettings], clock: ManualClock, tmp_path: Path
) -> None:
    server = ValkeyProcess(tmp_path / "valkey")
    server.start()
    try:
        settings = make_settings(redis_url=server.url, rate_limit_public_per_minute=LIMIT)
        app = create_app(settings, clock=clock)
        async with app.router.lifespan_context(app), _client(app) as c:
            assert (await c.get("/readyz")).status_code == 200
            used = [(await c.get("/api/v1/catalog/topics")).status_code for _ in range(LIMIT)]
            assert 429 not in used

            server.restart(kill=True)  # the budget survives in the append-only file; the sockets do not

            started = time.monotonic()
            ready = await c.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert time.monotonic() - started < 2.0
            # The caller already used this minute's budget: the very first call after the restart is refused.
            assert (await c.get("/api/v1/catalog/topics")).status_code == 429
    finally:
        server.stop()
