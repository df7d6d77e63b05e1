"""The dispatch service's own MetaData: its tables, and its outbox/inbox."""

from hotline_shared.db import make_metadata
from hotline_shared.events import event_tables
from sqlalchemy import BigInteger
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import DeclarativeBase

metadata = make_metadata()
events = event_tables(metadata)

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for long-lived logs.
BigId = BigInteger().with_variant(sqlite.INTEGER(), "sqlite")


class Base(DeclarativeBase):
    metadata = metadata
