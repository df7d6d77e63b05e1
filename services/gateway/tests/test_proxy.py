"""The gateway forwards to the owning service with a signed identity, and answers problems itself."""

from __future__ import annotations

import httpx
from hotline_shared.identity import IDENTITY_HEADER, Identity, Role, sign_identity, verify_identity
from hotline_shared.testing.identity import TEST_SECRET

from .conftest import KeyMaker, RecordingTransport

CASE = {
    "channel": "phone",
    "category": "complaint",
    "topic_code": "CG-SRHJ-ZDJY",
    "description": "小区门口长期占道经营，晚上噪音很大",
    "caller": {"name": "张三", "phone": "13812345678"},
    "location": {"district_code": "D01"},
}


async def test_forwarded_request_carries_signed_identity_and_not_the_key(
    client: httpx.AsyncClient, make_key: KeyMaker, intake_transport: RecordingTransport
) -> None:
    headers = await make_key("station", name="station-d01-s01", station_id="S-D01-01")
    forged = sign_identity(Identity(subject="mallory", role=Role.admin), TEST_SECRET)
    response = await client.get(
        "/api/v1/cases?status=received",
        headers={**headers, IDENTITY_HEADER: forged, "X-Request-ID": "client-req-0001", "Connection": "x-secret",
                 "X-Secret": "hop", "X-Forwarded-For": "203.0.113.9"},
    )  # fmt: skip
    assert response.status_code not in (401, 403, 404, 405), response.text
    sent = intake_transport.requests[-1]
    assert sent.url.path == "/api/v1/cases"
    assert sent.url.query == b"status=received"
    assert "authorization" not in sent.headers
    assert "x-secret" not in sent.headers  # named in Connection: hop-by-hop
    identity = verify_identity(sent.headers[IDENTITY_HEADER], TEST_SECRET)
    assert identity.subject == "station-d01-s01"
    assert identity.role is Role.station
    assert identity.station_id == "S-D01-01"
    # No proxy is trusted by default (issue 19): a local client cannot pick its own address.
    assert identity.client_ip == "127.0.0.1"
    assert sent.headers["x-forwarded-for"] == "127.0.0.1"
    assert sent.headers["x-request-id"] == "client-req-0001" == response.headers["x-request-id"]
    assert identity.request_id == "client-req-0001"


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(
    app: object, make_key: KeyMaker, intake_transport: RecordingTransport
) -> None:
    from hotline_shared.testing.apps import running

    async with running(app) as _:  # type: ignore[arg-type]
        headers = await make_key("operator")
        transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 5555))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            r = await c.get("/api/v1/cases", headers={**headers, "X-Forwarded-For": "10.9.9.9"})
    assert r.status_code == 200, r.text
    sent = intake_transport.requests[-1]
    assert verify_identity(sent.headers[IDENTITY_HEADER], TEST_SECRET).client_ip == "198.51.100.7"
    assert sent.headers["x-forwarded-for"] == "198.51.100.7"


async def test_bad_body_gets_the_services_problem_with_field_errors(
    client: httpx.AsyncClient, make_key: KeyMaker
) -> None:
    headers = await make_key("operator")
    response = await client.post("/api/v1/cases", json={"channel": "fax"}, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in response.json()["errors"]}
    assert "body.channel" in fields


async def test_missing_key_is_401_problem_and_nothing_is_forwarded(
    client: httpx.AsyncClient, intake_transport: RecordingTransport
) -> None:
    response = await client.post("/api/v1/cases", json=CASE)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert intake_transport.requests == []


async def test_wrong_scheme_and_unknown_key_are_401(client: httpx.AsyncClient) -> None:
    for value in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer hk_not-a-real-key-at-all"):
        response = await client.get("/api/v1/cases", headers={"Authorization": value})
        assert response.status_code == 401, value
        assert response.json()["status"] == 401
        assert response.headers["www-authenticate"].startswith("Bearer"), value


