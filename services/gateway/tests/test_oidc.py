"""Signing in with the city's identity provider (OIDC bearer JWTs) instead of an API key.

A real provider stand-in is served over HTTP (discovery document and JWKS) with real RSA keys;
tokens are signed the way a provider signs them, and every check is made through the gateway.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Response
from gateway.apikeys import service as keys
from gateway.apikeys.schemas import ApiKeyCreate
from gateway.config import GatewaySettings
from gateway.main import create_app
from gateway.oidc.settings import OidcSettings
from hotline_shared.clock import ManualClock
from hotline_shared.identity import IDENTITY_HEADER, Role, verify_identity
from hotline_shared.testing.apps import running, served
from hotline_shared.testing.identity import TEST_SECRET
from pydantic import ValidationError

from .conftest import RecordingTransport

AUDIENCE = "hotline-api"
CASES = "/api/v1/cases"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Provider:
    """The identity provider as the gateway sees it: a discovery document and a key set."""

    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)
    published: list[str] = field(default_factory=list)
    jwks_fetches: int = 0
    up: bool = True
    issuer: str = ""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, str]:
            return {"issuer": self.issuer, "jwks_uri": f"{self.issuer}/jwks"}

        @app.get("/jwks", response_model=None)
        async def jwks() -> Any:
            self.jwks_fetches += 1
            if not self.up:
                return Response(status_code=503)
            return {"keys": [self.jwk(kid) for kid in self.published]}

        return app

    def jwk(self, kid: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
        return data | {"kid": kid, "use": "sig", "alg": "RS256"}

    def add_key(self, kid: str, *, publish: bool = True) -> None:
        self.keys[kid] = new_key()
        if publish:
            self.published.append(kid)

    def token(
        self, clock: ManualClock, *, kid: str = "k1", lifetime: timedelta = timedelta(hours=1), **claims: Any
    ) -> str:
        now = int(clock.now().timestamp())
        payload = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": "u-1001",
            "iat": now,
            "exp": now + int(lifetime.total_seconds()),
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, self.keys[kid], algorithm="RS256", headers={"kid": kid})


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    idp = Provider()
    with served(idp.app(), name="idp") as url:
        idp.issuer = url
        yield idp


@pytest.fixture
def idp(provider: Provider) -> Provider:
    provider.keys.clear()
    provider.published.clear()
    provider.jwks_fetches = 0
    provider.up = True
    provider.add_key("k1")
    return provider


GatewayOpener = Callable[..., AbstractAsyncContextManager[tuple[FastAPI, httpx.AsyncClient]]]


@pytest.fixture
def open_gateway(
    idp: Provider,
    make_settings: Callable[..., GatewaySettings],
    clock: ManualClock,
    intake_transport: RecordingTransport,
) -> GatewayOpener:
    """A running gateway trusting `idp`, with intake behind it; `oidc` and settings overrides."""

    @asynccontextmanager
    async def open_(*, oidc: dict[str, Any] | None = None, **overrides: Any) -> AsyncIterator[Any]:
        config = OidcSettings(issuer=idp.issuer, audience=AUDIENCE, **(oidc or {}))
        app = create_app(make_settings(oidc=config, **overrides), clock=clock, transports={"intake": intake_transport})
        async with running(app) as client:
            yield app, client

    return open_


@pytest.fixture
async def gateway(open_gateway: GatewayOpener) -> AsyncIterator[httpx.AsyncClient]:
    async with open_gateway(oidc={"jwks_min_refetch_s": 0}) as (_, client):
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def refused(client: httpx.AsyncClient, token: str, status: int, phrase: str = "") -> None:
    """The gateway turns the token away with `status` as problem+json, saying `phrase`."""
    response = await client.get(CASES, headers=bearer(token))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert phrase in response.json()["detail"]


def forwarded_identity(recorder: RecordingTransport) -> Any:
    return verify_identity(recorder.requests[-1].headers[IDENTITY_HEADER], TEST_SECRET)


async def test_an_operator_signs_in_with_a_provider_token(
    gateway: httpx.AsyncClient, idp: Provider, clock: ManualClock, intake_transport: RecordingTransport
) -> None:
    token = idp.token(clock, preferred_username="seat-07", hotline_role="operator")
    response = await gateway.get(CASES, headers=bearer(token))
    assert response.status_code == 200, response.text
    identity = forwarded_identity(intake_transport)
    assert identity.role is Role.operator
    assert identity.subject == "oidc:seat-07"


async def test_a_unit_token_carries_its_unit_and_must_name_one(
    gateway: httpx.AsyncClient, idp: Provider, clock: ManualClock, intake_transport: RecordingTransport
) -> None:
    ok = await gateway.get(CASES, headers=bearer(idp.token(clock, hotline_role="station", hotline_station="S-JD-01")))
    assert ok.status_code == 200, ok.text
    assert forwarded_identity(intake_transport).station_id == "S-JD-01"

    await refused(gateway, idp.token(clock, hotline_role="station"), 403, "hotline_station")


async def test_roles_may_come_as_a_list_in_a_nested_claim(
    open_gateway: GatewayOpener, idp: Provider, clock: ManualClock, intake_transport: RecordingTransport
) -> None:
    async with open_gateway(oidc={"role_claim": "realm_access.roles"}) as (_, client):
        keycloak_style = idp.token(clock, realm_access={"roles": ["offline_access", "supervisor"]})
        assert (await client.get(CASES, headers=bearer(keycloak_style))).status_code == 200
        assert forwarded_identity(intake_transport).role is Role.supervisor

        two = idp.token(clock, realm_access={"roles": ["supervisor", "admin"]})
        await refused(client, two, 403, "several hotline roles")


async def test_a_token_without_a_hotline_role_is_forbidden(
    gateway: httpx.AsyncClient, idp: Provider, clock: ManualClock
) -> None:
    for role in (None, "public", "superuser"):
        await refused(gateway, idp.token(clock, hotline_role=role), 403, "no hotline role")


async def test_expiry_follows_the_gateway_clock_with_leeway(
    gateway: httpx.AsyncClient, idp: Provider, clock: ManualClock
) -> None:
    token = idp.token(clock, hotline_role="operator", lifetime=timedelta(minutes=5))
    assert (await gateway.get(CASES, headers=bearer(token))).status_code == 200
    clock.advance(timedelta(minutes=5, seconds=20))  # inside the 30 s leeway
    assert (await gateway.get(CASES, headers=bearer(token))).status_code == 200
    clock.advance(timedelta(seconds=20))
    expired = await gateway.get(CASES, headers=bearer(token))
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]
    assert expired.headers["www-authenticate"].startswith("Bearer")

    early = idp.token(clock, hotline_role="operator", nbf=int(clock.now().timestamp()) + 600)
    await refused(gateway, early, 401, "not valid yet")


async def test_tokens_for_someone_else_or_forged_are_refused(
    gateway: httpx.AsyncClient, idp: Provider, clock: ManualClock
) -> None:
    await refused(gateway, idp.token(clock, hotline_role="admin", aud="some-other-app"), 401, "another application")
    await refused(gateway, idp.token(clock, hotline_role="admin", iss="https://evil.example"), 401, "another identity")
    await refused(gateway, idp.token(clock, hotline_role="admin", exp=None), 401, "'exp'")
    # The audit log keeps who did it in 80 characters: a name that would not fit is refused, not cut.
    await refused(gateway, idp.token(clock, hotline_role="admin", preferred_username="x" * 76), 401, "subject")

    # Signed by a key the provider never published, under a published key id.
    idp.keys["k1"], real = new_key(), idp.keys["k1"]
    forged = idp.token(clock, hotline_role="admin")
    idp.keys["k1"] = real
    await refused(gateway, forged, 401, "signature")


async def test_unsigned_and_symmetric_tokens_are_refused(
    gateway: httpx.AsyncClient, idp: Provider, clock: ManualClock
) -> None:
    now = int(clock.now().timestamp())
    claims = {"iss": idp.issuer, "aud": AUDIENCE, "sub": "x", "exp": now + 600, "hotline_role": "admin"}
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    unsigned = f"{header}.{body}."
    # Algorithm confusion: an HMAC token under the provider's key id (keyed, in the real attack,
    # with the provider's public key, which anyone can download). HMAC must not be accepted at all.
    confused = jwt.encode(claims, key="k" * 32, algorithm="HS256", headers={"kid": "k1"})
    for token in (unsigned, confused):
        await refused(gateway, token, 401, "not accepted")


async def test_a_rotated_key_is_fetched_once_when_first_seen(
    gateway: httpx.AsyncClient, idp: Provider, clock: ManualClock
) -> None:
    assert (await gateway.get(CASES, headers=bearer(idp.token(clock, hotline_role="operator")))).status_code == 200
    fetches = idp.jwks_fetches
    idp.add_key("k2")
    rotated = idp.token(clock, kid="k2", hotline_role="operator")
    for _ in range(3):
        assert (await gateway.get(CASES, headers=bearer(rotated))).status_code == 200
    assert idp.jwks_fetches == fetches + 1

    idp.add_key("k3", publish=False)
    await refused(gateway, idp.token(clock, kid="k3", hotline_role="operator"), 401, "does not publish")


async def test_a_provider_outage_is_a_503_until_keys_are_known_then_cached_keys_serve(
    gateway: httpx.AsyncClient, idp: Provider, clock: ManualClock
) -> None:
    idp.up = False
    token = idp.token(clock, hotline_role="operator")
    await refused(gateway, token, 503, "use an API key")

    idp.up = True
    assert (await gateway.get(CASES, headers=bearer(token))).status_code == 200
    idp.up = False
    idp.add_key("k2")  # an unknown kid forces a refetch, which fails: the cached keys still serve
    assert (await gateway.get(CASES, headers=bearer(token))).status_code == 200


async def test_api_keys_keep_working_and_token_users_are_audited_by_name(
    open_gateway: GatewayOpener, idp: Provider, clock: ManualClock
) -> None:
    async with open_gateway() as (app, client):
        async with app.state.db.transaction() as session:
            issued = await keys.create_key(
                session, data=ApiKeyCreate(name="it-admin", role="admin"), actor="test", clock=clock
            )
        admin = bearer(issued.key)
        assert (await client.get(CASES, headers=admin)).status_code == 200
        token = idp.token(clock, preferred_username="seat-07", hotline_role="operator")
        await client.post(CASES, json={"channel": "fax"}, headers=bearer(token))
        rows = (await client.get("/api/v1/audit", params={"subject": "oidc:seat-07"}, headers=admin)).json()["items"]
        assert [(r["method"], r["route"], r["role"], r["status"]) for r in rows] == [
            ("POST", "/api/v1/cases", "operator", 422)
        ]


def test_settings_refuse_what_would_make_tokens_forgeable() -> None:
    with pytest.raises(ValidationError, match="public-key algorithms"):
        OidcSettings(issuer="https://id.example.gov.cn/realms/city", audience=AUDIENCE, algorithms=["HS256"])
    with pytest.raises(ValidationError, match="public-key algorithms"):
        OidcSettings(issuer="https://id.example.gov.cn/realms/city", audience=AUDIENCE, algorithms=["none"])
    with pytest.raises(ValidationError, match="https"):
        OidcSettings(issuer="http://id.example.gov.cn", audience=AUDIENCE)
    with pytest.raises(ValidationError):
        GatewaySettings(env="test", oidc={"issuer": "https://id.example.gov.cn"})  # no audience


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_OIDC__ISSUER", "https://id.example.gov.cn/realms/city")
    monkeypatch.setenv("GATEWAY_OIDC__AUDIENCE", AUDIENCE)
    monkeypatch.setenv("GATEWAY_OIDC__ROLE_CLAIM", "realm_access.roles")
    oidc = GatewaySettings(env="test").oidc
    assert oidc is not None
    assert (oidc.issuer, oidc.audience, oidc.role_claim) == (
        "https://id.example.gov.cn/realms/city",
        AUDIENCE,
        "realm_access.roles",
    )


async def test_a_token_user_has_a_staff_rate_limit_not_the_public_one(
    open_gateway: GatewayOpener, idp: Provider, clock: ManualClock
) -> None:
    subject = f"seat-{uuid.uuid4().hex[:8]}"  # buckets live in the shared Valkey: one of its own
    token = idp.token(clock, preferred_username=subject, hotline_role="operator")
    async with open_gateway(rate_limit_public_per_minute=2, rate_limit_staff_per_minute=4) as (_, client):
        responses = [await client.get(CASES, headers=bearer(token)) for _ in range(5)]
    # Past the public allowance of 2, up to the staff allowance of 4, then refused by name.
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert f"oidc:{subject}" in responses[-1].json()["detail"]
