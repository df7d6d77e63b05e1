from __future__ import annotations

from datetime import datetime

from hotline_shared.db import AwareDateTime
from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..cases.models import BigId
from ..models_base import Base


class PhoneCode(Base):
    """A one-time SMS code proving a citizen holds the phone they give (外网申请).

    Only a keyed hash of the code is kept: a copy of the database does not let anyone file cases
    in another person's name.
    """

    __tablename__ = "phone_codes"
    __table_args__ = (Index("ix_phone_codes_phone_created", "phone", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(30), nullable=False)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime(), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
