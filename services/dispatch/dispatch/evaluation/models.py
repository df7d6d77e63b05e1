"""考评 tables: the versioned rule table, the facts taken from events, the append-only points
ledger, the lines each unit crossed, and the monthly red/black bulletin with its frozen snapshot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline_shared.db import AwareDateTime
from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..models_base import Base, BigId


class Rule(Base):
    """One version of a scoring rule; the version in force at an event's time scores it."""

    __tablename__ = "evaluation_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    event_type: Mapped[str] = mapped_column(String(40), nullable=False)
    match: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    points: Mapped[int] = mapped_column(Integer, nullable=False)
    cap_per_period: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    effective_from: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)

    __table_args__ = (UniqueConstraint("code", "version"), Index("ix_evaluation_rules_type", "event_type"))


class Fact(Base):
    """What an event said about a unit, kept (without free text) so a month can be re-scored."""

    __tablename__ = "evaluation_facts"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(40), nullable=False)
    unit_id: Mapped[str] = mapped_column(String(40), nullable=False)
    order_id: Mapped[str | None] = mapped_column(String(48))
    case_no: Mapped[str | None] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    month: Mapped[str] = mapped_column(String(7), nullable=False)
    attrs: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)

    __table_args__ = (Index("ix_evaluation_facts_month", "month", "occurred_at"),)


class Point(Base):
    """One ledger row. Never updated or deleted: a correction is a reversing row."""

    __tablename__ = "evaluation_points"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[str] = mapped_column(String(40), nullable=False)
    month: Mapped[str] = mapped_column(String(7), nullable=False)
    points: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)  # event / period / manual / reversal
    rule_code: Mapped[str | None] = mapped_column(String(40))
    rule_version: Mapped[int | None] = mapped_column(Integer)
    # event:<event_id>:<rule>, period:<month>:<rule> or manual:<uuid>; with `revision` it makes a
    # replayed event (or a second compile) unable to add a row twice.
    source_key: Mapped[str] = mapped_column(String(160), nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reverses_id: Mapped[int | None] = mapped_column(BigId)
    event_id: Mapped[str | None] = mapped_column(String(64))
    event_type: Mapped[str | None] = mapped_column(String(40))
    order_id: Mapped[str | None] = mapped_column(String(48))
    case_no: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    author_subject: Mapped[str] = mapped_column(String(80), nullable=False)
    author_role: Mapped[str] = mapped_column(String(20), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    booked_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)

    __table_args__ = (
        UniqueConstraint("unit_id", "source_key", "revision", name="uq_evaluation_points_source"),
        Index("ix_evaluation_points_month_unit", "month", "unit_id", "id"),
        Index("ix_evaluation_points_reverses", "reverses_id"),
    )


class Crossing(Base):
    """A unit crossed a line (预警 … 退出, 鼓励 … 奖励) in a month; once per line and month."""

    __tablename__ = "evaluation_crossings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[str] = mapped_column(String(40), nullable=False)
    month: Mapped[str] = mapped_column(String(7), nullable=False)
    line: Mapped[str] = mapped_column(String(20), nullable=False)
    threshold: Mapped[int] = mapped_column(Integer, nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)  # notice / interview
    status: Mapped[str] = mapped_column(String(12), nullable=False)  # notified / open / done
    point_id: Mapped[int] = mapped_column(BigId, nullable=False)
    crossed_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    done_by: Mapped[str | None] = mapped_column(String(80))
    done_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("unit_id", "month", "line", name="uq_evaluation_crossings_line"),
        Index("ix_evaluation_crossings_status", "status", "crossed_at"),
    )


class Bulletin(Base):
    """The month's 红黑档案: a draft until an admin approves it; then `snapshot` is all it shows."""

    __tablename__ = "evaluation_bulletins"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False)  # draft / published
    compiled_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    compiled_by: Mapped[str] = mapped_column(String(80), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    updated_by: Mapped[str] = mapped_column(String(80), nullable=False)
    approved_by: Mapped[str | None] = mapped_column(String(80))
    approved_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class BulletinEntry(Base):
    __tablename__ = "evaluation_bulletin_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(String(7), nullable=False)
    unit_id: Mapped[str] = mapped_column(String(40), nullable=False)
    board: Mapped[str] = mapped_column(String(8), nullable=False)  # red / black
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    origin: Mapped[str] = mapped_column(String(8), nullable=False)  # auto / manual
    added_by: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)

    __table_args__ = (UniqueConstraint("month", "unit_id", "board", name="uq_evaluation_entries_unit"),)
