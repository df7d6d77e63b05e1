"""Supervision's tables: the per-order timer state, urges, and the monthly figures.

`supervision_orders` is a narrow, denormalised copy of what supervision needs about each order
(kept in the same transaction as the order change, by `hooks.order_changed`). Its partial indexes
cover only orders with an open deadline, so the overdue/near-due queries and the timer sweep stay
as fast on years of history as on a fresh database: closed orders drop out of every index.
"""

from __future__ import annotations

from datetime import datetime

from hotline_shared.db import AwareDateTime
from sqlalchemy import Boolean, Index, Integer, SmallInteger, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..models_base import Base, BigId

# Queries repeat this predicate verbatim so both planners can prove the partial index applies.
_OPEN = text("due_at IS NOT NULL")
_YELLOW = text("due_at IS NOT NULL AND warn_at IS NOT NULL")


class SupervisedOrder(Base):
    __tablename__ = "supervision_orders"

    order_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    case_no: Mapped[str] = mapped_column(String(40), nullable=False)
    unit_id: Mapped[str] = mapped_column(String(40), nullable=False)
    role: Mapped[str] = mapped_column(String(8), nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    urgency: Mapped[str] = mapped_column(String(20), nullable=False)
    topic_code: Mapped[str] = mapped_column(String(40), nullable=False)
    district_code: Mapped[str | None] = mapped_column(String(40))
    # Street and community, so a supervisor limited to one (API key area_code) gets an index range too.
    street_code: Mapped[str | None] = mapped_column(String(40))
    community_code: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    paused: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    dispatched_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    # Handling round: 0 for the first handling, n after the n-th re-handling (重办).
    round: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    # The deadlines still open (None once met or not applicable), mirrored from the work order.
    sign_due_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    contact_due_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    reply_due_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    # Derived instants. All NULL while paused or finished, which is what takes the order out of
    # the partial indexes below.
    due_at: Mapped[datetime | None] = mapped_column(AwareDateTime())  # earliest open deadline
    due_kind: Mapped[str | None] = mapped_column(String(8))
    warn_at: Mapped[datetime | None] = mapped_column(AwareDateTime())  # reply window 75 % used
    listed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())  # 5 working days past reply due
    next_timer_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    # Which timers have fired in the current episode (reset when their instant moves to the future).
    sign_fired: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    contact_fired: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reply_fired: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    warn_fired: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    listed_fired: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    light: Mapped[str] = mapped_column(String(8), nullable=False, default="green")
    light_kind: Mapped[str | None] = mapped_column(String(8))
    urge_level: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    # Optimistic lock: a sweep and a request that both loaded the row cannot both write it.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        Index(
            "ix_supervision_orders_due",
            "due_at",
            "order_id",
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        Index(
            "ix_supervision_orders_unit_due",
            "unit_id",
            "due_at",
            "order_id",
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        Index(
            "ix_supervision_orders_district_due",
            "district_code",
            "due_at",
            "order_id",
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        Index(
            "ix_supervision_orders_street_due",
            "street_code",
            "due_at",
            "order_id",
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        Index(
            "ix_supervision_orders_community_due",
            "community_code",
            "due_at",
            "order_id",
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        Index(
            "ix_supervision_orders_topic_due",
            "topic_code",
            "due_at",
            "order_id",
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        Index(
            "ix_supervision_orders_category_due",
            "category",
            "due_at",
            "order_id",
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        Index(
            "ix_supervision_orders_urgency_due",
            "urgency",
            "due_at",
            "order_id",
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        # The yellow list (near-due without a window): walked in due order from as_of, with
        # warn_at in the key so both planners can skip not-yet-yellow orders inside the index
        # instead of intersecting two big ranges and sorting (PostgreSQL did, 15 ms at 1M orders).
        Index(
            "ix_supervision_orders_yellow",
            "due_at",
            "order_id",
            "warn_at",
            sqlite_where=_YELLOW,
            postgresql_where=_YELLOW,
        ),
        Index(
            "ix_supervision_orders_next_timer",
            "next_timer_at",
            sqlite_where=text("next_timer_at IS NOT NULL"),
            postgresql_where=text("next_timer_at IS NOT NULL"),
        ),
    )


class Urge(Base):
    """催办 / 督办 / 挂牌督办, automatic or by a supervisor; its unit notice may wait for office hours."""

    __tablename__ = "supervision_urges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(48), nullable=False)
    case_no: Mapped[str] = mapped_column(String(40), nullable=False)
    unit_id: Mapped[str] = mapped_column(String(40), nullable=False)
    level: Mapped[str] = mapped_column(String(12), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    auto: Mapped[bool] = mapped_column(Boolean, nullable=False)
    by_subject: Mapped[str] = mapped_column(String(80), nullable=False)
    by_role: Mapped[str] = mapped_column(String(20), nullable=False)
    deadline_kind: Mapped[str | None] = mapped_column(String(8))
    due_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    round: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    issued_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    notify_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    notified_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    request_hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_supervision_urges_order", "order_id", "id"),
        # The notice queue: only urges whose notice has not gone out yet.
        Index(
            "ix_supervision_urges_queued",
            "notify_at",
            "id",
            sqlite_where=text("notified_at IS NULL"),
            postgresql_where=text("notified_at IS NULL"),
        ),
        UniqueConstraint("by_subject", "idempotency_key"),
    )


class Outcome(Base):
    """The ledger of settled facts the monthly figures are sums of (see metrics.py, docs/metrics.md)."""

    __tablename__ = "supervision_outcomes"

    order_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    metric: Mapped[str] = mapped_column(String(16), primary_key=True)
    # Handling round for per-round metrics (contact, reply), reply_seq for per-reply ones, else 0.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(40), nullable=False)
    month: Mapped[str] = mapped_column(String(7), nullable=False)
    hit: Mapped[bool] = mapped_column(Boolean, nullable=False)

    __table_args__ = (Index("ix_supervision_outcomes_month_unit", "month", "unit_id"),)


class UnitMonth(Base):
    """Per unit, month and metric: how many outcomes and how many hits. Kept by deltas."""

    __tablename__ = "supervision_unit_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    metric: Mapped[str] = mapped_column(String(16), primary_key=True)
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    hits: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
