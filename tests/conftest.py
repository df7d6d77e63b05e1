"""Cross-service test harness: the whole stack, started once per session, exactly as `hotline up` does.

Fixtures:
- `stack` (session): a running `hotline_stack.Stack` — 4 APIs, 3 workers, a real Valkey — in a
  temporary folder on free ports. SQLite by default; when HOTLINE_TEST_POSTGRES_URL is set, every
  service gets a fresh database `e2e_<service>_<random>` on that server (dropped afterwards).
  Offers `gateway_url`, `urls`, `api_keys`, `api_key(role)`, `auth(role)` (headers),
  `identity_secret`, `redis_url`, and fault helpers: `kill(name)`, `restart(name)`,
  `redis_restart()`, `ensure_running()`, `set_clock_offset(seconds)`.
  Names: `intake-api`, `intake-worker`, `intake` (both), ..., `gateway-api`, `redis`.
- `live_stack` (function): the same stack, revived first if an earlier test left part of it down.
  Use it in tests that kill or restart things.
- `gateway` (function): an `httpx.Client` on the gateway.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hotline_stack import Stack
from hotline_stack.config import WORKER_SERVICES
from hotline_stack.testing import running_stack

# Faster recovery than production defaults, so fault tests see reclaim within seconds.
E2E_SETTINGS = {f"{svc.upper()}_CONSUMER_MIN_IDLE_MS": "3000" for svc in WORKER_SERVICES}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("stack"), db_prefix="e2e", extra_env=E2E_SETTINGS) as running:
        yield running


@pytest.fixture
def live_stack(stack: Stack) -> Stack:
    stack.ensure_running(timeout=120)
    return stack


@pytest.fixture
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
        yield client
