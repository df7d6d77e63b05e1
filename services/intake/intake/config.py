from __future__ import annotations

from pathlib import Path

from hotline_shared.settings import ServiceSettings, service_config
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
