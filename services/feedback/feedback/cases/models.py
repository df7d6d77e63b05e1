"""The case read model: every event seen for a case (the timeline) and the state folded from it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline_shared.db import AwareDateTime
from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..models_base import Base

_BigId = BigInteger().with_variant(sqlite.INTEGER(), "sqlite").with_variant(postgresql.BIGINT(), "postgresql")


class CaseEvent(Base):
    """One entry of a case's timeline: an event consumed from intake/dispatch or one of our own."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_order", "case_no", "order_at", "id"),)

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    case_no: Mapped[str] = mapped_column(String(40), nullable=False)
    type: Mapped[str] = mapped_column(String(80), nullable=False)
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    # Sorting key of the fold; equals `at` except for our own entries, which never sort before
    # an event we had already seen when we wrote them (clock skew between services).
    order_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    order_id: Mapped[str | None] = mapped_column(String(40))
    unit_id: Mapped[str | None] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


class CaseRecord(Base):
    """The current state of a case, rebuilt from its timeline after every change."""

    __tablename__ = "cases"

    case_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    known: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    lookup_code: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(30), nullable=False, default="pending", index=True)
    channel: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(20))
    topic_code: Mapped[str | None] = mapped_column(String(40), index=True)
    topic_name: Mapped[str | None] = mapped_column(String(200))
    urgency: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    district_code: Mapped[str | None] = mapped_column(String(20), index=True)
    district_name: Mapped[str | None] = mapped_column(String(100))
    street_code: Mapped[str | None] = mapped_column(String(20))
    street_name: Mapped[str | None] = mapped_column(String(100))
    community_code: Mapped[str | None] = mapped_column(String(20))
    community_name: Mapped[str | None] = mapped_column(String(100))
    # Personal data: staff views and notifications only, never public output.
    address: Mapped[str | None] = mapped_column(String(200))
    caller_name: Mapped[str | None] = mapped_column(String(60))
    caller_phone: Mapped[str | None] = mapped_column(String(30))
    confidential: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    station_id: Mapped[str | None] = mapped_column(String(40))
    received_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), index=True)
    duplicate_of: Mapped[str | None] = mapped_column(String(40))
    demand_count: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    order_id: Mapped[str | None] = mapped_column(String(40))
    unit_id: Mapped[str | None] = mapped_column(String(40))
    unit_name: Mapped[str | None] = mapped_column(String(200))
    units_involved: Mapped[str] = mapped_column(Text, nullable=False, default="")
    dispatch_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    sign_due_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    contact_due_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    reply_due_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    light: Mapped[str | None] = mapped_column(String(10))
    extension_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    reply_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reply_result: Mapped[str | None] = mapped_column(Text)
    reply_solved: Mapped[bool | None] = mapped_column(Boolean)
    reply_on_time: Mapped[bool | None] = mapped_column(Boolean)
    replied_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    rehandle_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    callback_due_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), index=True)
    callback_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rated_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    satisfaction: Mapped[str | None] = mapped_column(String(30))
    rating_solved: Mapped[bool | None] = mapped_column(Boolean)
    rating_source: Mapped[str | None] = mapped_column(String(20))
    rated_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    direct_resolution: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    outcome: Mapped[str | None] = mapped_column(String(30))
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), index=True)
    updated_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
