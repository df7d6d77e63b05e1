"""The intake service's own MetaData: its tables, and its outbox/inbox."""

from hotline_shared.db import make_metadata
from hotline_shared.events import event_tables
from sqlalchemy.orm import DeclarativeBase

metadata = make_metadata()
events = event_tables(metadata)


class Base(DeclarativeBase):
    metadata = metadata
