"""What a stack is made of: services, ports, data folder layout, and the env vars each child gets."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from hotline_shared.ports import free_ports

from .keys import default_keys_file

SERVICES = ("intake", "dispatch", "feedback", "gateway")
WORKER_SERVICES = ("intake", "dispatch", "feedback")
ENV_PREFIX = {svc: f"{svc.upper()}_" for svc in SERVICES}
DEFAULT_PORT_BASE = 8000
# Valkey sits just above the service ports so `--port-base` moves the whole stack at once.
REDIS_PORT_OFFSET = 9
# More copies than this only measure the laptop's scheduler, not the design.
MAX_REPLICAS = 8
CONSOLE_PORT_OFFSET = 4


@dataclass(frozen=True)
class Ports:
    gateway: int
    intake: int
    dispatch: int
    feedback: int
    redis: int
    # The staff web console, reached through the gateway at /console/ (its own port only for the gateway).
    console: int = 0

    @classmethod
    def from_base(cls, base: int = DEFAULT_PORT_BASE, *, redis: int | None = None) -> Ports:
        return cls(
            gateway=base,
            intake=base + 1,
            dispatch=base + 2,
            feedback=base + 3,
            redis=redis if redis is not None else base + REDIS_PORT_OFFSET,
            console=base + CONSOLE_PORT_OFFSET,
        )

    @classmethod
    def free(cls) -> Ports:
        """Six ports nothing listens on right now (tests)."""
        return cls(*free_ports(6))

    def of(self, service: str) -> int:
        port: int = getattr(self, service)
        return port


@dataclass(frozen=True)
class StackConfig:
    data_dir: Path
    ports: Ports = field(default_factory=Ports.from_base)
    host: str = "127.0.0.1"
    # An external Redis; None starts the embedded Valkey.
    redis_url: str | None = None
    # Per-service database URL; a service not listed gets a SQLite file in the data folder.
    database_urls: dict[str, str] = field(default_factory=dict)
    api_keys_file: Path = field(default_factory=default_keys_file)
    env: str = "dev"
    log_json: bool = False
    clock_offset_seconds: float = 0.0
    # Extra env vars for every child (e.g. faster consumer reclaim in tests).
    extra_env: dict[str, str] = field(default_factory=dict)
    python: str = ""
    # Copies of every API (behind the local balancer on the service's port) and of every worker.
    api_replicas: int = 1
    worker_replicas: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir).resolve())
        unknown = set(self.database_urls) - set(SERVICES)
        if unknown:
            raise ValueError(f"database_urls for unknown service(s): {', '.join(sorted(unknown))}")
        for what in ("api_replicas", "worker_replicas"):
            count = getattr(self, what)
            if not 1 <= count <= MAX_REPLICAS:
                raise ValueError(f"{what} must be between 1 and {MAX_REPLICAS}, not {count}")

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def redis_dir(self) -> Path:
        return self.data_dir / "redis"

    @property
    def secret_file(self) -> Path:
        return self.data_dir / "identity_secret"

    @property
    def state_file(self) -> Path:
        return self.data_dir / "stack.json"

    @property
    def lock_file(self) -> Path:
        return self.data_dir / "stack.lock"

    def effective_redis_url(self) -> str:
        return self.redis_url or f"redis://127.0.0.1:{self.ports.redis}/0"

    def database_url(self, service: str) -> str:
        if service in self.database_urls:
            return self.database_urls[service]
        return f"sqlite+aiosqlite:///{self.data_dir / f'{service}.sqlite3'}"

    def url(self, service: str) -> str:
        return f"http://{self.host}:{self.ports.of(service)}"

    def identity_secret(self) -> str:
        """The shared HMAC secret, generated once per data folder and kept across restarts."""
        path = self.secret_file
        if path.exists():
            value = path.read_text(encoding="utf-8").strip()
            if len(value) >= 32:
                return value
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(value + "\n")
        return value

    def child_env(self, *, base: dict[str, str] | None = None, clock_offset: float | None = None) -> dict[str, str]:
        """The environment of every child: the caller's, plus each service's settings."""
        env = dict(os.environ if base is None else base)
        secret = self.identity_secret()
        offset = self.clock_offset_seconds if clock_offset is None else clock_offset
        for svc, prefix in ENV_PREFIX.items():
            env[f"{prefix}ENV"] = self.env
            env[f"{prefix}DATABASE_URL"] = self.database_url(svc)
            env[f"{prefix}REDIS_URL"] = self.effective_redis_url()
            env[f"{prefix}IDENTITY_SECRET"] = secret
            env[f"{prefix}LOG_JSON"] = "true" if self.log_json else "false"
            env[f"{prefix}CLOCK_OFFSET_SECONDS"] = repr(float(offset))
            # One photo folder for the whole stack: intake and dispatch write, feedback shows.
            env[f"{prefix}MEDIA__LOCAL_DIR"] = str(self.data_dir / "media")
        env["GATEWAY_INTAKE_URL"] = self.url("intake")
        env["GATEWAY_DISPATCH_URL"] = self.url("dispatch")
        env["GATEWAY_FEEDBACK_URL"] = self.url("feedback")
        env["GATEWAY_API_KEYS_FILE"] = str(self.api_keys_file)
        env["GATEWAY_CONSOLE_URL"] = self.url("console")
        # The console: a client of the gateway, sessions in the same Redis, signed with the stack's secret.
        env["CONSOLE_ENV"] = self.env
        env["CONSOLE_GATEWAY_URL"] = self.url("gateway")
        env["CONSOLE_REDIS_URL"] = self.effective_redis_url()
        env["CONSOLE_IDENTITY_SECRET"] = secret
        env["CONSOLE_LOG_JSON"] = "true" if self.log_json else "false"
        env["CONSOLE_CLOCK_OFFSET_SECONDS"] = repr(float(offset))
        # The embedded stack serves plain http on 127.0.0.1, where a Secure cookie would never be sent back.
        env["CONSOLE_COOKIE_SECURE"] = "false"
        # Logs land in files; without this Python would hold them in a buffer until exit.
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.extra_env)
        return env
