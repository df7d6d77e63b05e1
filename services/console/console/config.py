from __future__ import annotations

from pathlib import Path

from hotline_shared.settings import ServiceSettings, service_config
from pydantic import Field, model_validator

PACKAGE_DIR = Path(__file__).resolve().parent


class ConsoleSettings(ServiceSettings):
    model_config = service_config("CONSOLE_")

    service_name: str = "console"
    # The console keeps no database; the base class's URL is never opened.
    database_url: str = "sqlite+aiosqlite:///:memory:"
    # The console is a client of the gateway's public API, like the SDK: nothing else is reachable.
    gateway_url: str = "http://127.0.0.1:8000"
    # Where the gateway mounts the console; links and the cookie path are under it.
    base_path: str = "/console"

    # Signs session cookies and sign-in form tokens; defaults to the identity secret (see below).
    session_secret: str = ""
    session_ttl_s: int = Field(default=8 * 3600, ge=60, le=7 * 24 * 3600)
    # Secure cookies need HTTPS; off only for the embedded stack on plain http://127.0.0.1.
    cookie_secure: bool = True
    board_refresh_s: int = Field(default=20, ge=5, le=600)
    read_timeout_s: float = Field(default=20.0, gt=0)

    @model_validator(mode="after")
    def _session_secret(self) -> ConsoleSettings:
        if not self.session_secret:
            self.session_secret = self.identity_secret
        if self.env == "prod" and len(self.session_secret) < 32:
            raise ValueError("session_secret must be at least 32 characters outside dev")
        return self
