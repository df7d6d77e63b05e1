from __future__ import annotations

from pathlib import Path
from typing import Literal

from hotline_shared.settings import ServiceSettings, service_config
from hotline_shared.storage import StorageSettings
from pydantic import Field

PACKAGE_DIR = Path(__file__).resolve().parent
SERVICE_DIR = PACKAGE_DIR.parent
MIGRATIONS_DIR = SERVICE_DIR / "migrations"
DEFAULT_CATALOG_DIR = PACKAGE_DIR / "catalog" / "data"


class IntakeSettings(ServiceSettings):
    model_config = service_config("INTAKE_")

    service_name: str = "intake"
    database_url: str = "sqlite+aiosqlite:///./.data/intake.sqlite3"
    # Where topics.csv and areas.csv live; operators point this at their own edited copy.
    catalog_dir: Path = DEFAULT_CATALOG_DIR
    duplicate_window_days: int = Field(default=30, ge=1, le=365)
    batch_max_items: int = Field(default=500, ge=1, le=5000)
    # Idempotency records older than this are purged by the worker; a client retrying later
    # than that is no longer retrying.
    idempotency_ttl_hours: int = Field(default=72, ge=1)

    # Public channels (外网申请): photos, the phone check by SMS code, anti-abuse limits.
    media: StorageSettings = Field(default_factory=StorageSettings)
    photo_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    photo_max_count: int = Field(default=4, ge=0, le=20)
    sms: Literal["log", "http"] = "log"
    sms_gateway_url: str | None = None
    code_ttl_s: int = Field(default=300, ge=30)
    code_resend_s: int = Field(default=60, ge=1)
    code_per_phone_per_hour: int = Field(default=5, ge=1)
    code_per_ip_per_hour: int = Field(default=20, ge=1)
    code_max_failures: int = Field(default=5, ge=1)
    submit_per_ip_per_hour: int = Field(default=10, ge=1)
    submit_per_phone_per_day: int = Field(default=5, ge=1)

    @property
    def public_body_limit(self) -> int:
        """The largest submission: every photo at full size, base64-encoded (4/3), plus the text."""
        return self.photo_max_count * self.photo_max_bytes * 4 // 3 + 256 * 1024
