from __future__ import annotations

from datetime import datetime

from hotline_shared.db import AwareDateTime
from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..models_base import Base

ANY = "*"


class RoutingRule(Base):
    """topic + area → lead unit and co-units.

    ``topic_key``/``area_key`` hold ``*`` for "any" so that the unique constraint also forbids two
    catch-all rules (NULLs would never collide).
    """

    __tablename__ = "routing_rules"
    __table_args__ = (UniqueConstraint("topic_key", "area_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic_key: Mapped[str] = mapped_column(String(40), nullable=False)
    area_level: Mapped[str] = mapped_column(String(20), nullable=False)
    area_key: Mapped[str] = mapped_column(String(40), nullable=False)
    lead_unit_id: Mapped[str] = mapped_column(ForeignKey("units.unit_id"), nullable=False, index=True)
    co_unit_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    updated_by: Mapped[str | None] = mapped_column(String(80))
