from __future__ import annotations

from datetime import datetime

from hotline_shared.db import AwareDateTime
from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..models_base import Base


class IdempotencyRecord(Base):
    """The first answer given for (caller, key); a retry gets it back instead of a second case.

    The composite primary key is what decides the winner when the same key arrives concurrently
    from several clients or replicas.
    """

    __tablename__ = "idempotency_keys"

    subject: Mapped[str] = mapped_column(String(120), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[str | None] = mapped_column(Text)
    case_no: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False, index=True)
