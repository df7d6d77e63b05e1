from __future__ import annotations

from datetime import datetime

from hotline_shared.db import AwareDateTime
from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..models_base import Base


class DispatchCase(Base):
    """What dispatch knows of a case (from intake's CaseView) and where it is in dispatching.

    Caller name, phone and address are kept because the handling unit must contact the citizen;
    they are served only to staff and never logged.
    """

    __tablename__ = "dispatch_cases"
    __table_args__ = (Index("ix_dispatch_cases_queue", "queued_at", "case_no"),)

    case_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    topic_code: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    topic_name: Mapped[str | None] = mapped_column(String(100))
    urgency: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    district_code: Mapped[str | None] = mapped_column(String(40), index=True)
    street_code: Mapped[str | None] = mapped_column(String(40))
    community_code: Mapped[str | None] = mapped_column(String(40))
    grid_code: Mapped[str | None] = mapped_column(String(40))
    district_name: Mapped[str | None] = mapped_column(String(100))
    street_name: Mapped[str | None] = mapped_column(String(100))
    community_name: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(200))
    caller_name: Mapped[str | None] = mapped_column(String(60))
    caller_phone: Mapped[str | None] = mapped_column(String(30))
    confidential: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    received_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    # The manual dispatch queue: queued_at is set while the case waits for an operator.
    queued_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    queue_reason: Mapped[str | None] = mapped_column(String(20))
    suggested_unit_id: Mapped[str | None] = mapped_column(String(40))
    dispatch_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rehandle_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    order_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lead_order_id: Mapped[str | None] = mapped_column(String(48))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
