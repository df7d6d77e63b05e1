"""Sign identity headers in tests the way the gateway does."""

from __future__ import annotations

from ..identity import IDENTITY_HEADER, Identity, Role, sign_identity

TEST_SECRET = "test-identity-secret-0123456789abcdef"  # noqa: S105


def signed_headers(
    role: Role | str = Role.operator,
    *,
    secret: str = TEST_SECRET,
    subject: str | None = None,
    unit_id: str | None = None,
    station_id: str | None = None,
    area_code: str | None = None,
    client_ip: str | None = None,
) -> dict[str, str]:
    identity = Identity(
        subject=subject or f"test-{Role(role).value}",
        role=Role(role),
        unit_id=unit_id,
        station_id=station_id,
        area_code=area_code,
        client_ip=client_ip,
    )
    return {IDENTITY_HEADER: sign_identity(identity, secret)}
