"""Where the client takes its gateway URL and key from: arguments, then environment, then the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hotline_client import load_settings


def test_arguments_beat_the_environment_which_beats_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "client.toml"
    config.write_text('url = "http://file:1"\napi_key = "hk_from_file"\nretries = 7\n', encoding="utf-8")
    monkeypatch.setenv("HOTLINE_CLIENT_CONFIG", str(config))
    for name in ("HOTLINE_CLIENT_URL", "HOTLINE_CLIENT_API_KEY", "HOTLINE_CLIENT_TOKEN", "HOTLINE_CLIENT_RETRIES"):
        monkeypatch.delenv(name, raising=False)

    from_file = load_settings()
    assert (from_file.url, from_file.bearer(), from_file.retries) == ("http://file:1", "hk_from_file", 7)

    monkeypatch.setenv("HOTLINE_CLIENT_URL", "http://env:2")
    monkeypatch.setenv("HOTLINE_CLIENT_TOKEN", "oidc-token")
    from_env = load_settings()
    assert from_env.url == "http://env:2"
    assert from_env.bearer() == "oidc-token"  # a token wins over a key: it is the person, not the desk

    given = load_settings(url="http://arg:3", api_key=None)
    assert given.url == "http://arg:3"


def test_the_key_never_shows_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_CLIENT_CONFIG", "/nonexistent/client.toml")
    settings = load_settings(api_key="hk_secret_value_123")
    assert "hk_secret_value_123" not in repr(settings)
