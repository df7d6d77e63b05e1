"""Sign identity headers in tests the way the gateway does."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..identity import IDENTITY_HEADER, Identity, Role, sign_identity

TEST_SECRET = "test-identity-secret-0123456789abcdef"  # noqa: S105


class SignedHeaders(Mapping[str, str]):
    """The identity header, signed afresh each time it is read.

    Test modules keep these as constants (`SUPERVISOR = headers("supervisor")`). A signature made at
    import expires after the services' 300 s window, and a long suite (PostgreSQL, a loaded machine)
    reaches a module's tests later than that: every call then failed as 401.
    """

    def __init__(self, identity: Identity, secret: str) -> None:
        self._identity = identity
        self._secret = secret

    def __getitem__(self, key: str) -> str:
        if key != IDENTITY_HEADER:
            raise KeyError(key)
        return sign_identity(self._identity, self._secret)

    def __iter__(self) -> Iterator[str]:
        return iter((IDENTITY_HEADER,))

    def __len__(self) -> int:
        return 1

    def __or__(self, other: Mapping[str, str]) -> dict[str, str]:
        return {**self, **other}

    def __ror__(self, other: Mapping[str, str]) -> dict[str, str]:
        return {**other, **self}


def signed_headers(
    role: Role | str = Role.operator,
    *,
    secret: str = TEST_SECRET,
    subject: str | None = None,
    unit_id: str | None = None,
    station_id: str | None = None,
    area_code: str | None = None,
    client_ip: str | None = None,
) -> SignedHeaders:
    identity = Identity(
        subject=subject or f"test-{Role(role).value}",
        role=Role(role),
        unit_id=unit_id,
        station_id=station_id,
        area_code=area_code,
        client_ip=client_ip,
    )
    return SignedHeaders(identity, secret)
