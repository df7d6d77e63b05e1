from __future__ import annotations

from datetime import datetime

from hotline_shared.db import AwareDateTime
from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..models_base import Base


class Pause(Base):
    """挂起: the clock stops while the citizen cannot be reached or a third party must act."""

    __tablename__ = "pauses"
    __table_args__ = (Index("ix_pauses_status", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.order_id"), nullable=False, index=True)
    case_no: Mapped[str] = mapped_column(String(40), nullable=False)
    unit_id: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    requested_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    requested_by: Mapped[str] = mapped_column(String(80), nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    ended_by: Mapped[str | None] = mapped_column(String(80))
    paused_working_seconds: Mapped[int | None] = mapped_column(Integer)
