from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline_shared.db import AwareDateTime
from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..models_base import Base

_BigId = BigInteger().with_variant(sqlite.INTEGER(), "sqlite").with_variant(postgresql.BIGINT(), "postgresql")


class Notification(Base):
    """A notice owed to a citizen (SMS) or a unit (webhook): written with the event that causes it,
    delivered later by the worker, so a notice is neither lost nor sent twice by a redelivery.

    The citizen's number is looked up from the case at delivery time and only its masked form is
    kept here.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_pending", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(160), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    case_no: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    unit_id: Mapped[str | None] = mapped_column(String(40))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    recipient: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    next_attempt_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
