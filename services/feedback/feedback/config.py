from __future__ import annotations

from pathlib import Path

from hotline_shared.settings import ServiceSettings, service_config
from hotline_shared.storage import StorageSettings
from pydantic import Field

SERVICE_DIR = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = SERVICE_DIR / "migrations"


class FeedbackSettings(ServiceSettings):
    model_config = service_config("FEEDBACK_")

    service_name: str = "feedback"
    database_url: str = "sqlite+aiosqlite:///./.data/feedback.sqlite3"

    # Callback (回访) policy: due N working days after the unit's reply; per-category overrides.
    callback_due_working_days: int = Field(default=2, ge=0, le=30)
    callback_due_by_category: dict[str, int] = Field(default_factory=dict)
    callback_max_attempts: int = Field(default=3, ge=1, le=10)

    # Lookup-code guessing: failed lookups counted per client IP and per case number.
    lookup_ip_max_failures: int = Field(default=20, ge=1)
    lookup_ip_window_s: int = Field(default=600, ge=1)
    lookup_case_max_failures: int = Field(default=10, ge=1)
    lookup_case_window_s: int = Field(default=3600, ge=1)

    board_page_size: int = Field(default=20, ge=1, le=200)

    # Notifications: "log" keeps them in the notifications table only (development and tests);
    # "http" posts SMS to the gateway and unit notices to their webhooks.
    notifier: str = Field(default="log", pattern="^(log|http)$")
    sms_gateway_url: str | None = None
    unit_webhook_url: str | None = None
    unit_webhooks: dict[str, str] = Field(default_factory=dict)
    notification_max_attempts: int = Field(default=8, ge=1)
    notification_batch: int = Field(default=50, ge=1, le=1000)
    notification_interval_s: float = Field(default=2.0, gt=0)
    public_site_url: str = "http://127.0.0.1:8000"
    # Where intake and dispatch store photos (the same bucket or folder); read-only here.
    media: StorageSettings = Field(default_factory=StorageSettings)

    def callback_due_days(self, category: str | None) -> int:
        if category and category in self.callback_due_by_category:
            return self.callback_due_by_category[category]
        return self.callback_due_working_days
