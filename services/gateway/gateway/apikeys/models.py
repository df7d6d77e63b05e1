from __future__ import annotations

from datetime import datetime

from hotline_shared.db import AwareDateTime
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..models_base import Base


class ApiKey(Base):
    """A credential: only the SHA-256 of the secret is stored; the plaintext is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    unit_id: Mapped[str | None] = mapped_column(String(40))
    station_id: Mapped[str | None] = mapped_column(String(40))
    area_code: Mapped[str | None] = mapped_column(String(20))
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    # During a rotation grace period the previous secret keeps working until previous_valid_until.
    previous_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    previous_valid_until: Mapped[datetime | None] = mapped_column(AwareDateTime())
    source: Mapped[str] = mapped_column(String(10), nullable=False)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(80), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(80))
    rotated_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
