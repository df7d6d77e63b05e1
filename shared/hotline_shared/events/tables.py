"""Outbox and inbox tables, added to each service's own MetaData (and its own migrations)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text, text
from sqlalchemy.dialects import postgresql, sqlite

from ..db import AwareDateTime

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for a long-lived log.
_BigId = BigInteger().with_variant(sqlite.INTEGER(), "sqlite").with_variant(postgresql.BIGINT(), "postgresql")


@dataclass(frozen=True)
class EventTables:
    outbox: Table
    inbox: Table


def event_tables(metadata: MetaData) -> EventTables:
    outbox = Table(
        "event_outbox",
        metadata,
        Column("id", _BigId, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("stream", String(120), nullable=False),
        Column("type", String(80), nullable=False),
        Column("case_no", String(40), nullable=True),
        Column("body", Text, nullable=False),
        Column("created_at", AwareDateTime(), nullable=False),
        Column("published_at", AwareDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text, nullable=True),
    )
    # The relay only ever looks at unpublished rows: a partial index keeps that scan tiny forever.
    Index(
        "ix_event_outbox_unpublished",
        outbox.c.id,
        postgresql_where=outbox.c.published_at.is_(None),
        sqlite_where=outbox.c.published_at.is_(None),
    )
    inbox = Table(
        "event_inbox",
        metadata,
        Column("consumer_group", String(80), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(80), nullable=False),
        Column("handled_at", AwareDateTime(), nullable=False),
    )
    return EventTables(outbox=outbox, inbox=inbox)
