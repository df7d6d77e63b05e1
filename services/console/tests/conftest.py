"""One real stack for the console's browser tests (their own: they move its clock), and one Chromium."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hotline_stack import Ports, Stack, StackConfig
from hotline_stack.config import SERVICES
from hotline_stack.postgres import database_url, drop_database, ensure_database

POSTGRES_ENV = "HOTLINE_TEST_POSTGRES_URL"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("HOTLINE_TEST_ARTIFACTS") or Path(__file__).resolve().parents[3] / "test-artifacts")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    server = os.environ.get(POSTGRES_ENV) or None
    databases: dict[str, str] = {}
    created: list[str] = []
    if server:
        suffix = uuid.uuid4().hex[:8]
        for svc in SERVICES:
            name = f"console_{svc}_{suffix}"
            ensure_database(server, name)
            created.append(name)
            databases[svc] = database_url(server, name)
    config = StackConfig(
        data_dir=tmp_path_factory.mktemp("console-stack"),
        ports=Ports.free(),
        database_urls=databases,
        env="test",
        # Every page, script and refresh of several people in one test comes from 127.0.0.1.
        extra_env={"GATEWAY_RATE_LIMIT_PUBLIC_PER_MINUTE": "2000", "CONSOLE_BOARD_REFRESH_S": "5"},
    )
    running = Stack(config)
    try:
        running.start(ready_timeout=240)
        yield running
    finally:
        running.stop()
        for name in created:
            drop_database(server or "", name)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(
            "Debian's chromium is not installed: run `apt-get install -y chromium` (the CI script does). "
            "This test needs a real browser and must not be skipped."
        )
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
