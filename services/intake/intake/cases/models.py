from __future__ import annotations

from datetime import date, datetime

from hotline_shared.db import AwareDateTime
from sqlalchemy import BigInteger, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..models_base import Base

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for a long-lived log.
BigId = BigInteger().with_variant(sqlite.INTEGER(), "sqlite").with_variant(postgresql.BIGINT(), "postgresql")


class CaseSequence(Base):
    """One row per day; incremented inside the case's own transaction so numbers never collide."""

    __tablename__ = "case_sequences"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Case(Base):
    __tablename__ = "cases"

    case_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    lookup_code: Mapped[str] = mapped_column(String(12), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    topic_code: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    urgency: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, nullable=False)
    # Normalised title + description for portable substring search (see cases/search.py).
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    district_code: Mapped[str | None] = mapped_column(String(20), index=True)
    street_code: Mapped[str | None] = mapped_column(String(20))
    community_code: Mapped[str | None] = mapped_column(String(20))
    grid_code: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    caller_name: Mapped[str | None] = mapped_column(String(60))
    caller_phone: Mapped[str | None] = mapped_column(String(30))
    confidential: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    received_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False, index=True)
    registered_subject: Mapped[str] = mapped_column(String(120), nullable=False, server_default="")
    registered_role: Mapped[str] = mapped_column(String(20), nullable=False, server_default="")
    registered_station_id: Mapped[str | None] = mapped_column(String(120), index=True)
    demand_count: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    duplicate_of: Mapped[str | None] = mapped_column(ForeignKey("cases.case_no"), index=True)
    force_new_reason: Mapped[str | None] = mapped_column(Text)
    force_new_override_of: Mapped[str | None] = mapped_column(String(20))
    direct_answer: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(120))

    __table_args__ = (
        # The duplicate check (重复件): same phone + topic + community among recent open cases.
        Index("ix_cases_duplicate_probe", "caller_phone", "topic_code", "community_code", "received_at"),
    )


class TimelineEntry(Base):
    """全程留痕: who did what to a case, and when."""

    __tablename__ = "case_timeline"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(ForeignKey("cases.case_no"), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    actor_subject: Mapped[str] = mapped_column(String(120), nullable=False)
    actor_role: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    related_case_no: Mapped[str | None] = mapped_column(String(20))
