"""One real stack for the console's browser tests (their own: they move its clock), and one Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hotline_shared.testing.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_chromium
from hotline_stack import Stack
from hotline_stack.testing import running_stack


@pytest.fixture(scope="module")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # Every page, script and refresh of several people in one test comes from 127.0.0.1.
    settings = {"GATEWAY_RATE_LIMIT_PUBLIC_PER_MINUTE": "2000", "CONSOLE_BOARD_REFRESH_S": "5"}
    with running_stack(tmp_path_factory.mktemp("console-stack"), db_prefix="console", extra_env=settings) as stack:
        yield stack


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
