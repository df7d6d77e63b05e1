"""Debian's Chromium for the browser tests: where it is, how it is started, and a clear failure if absent."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Screenshots every browser test keeps (CI keeps the folder as the run's artifacts).
ARTIFACTS = Path(os.environ.get("HOTLINE_TEST_ARTIFACTS") or Path(__file__).resolve().parents[3] / "test-artifacts")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(
            "Debian's chromium is not installed: run `apt-get install -y chromium` (`./dev test` does, as root). "
            "This test needs a real browser and must not be skipped."
        )
