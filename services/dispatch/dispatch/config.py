from __future__ import annotations

from pathlib import Path

from hotline_shared.calendar import OfficeHours
from hotline_shared.settings import ServiceSettings, service_config
from hotline_shared.storage import StorageSettings
from pydantic import Field, field_validator

from .evaluation.config import EvaluationSettings
from .supervision.config import SupervisionSettings

SERVICE_DIR = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = SERVICE_DIR / "migrations"


class DispatchSettings(ServiceSettings):
    model_config = service_config("DISPATCH_")

    service_name: str = "dispatch"
    database_url: str = "sqlite+aiosqlite:///./.data/dispatch.sqlite3"
    # Office hours for working-hour limits: "08:30-12:00,13:30-17:30" (Asia/Shanghai wall time).
    office_hours: str = "08:30-12:00,13:30-17:30"
    # After this many dispatches of one case the centre must designate (指定) the unit.
    designate_after_dispatches: int = Field(default=3, ge=1, le=20)
    # Re-handlings (重办) a unit gets before an unsatisfied case goes to a supervisor.
    rehandle_limit: int = Field(default=2, ge=0, le=20)
    # An extension must be asked for at least this much working time before the reply deadline.
    extension_min_notice_hours: float = Field(default=1.0, ge=0, le=40)
    max_extension_working_days: int = Field(default=30, ge=1, le=250)
    # A return with a suggested unit goes straight to that unit (else back to the manual queue).
    return_to_suggested_unit: bool = True
    # Tracking supervision (跟踪监督): sweep, score weights, ranking (env DISPATCH_SUPERVISION__…).
    supervision: SupervisionSettings = Field(default_factory=SupervisionSettings)
    # Photos on a unit's reply (办结照片): where they are stored (the bucket feedback shows them from).
    media: StorageSettings = Field(default_factory=StorageSettings)
    photo_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    photo_max_count: int = Field(default=4, ge=0, le=20)
    # Unit evaluation (考评): score limit, lines, tier shares (env DISPATCH_EVALUATION__…).
    evaluation: EvaluationSettings = Field(default_factory=EvaluationSettings)

    @field_validator("office_hours")
    @classmethod
    def _valid_office_hours(cls, value: str) -> str:
        return str(OfficeHours.parse(value))

    @property
    def parsed_office_hours(self) -> OfficeHours:
        return OfficeHours.parse(self.office_hours)
