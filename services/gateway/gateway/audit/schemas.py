from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class AuditEntryView(BaseModel):
    id: int
    at: datetime
    key_id: str | None
    subject: str
    role: str
    unit_id: str | None
    station_id: str | None
    method: str
    path: str
    query: str | None
    route: str
    service: str
    status: int
    client_ip: str | None
    request_id: str | None


class AuditPage(BaseModel):
    items: list[AuditEntryView]
    next_cursor: str | None
