from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline_shared.db import AwareDateTime
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..models_base import Base


class WorkOrder(Base):
    """One unit's part of one dispatch of a case (lead 主办 or co-unit 协办).

    Deadlines are stored as absolute instants and indexed, so "due before T" is a range scan.
    They are always *derived*: ``clock_started_at`` + the ``policy`` snapshot, then every entry of
    ``adjustments`` (approved extensions, pauses) replayed in order. That lets a calendar change
    recompute them exactly (see orders/deadlines.py).
    """

    __tablename__ = "work_orders"
    __table_args__ = (
        Index("ix_work_orders_unit_status", "unit_id", "status"),
        Index("ix_work_orders_dispatched", "dispatched_at", "order_id"),
    )

    order_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    case_no: Mapped[str] = mapped_column(ForeignKey("dispatch_cases.case_no"), nullable=False, index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.unit_id"), nullable=False)
    unit_name: Mapped[str] = mapped_column(String(100), nullable=False)
    role: Mapped[str] = mapped_column(String(8), nullable=False)
    lead_order_id: Mapped[str | None] = mapped_column(String(48))
    dispatch_no: Mapped[int] = mapped_column(Integer, nullable=False)
    designated: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    info_only: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(24), nullable=False, index=True)
    paused_from: Mapped[str | None] = mapped_column(String(24))

    dispatched_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    dispatched_by: Mapped[str] = mapped_column(String(80), nullable=False)
    clock_started_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    signed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    contacted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    replied_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    returned_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    sign_due_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), index=True)
    contact_due_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), index=True)
    reply_due_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), index=True)
    return_due_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    # True while a deadline still depends on a year whose holiday notice is not loaded.
    provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, index=True)

    policy: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    adjustments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    extension_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    paused_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    paused_working_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rehandle_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reply_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    contact_note: Mapped[str | None] = mapped_column(Text)
    reply_result: Mapped[str | None] = mapped_column(Text)
    reply_solved: Mapped[bool | None] = mapped_column(Boolean)
    reply_attachments: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    return_reason: Mapped[str | None] = mapped_column(Text)
    suggested_unit_id: Mapped[str | None] = mapped_column(String(40))
    close_reason: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
