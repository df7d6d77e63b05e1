"""The gateway's own MetaData: API keys and the audit log. The gateway publishes no events."""

from hotline_shared.db import make_metadata
from sqlalchemy.orm import DeclarativeBase

metadata = make_metadata()


class Base(DeclarativeBase):
    metadata = metadata
