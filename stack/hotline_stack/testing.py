"""A whole stack for a test suite: free ports, a temporary folder, and PostgreSQL when asked.

Used by the cross-service tests (one stack per session) and by suites that need a stack of their
own, e.g. because they move its clock.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .config import SERVICES, Ports, StackConfig
from .postgres import database_url, drop_database, ensure_database
from .stack import Stack

POSTGRES_ENV = "HOTLINE_TEST_POSTGRES_URL"


@contextmanager
def running_stack(
    data_dir: Path, *, db_prefix: str, extra_env: dict[str, str] | None = None, ready_timeout: float = 240
) -> Iterator[Stack]:
    """SQLite by default; with HOTLINE_TEST_POSTGRES_URL set, a fresh `<db_prefix>_<service>_<random>`
    database per service on that server, dropped afterwards."""
    server = os.environ.get(POSTGRES_ENV) or None
    databases: dict[str, str] = {}
    created: list[str] = []
    if server:
        suffix = uuid.uuid4().hex[:8]
        for svc in SERVICES:
            name = f"{db_prefix}_{svc}_{suffix}"
            ensure_database(server, name)
            created.append(name)
            databases[svc] = database_url(server, name)
    config = StackConfig(
        data_dir=data_dir, ports=Ports.free(), database_urls=databases, env="test", extra_env=extra_env or {}
    )
    running = Stack(config)
    try:
        running.start(ready_timeout=ready_timeout)
        yield running
    finally:
        running.stop()
        for name in created:
            drop_database(server or "", name)
