from __future__ import annotations

from datetime import datetime

from hotline_shared.db import AwareDateTime
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..models_base import Base


class Topic(Base):
    """A node of the topic catalogue (诉求事项). Never deleted: old cases keep their topic's name."""

    __tablename__ = "topics"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    parent_code: Mapped[str | None] = mapped_column(String(40), index=True)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Area(Base):
    """A node of the area tree: district → street → community. Never deleted, only deactivated."""

    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    level: Mapped[str] = mapped_column(String(12), nullable=False)
    parent_code: Mapped[str | None] = mapped_column(String(20), index=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class CatalogState(Base):
    """A single row: the catalogue's version, bumped whenever a reload changes anything."""

    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    checksum: Mapped[str] = mapped_column(String(64), nullable=False)
    loaded_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    loaded_by: Mapped[str] = mapped_column(String(120), nullable=False)
