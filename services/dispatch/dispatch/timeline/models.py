from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline_shared.db import AwareDateTime
from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..models_base import Base, BigId


class TimelineEntry(Base):
    """全程留痕: every change to a case's handling, who did it and when (one row per event)."""

    __tablename__ = "handling_timeline"
    __table_args__ = (
        Index("ix_handling_timeline_case", "case_no", "id"),
        Index("ix_handling_timeline_order", "order_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(40), nullable=False)
    order_id: Mapped[str | None] = mapped_column(String(48))
    at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    type: Mapped[str] = mapped_column(String(60), nullable=False)
    actor_subject: Mapped[str] = mapped_column(String(80), nullable=False)
    actor_role: Mapped[str] = mapped_column(String(20), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
