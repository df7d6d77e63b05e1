"""Where the client finds the gateway and its credential: arguments, then environment, then a file.

Environment variables carry the `HOTLINE_CLIENT_` prefix (`HOTLINE_CLIENT_URL`,
`HOTLINE_CLIENT_API_KEY`, `HOTLINE_CLIENT_TOKEN`, ...). The file is TOML, by default
`~/.config/hotline/client.toml` (or the path in `HOTLINE_CLIENT_CONFIG`), with the same names
in lower case:

    url = "http://127.0.0.1:8000"
    api_key = "hk_..."
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

CONFIG_ENV = "HOTLINE_CLIENT_CONFIG"
DEFAULT_URL = "http://127.0.0.1:8000"


def default_config_file() -> Path:
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "hotline" / "client.toml"


class ClientSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_CLIENT_", extra="ignore")

    url: str = Field(default=DEFAULT_URL, description="the gateway's base URL")
    api_key: SecretStr | None = Field(default=None, description="an API key (hk_...) from the hotline centre")
    token: SecretStr | None = Field(default=None, description="an OIDC access token, instead of an API key")
    timeout: float = Field(default=30.0, gt=0, description="seconds per request")
    retries: int = Field(default=5, ge=0, le=20, description="retries of a request on timeouts, 429 and 503")
    backoff_max: float = Field(default=30.0, gt=0, description="the longest wait between two retries, seconds")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Arguments beat the environment, which beats the file: a one-off flag must win over a profile.
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=default_config_file())

    def bearer(self) -> str | None:
        secret = self.token or self.api_key
        return secret.get_secret_value() if secret else None


def load_settings(**given: Any) -> ClientSettings:
    """Settings with the given (non-None) values on top of the environment and the config file."""
    return ClientSettings(**{k: v for k, v in given.items() if v is not None})
