"""Who did something, as recorded on the timeline: a signed identity or the system itself."""

from __future__ import annotations

from dataclasses import dataclass

from hotline_shared.identity import Identity


@dataclass(frozen=True)
class Actor:
    subject: str
    role: str
    unit_id: str | None = None

    @classmethod
    def of(cls, identity: Identity) -> Actor:
        return cls(subject=identity.subject, role=identity.role.value, unit_id=identity.unit_id)

    def as_dict(self) -> dict[str, str | None]:
        return {"subject": self.subject, "role": self.role, "unit_id": self.unit_id}


SYSTEM = Actor(subject="system", role="system")
