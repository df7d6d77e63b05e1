"""Issue 19: loggers that print request URLs (lookup codes, searches by phone) stay quiet at INFO."""

from __future__ import annotations

import logging

import httpx
import pytest
from hotline_shared.logging import configure_logging


def test_regression_httpx_does_not_log_the_urls_it_calls(caplog: pytest.LogCaptureFixture) -> None:
    configure_logging(service="test", json=True, level="INFO")
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    with caplog.at_level(logging.INFO), httpx.Client(transport=transport) as client:
        client.get("http://feedback/api/v1/public/cases/20261123-000001", params={"code": "K7M2QX"})
        client.get("http://intake/api/v1/cases", params={"q": "13812345678"})
    assert "K7M2QX" not in caplog.text
    assert "13812345678" not in caplog.text
    for name in ("httpx", "httpcore", "uvicorn.access"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
