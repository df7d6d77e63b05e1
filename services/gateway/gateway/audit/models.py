from __future__ import annotations

from datetime import datetime

from hotline_shared.db import AwareDateTime
from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..models_base import Base


class AuditEntry(Base):
    """Who did what, when, from where: every write and every staff read of personal data."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject_id", "subject", "id"),)

    # BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite so it autoincrements there too.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False, index=True)
    key_id: Mapped[str | None] = mapped_column(String(36), index=True)
    subject: Mapped[str] = mapped_column(String(80), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    unit_id: Mapped[str | None] = mapped_column(String(40))
    station_id: Mapped[str | None] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(10), nullable=False)
    path: Mapped[str] = mapped_column(String(500), nullable=False)
    query: Mapped[str | None] = mapped_column(Text)
    route: Mapped[str] = mapped_column(String(200), nullable=False)
    service: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[int] = mapped_column(Integer, nullable=False)
    client_ip: Mapped[str | None] = mapped_column(String(45))
    request_id: Mapped[str | None] = mapped_column(String(64))