async def test_unknown_path_is_404_problem(client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    headers = await make_key("admin")
    for path in ("/api/v1/nothing-here", "/api/v2/cases", "/", "/api/v1/cases/2026/extra/deep"):
        response = await client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_known_path_wrong_method_is_405_with_allow(client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    headers = await make_key("admin")
    response = await client.delete("/api/v1/cases", headers=headers)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"].startswith("application/problem+json")
    # A literal segment wins over a parameter, but the parameter route's methods still count.
    response = await client.post("/api/v1/calendar/deadline", headers=headers)
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PUT"


async def test_declared_oversize_body_is_413_before_forwarding(
    make_settings: object, clock: object, intake_transport: RecordingTransport
) -> None:
    from gateway.main import create_app
    from hotline_shared.testing.apps import running

    app = create_app(make_settings(max_body_bytes=2048), clock=clock, transports={"intake": intake_transport})  # type: ignore[operator,arg-type]
    async with running(app) as c:
        from gateway.apikeys import service as keys
        from gateway.apikeys.schemas import ApiKeyCreate

        async with app.state.db.transaction() as session:
            issued = await keys.create_key(
                session,
                data=ApiKeyCreate(name="it-admin", role="admin"),
                actor="t",
                clock=clock,  # type: ignore[arg-type]
            )
        headers = {"Authorization": f"Bearer {issued.key}", "Content-Type": "application/json"}
        big = b'{"description": "' + b"x" * 4096 + b'"}'
        r = await c.post("/api/v1/cases", content=big, headers=headers)
        assert r.status_code == 413
        assert r.headers["content-type"].startswith("application/problem+json")

        async def chunks():  # no Content-Length: the size is only known while streaming
            for _ in range(8):
                yield b"x" * 512

        r = await c.post("/api/v1/cases", content=chunks(), headers=headers)
        assert r.status_code == 413
        r = await c.post("/api/v1/admin/api-keys", content=chunks(), headers=headers)
        assert r.status_code == 413
    assert all(len(b) <= 2048 for b in intake_transport.bodies)


async def test_security_headers_on_every_answer(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/cases", "/healthz", "/nope"):
        response = await client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["referrer-policy"] == "no-referrer"


async def test_cors_allows_configured_origins_only(
    make_settings: object, clock: object, intake_transport: RecordingTransport
) -> None:
    from gateway.main import create_app
    from hotline_shared.testing.apps import running

    app = create_app(  # type: ignore[arg-type]
        make_settings(cors_origins=["https://12345.example.gov.cn"]),  # type: ignore[operator]
        clock=clock,
        transports={"intake": intake_transport},
    )
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "Authorization"}
    async with running(app) as c:
        ok = await c.options("/api/v1/public/board", headers={"Origin": "https://12345.example.gov.cn", **preflight})
        bad = await c.options("/api/v1/public/board", headers={"Origin": "https://evil.example", **preflight})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "https://12345.example.gov.cn"
    assert "access-control-allow-origin" not in bad.headers


async def test_regression_a_non_ascii_header_byte_is_forwarded_not_a_500(
    client: httpx.AsyncClient, make_key: KeyMaker, intake_transport: RecordingTransport
) -> None:
    """Issue 19: `X-A: café` (UTF-8 bytes) on any forwarded route was a 500 with a traceback."""
    headers = await make_key("operator")
    response = await client.get(
        "/api/v1/cases",
        headers=[(b"Authorization", headers["Authorization"].encode()), (b"X-A", "café".encode())],
    )
    assert response.status_code == 200, response.text
    sent = intake_transport.requests[-1]
    assert sent.headers.raw[[k.lower() for k, _ in sent.headers.raw].index(b"x-a")][1] == "café".encode()
    public = await client.get("/api/v1/catalog/areas", headers=[(b"X-A", b"caf\xc3\xa9")])
    assert public.status_code == 200, public.text


async def test_regression_wrong_method_on_a_probe_is_405_not_401(client: httpx.AsyncClient) -> None:
    """Issue 19: `PUT /healthz` fell through to the catch-all proxy route and answered 401."""
    for path in ("/healthz", "/readyz", "/metrics"):
        r = await client.put(path)
        assert r.status_code == 405, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["allow"] == "GET"
    assert (await client.get("/healthz")).status_code == 200
