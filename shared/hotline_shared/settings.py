"""Settings base: pydantic-settings, one env prefix per service, `.env` support.

Each service subclasses `ServiceSettings` and sets `model_config = service_config("INTAKE_")`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "dev-secret", "secret", "placeholder"})
DEV_IDENTITY_SECRET = "dev-secret"  # noqa: S105 - the dev default, refused in prod


def service_config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, env_file=".env", extra="ignore", env_nested_delimiter="__")


class ServiceSettings(BaseSettings):
    model_config = service_config("HOTLINE_")

    service_name: str = "hotline"
    env: Literal["dev", "test", "prod"] = "dev"
    database_url: str = "sqlite+aiosqlite:///./.data/hotline.sqlite3"
    # Connections per process (PostgreSQL): pool + overflow. Every replica has its own pool, so the
    # server needs (API replicas + worker replicas) x (pool + overflow) per service; docs/capacity.md.
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_max_overflow: int = Field(default=10, ge=0, le=200)
    # A read-only replica (PostgreSQL streaming replica) for the heavy supervision and board queries;
    # empty: they read the primary. Its lag shows as slightly older lists, never as lost writes.
    database_read_url: str | None = None
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Redis Sentinel (high availability): when sentinels are given, the master is found through them
    # by name and followed across failovers; redis_url then only supplies db number and password.
    redis_sentinels: Annotated[list[str], NoDecode] = Field(default_factory=list)
    redis_sentinel_master: str = "hotline"
    redis_sentinel_password: str | None = None
    identity_secret: str = DEV_IDENTITY_SECRET
    log_json: bool = False
    log_level: str = "INFO"
    clock_offset_seconds: float = 0.0
    # Longest wait for the next piece of a request body: a client that declares a length and never
    # sends it gets a 408 instead of holding a connection (and a worker's attention) indefinitely.
    body_read_timeout_s: float = Field(default=10.0, gt=0)
    # Streams are capped so Redis memory stays bounded; consumers keep their own inbox for dedup.
    stream_maxlen: int = Field(default=100_000, ge=100)
    consumer_block_ms: int = Field(default=500, ge=1)
    consumer_batch: int = Field(default=50, ge=1, le=1000)
    consumer_min_idle_ms: int = Field(default=30_000, ge=10)
    consumer_max_deliveries: int = Field(default=5, ge=1)
    # How soon a killed consumer's unacknowledged messages are taken over by a live one.
    consumer_heartbeat_ttl_ms: int = Field(default=5_000, ge=300)
    relay_batch: int = Field(default=100, ge=1, le=1000)
    relay_poll_interval_s: float = Field(default=0.1, gt=0)
    relay_lock_ttl_ms: int = Field(default=5_000, ge=100)
    # When Redis is found to have lost stream data with no trace of what it held, rows published
    # this long ago or less go out again (consumers deduplicate, so wide is safe).
    relay_replay_window_s: float = Field(default=3_600.0, gt=0)
    # With Redis replicas (Sentinel): events count as published only once this many replicas
    # have them (WAIT), so a failover cannot drop them. 0 on a single Redis.
    relay_min_replicas: int = Field(default=0, ge=0, le=10)

    @field_validator("redis_sentinels", mode="before")
    @classmethod
    def _sentinel_list(cls, value: object) -> object:
        """`host1:26379,host2:26379` in an env var; each entry must be host:port."""
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for entry in value:
                host, _, port = str(entry).rpartition(":")
                if not host or not port.isdigit():
                    raise ValueError(f"redis_sentinels: {entry!r} is not host:port")
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> ServiceSettings:
        if self.env == "prod" and self.identity_secret.strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError("identity_secret is a placeholder; set a real secret (32+ random bytes) outside dev")
        if self.env == "prod" and len(self.identity_secret) < 32:
            raise ValueError("identity_secret must be at least 32 characters outside dev")
        return self
