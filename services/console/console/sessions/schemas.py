from __future__ import annotations

from hotline_shared.identity import Role
from pydantic import BaseModel


class ConsoleSession(BaseModel):
    session_id: str
    subject: str
    role: Role
    unit_id: str | None = None
    station_id: str | None = None
    area_code: str | None = None
    csrf_token: str
    expires_at: float  # Unix time, wall clock: session expiry ignores the demo's business-time travel
    api_key: str  # decrypted in memory only; never rendered, logged or sent to the browser

    def __repr__(self) -> str:  # keep the key out of tracebacks and debug logs
        return f"ConsoleSession(subject={self.subject!r}, role={self.role.value})"

    __str__ = __repr__
