"""The lookup-guessing throttle across a Valkey restart and while Valkey is down.

Guessing lookup codes is exactly what the throttle stops, so it fails closed: with Redis
unreachable a lookup is refused with a 503 (try again shortly) rather than let through uncounted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from hotline_shared.testing import ValkeyProcess

from .factories import Story
from .helpers import Bus
from .test_public import from_ip


@pytest.fixture
def own_valkey(tmp_path: Path) -> Iterator[ValkeyProcess]:
    server = ValkeyProcess(tmp_path / "valkey")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(own_valkey: ValkeyProcess) -> str:
    return own_valkey.url


async def test_throttle_holds_across_a_valkey_restart_and_fails_closed_while_it_is_down(
    app: FastAPI, bus: Bus, client: httpx.AsyncClient, own_valkey: ValkeyProcess
) -> None:
    story = Story("20261123-000310")
    await bus.deliver(story.received())
    url = f"/api/v1/public/cases/{story.case_no}"
    guesser = from_ip("10.7.7.7")
    for i in range(app.state.settings.lookup_ip_max_failures):
        await client.get(f"/api/v1/public/cases/20261123-8{i:05d}", params={"code": "AAAAAA"}, headers=guesser)
    assert (await client.get(url, params={"code": story.lookup_code}, headers=guesser)).status_code == 429

    own_valkey.restart(kill=True)  # counters survive in the append-only file; pooled sockets do not

    assert (await client.get(url, params={"code": story.lookup_code}, headers=guesser)).status_code == 429
    citizen = await client.get(url, params={"code": story.lookup_code}, headers=from_ip("10.7.7.8"))
    assert citizen.status_code == 200

    own_valkey.stop(kill=True)

    down = await client.get(url, params={"code": story.lookup_code}, headers=from_ip("10.7.7.9"))
    assert down.status_code == 503
    assert down.headers["content-type"].startswith("application/problem+json")
    assert int(down.headers["Retry-After"]) > 0
    assert "暂时不可用" in down.json()["detail"]
