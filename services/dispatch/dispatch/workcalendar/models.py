from __future__ import annotations

from datetime import date, datetime

from hotline_shared.db import AwareDateTime
from sqlalchemy import JSON, Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..models_base import Base


class CalendarYear(Base):
    """A State Council holiday notice loaded by an admin; it wins over the packaged data."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holidays: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    workdays: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    note: Mapped[str | None] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    loaded_by: Mapped[str] = mapped_column(String(80), nullable=False)


class CalendarOverride(Base):
    """A local one-off: a typhoon day off, or an extra working day."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean, nullable=False)
    reason: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(80), nullable=False)


class CalendarRecompute(Base):
    """Open orders to recompute after a calendar change, worked through in batches by the worker.

    A new year's notice can touch every order running into that year (hundreds of thousands in a
    big centre): far too many for the admin's request, so the request records the job and answers.
    """

    __tablename__ = "calendar_recomputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reason: Mapped[str] = mapped_column(String(200), nullable=False)
    span_start: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    span_end: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    requested_by: Mapped[str] = mapped_column(String(80), nullable=False)
    cursor: Mapped[str | None] = mapped_column(String(48))
    orders_checked: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    orders_changed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    done_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), index=True)
