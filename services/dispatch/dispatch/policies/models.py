from __future__ import annotations

from datetime import datetime

from hotline_shared.db import AwareDateTime
from sqlalchemy import Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..models_base import Base


class TimeLimitPolicy(Base):
    """Time limits for cases matching category × topic × urgency (``*`` = any).

    Amounts are in ``*_unit`` (calendar_hours / working_hours / working_days). The policy in force
    at dispatch is copied onto the order, so editing a policy never moves existing deadlines.
    """

    __tablename__ = "time_limit_policies"
    __table_args__ = (UniqueConstraint("category_key", "topic_key", "urgency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    category_key: Mapped[str] = mapped_column(String(20), nullable=False)
    topic_key: Mapped[str] = mapped_column(String(40), nullable=False)
    urgency_key: Mapped[str] = mapped_column(String(20), nullable=False)
    sign_amount: Mapped[float] = mapped_column(Float, nullable=False)
    sign_unit: Mapped[str] = mapped_column(String(20), nullable=False)
    contact_amount: Mapped[float] = mapped_column(Float, nullable=False)
    contact_unit: Mapped[str] = mapped_column(String(20), nullable=False)
    reply_amount: Mapped[float] = mapped_column(Float, nullable=False)
    reply_unit: Mapped[str] = mapped_column(String(20), nullable=False)
    return_window_amount: Mapped[float] = mapped_column(Float, nullable=False)
    return_window_unit: Mapped[str] = mapped_column(String(20), nullable=False)
    max_extensions: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    updated_by: Mapped[str | None] = mapped_column(String(80))
