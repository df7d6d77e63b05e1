from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from hotline_shared.client_times import BodyTime
from pydantic import BaseModel, ConfigDict, Field


class KeyRole(StrEnum):
    operator = "operator"
    station = "station"
    unit = "unit"
    supervisor = "supervisor"
    admin = "admin"
    open311 = "open311"


class KeyStatus(StrEnum):
    active = "active"
    expired = "expired"
    revoked = "revoked"


# Any printable text (names are often Chinese, e.g. "城管执法局 (U-CG-001)"), no edge spaces.
NAME_PATTERN = r"^[^\x00-\x20\x7f-\x9f](?:[^\x00-\x1f\x7f-\x9f]{0,78}[^\x00-\x20\x7f-\x9f])?$"
SCOPE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,39}$"
AREA_PATTERN = r"^[A-Za-z0-9-]{1,20}$"


# Which scope field each role must, may, or must not carry; API keys and OIDC tokens alike.
REQUIRED_SCOPE = {KeyRole.unit: "unit_id", KeyRole.station: "station_id"}
ALLOWED_SCOPE = {
    KeyRole.unit: {"unit_id"},
    KeyRole.station: {"station_id", "area_code"},
    KeyRole.supervisor: {"area_code"},
}


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        pattern=NAME_PATTERN, description="Unique, e.g. `城管执法局 (U-CG-001)`; becomes the audit subject."
    )
    role: KeyRole
    unit_id: str | None = Field(default=None, pattern=SCOPE_PATTERN, description="Required for role unit.")
    station_id: str | None = Field(default=None, pattern=SCOPE_PATTERN, description="Required for role station.")
    area_code: str | None = Field(
        default=None,
        pattern=AREA_PATTERN,
        description="Optional for a supervisor (limits them to an area) or a station.",
    )
    expires_at: BodyTime | None = Field(default=None, description="ISO 8601 with offset; omit for no expiry.")


class ApiKeyRotate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_seconds: int = Field(
        default=0, ge=0, description="How long the old secret keeps working, so clients can switch over."
    )


class ApiKeyView(BaseModel):
    id: str
    name: str
    role: KeyRole
    unit_id: str | None
    station_id: str | None
    area_code: str | None
    prefix: str = Field(description="The first characters of the key, to tell keys apart.")
    status: KeyStatus
    source: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None
    rotated_at: datetime | None
    last_used_at: datetime | None


class ApiKeyIssued(ApiKeyView):
    key: str = Field(description="The secret. Shown only in this answer: store it now.")
    previous_valid_until: datetime | None = None


class ApiKeyPage(BaseModel):
    items: list[ApiKeyView]
    next_cursor: str | None
