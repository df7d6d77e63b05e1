"""API keys as real credentials: issued once, stored hashed, scoped, expiring, revocable, rotatable."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from gateway.apikeys.models import ApiKey
from hotline_shared.clock import ManualClock
from sqlalchemy import select

from .conftest import KeyMaker, bearer

KEYS = "/api/v1/admin/api-keys"


async def test_create_shows_the_secret_once_and_stores_only_its_hash(
    client: httpx.AsyncClient, make_key: KeyMaker, app: FastAPI
) -> None:
    admin = await make_key("admin")
    r = await client.post(KEYS, json={"name": "unit-cg-001", "role": "unit", "unit_id": "U-CG-001"}, headers=admin)
    assert r.status_code == 201, r.text
    issued = r.json()
    secret = issued["key"]
    assert secret.startswith("hk_")
    assert len(secret) > 40
    assert issued["status"] == "active"
    assert issued["created_by"] == "admin-1"
    assert secret.startswith(issued["prefix"])

    listed = (await client.get(KEYS, headers=admin)).json()
    assert secret not in str(listed)
    assert "key" not in listed["items"][0]
    one = (await client.get(f"{KEYS}/{issued['id']}", headers=admin)).json()
    assert "key" not in one
    assert one["unit_id"] == "U-CG-001"

    async with app.state.db.transaction() as session:
        stored = (await session.scalars(select(ApiKey).where(ApiKey.name == "unit-cg-001"))).one()
    assert secret not in (stored.key_hash, stored.prefix)
    assert len(stored.key_hash) == 64

    # The new key works at once with its role.
    assert (await client.get("/api/v1/admin/api-keys", headers=bearer(secret))).status_code == 403


async def test_scope_must_fit_the_role(client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    admin = await make_key("admin")
    bad = [
        ({"name": "u1", "role": "unit"}, "body.unit_id"),
        ({"name": "s1", "role": "station"}, "body.station_id"),
        ({"name": "o1", "role": "operator", "unit_id": "U-1"}, "body.unit_id"),
        ({"name": "u2", "role": "unit", "unit_id": "U-1", "station_id": "S-1"}, "body.station_id"),
        ({"name": "p1", "role": "public"}, "body.role"),
        ({"name": " leading space", "role": "admin"}, "body.name"),
        ({"name": "", "role": "admin"}, "body.name"),
        ({"name": "e1", "role": "admin", "expires_at": "2020-01-01T00:00:00+08:00"}, "body.expires_at"),
        ({"name": "e2", "role": "admin", "expires_at": "2030-01-01T00:00:00"}, "body.expires_at"),
    ]
    for body, field in bad:
        r = await client.post(KEYS, json=body, headers=admin)
        assert r.status_code == 422, (body, r.text)
        assert field in {e["field"] for e in r.json()["errors"]}, (body, r.json())
    ok = await client.post(KEYS, json={"name": "sv-d01", "role": "supervisor", "area_code": "D01"}, headers=admin)
    assert ok.status_code == 201


async def test_duplicate_name_is_409(client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    admin = await make_key("admin")
    assert (await client.post(KEYS, json={"name": "op-1", "role": "operator"}, headers=admin)).status_code == 201
    r = await client.post(KEYS, json={"name": "op-1", "role": "operator"}, headers=admin)
    assert r.status_code == 409


async def test_revoked_key_stops_working_at_once(client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    admin = await make_key("admin")
    issued = (await client.post(KEYS, json={"name": "op-2", "role": "operator"}, headers=admin)).json()
    assert (await client.get("/api/v1/cases", headers=bearer(issued["key"]))).status_code == 200
    r = await client.post(f"{KEYS}/{issued['id']}/revoke", headers=admin)
    assert r.status_code == 200
    assert r.json()["status"] == "revoked"
    r = await client.get("/api/v1/cases", headers=bearer(issued["key"]))
    assert r.status_code == 401
    assert "revoked" in r.json()["detail"]
    # Revoking twice is harmless; rotating a revoked key is refused.
    assert (await client.post(f"{KEYS}/{issued['id']}/revoke", headers=admin)).status_code == 200
    assert (await client.post(f"{KEYS}/{issued['id']}/rotate", headers=admin)).status_code == 409


async def test_expired_key_is_refused(client: httpx.AsyncClient, make_key: KeyMaker, clock: ManualClock) -> None:
    admin = await make_key("admin")
    expires = (clock.now() + timedelta(hours=1)).isoformat()
    issued = (
        await client.post(KEYS, json={"name": "tmp", "role": "operator", "expires_at": expires}, headers=admin)
    ).json()
    assert (await client.get("/api/v1/cases", headers=bearer(issued["key"]))).status_code == 200
    clock.advance(timedelta(hours=1, seconds=1))
    r = await client.get("/api/v1/cases", headers=bearer(issued["key"]))
    assert r.status_code == 401
    assert "expired" in r.json()["detail"]
    expired = (await client.get(KEYS, params={"status": "expired"}, headers=admin)).json()["items"]
    assert [k["name"] for k in expired] == ["tmp"]


async def test_regression_an_expiry_beyond_2099_is_a_422_not_a_500(
    client: httpx.AsyncClient, make_key: KeyMaker
) -> None:
    # 9999-12-31T23:59:59-12:00 parses, but overflows on its way to UTC in the database layer.
    admin = await make_key("admin")
    for value in ("9999-12-31T23:59:59-12:00", "2100-01-01T00:00:00+08:00"):
        r = await client.post(KEYS, json={"name": "far", "role": "operator", "expires_at": value}, headers=admin)
        assert r.status_code == 422, r.text
        assert [e["field"] for e in r.json()["errors"]] == ["body.expires_at"]
    listed = (await client.get(KEYS, headers=admin)).json()["items"]
    assert "far" not in [k["name"] for k in listed], "nothing half-written"
    ok = await client.post(
        KEYS, json={"name": "far", "role": "operator", "expires_at": "2099-12-31T00:00:00+08:00"}, headers=admin
    )
    assert ok.status_code == 201, ok.text


async def test_rotation_replaces_the_secret_with_optional_grace(
    client: httpx.AsyncClient, make_key: KeyMaker, clock: ManualClock
) -> None:
    admin = await make_key("admin")
    first = (
        await client.post(KEYS, json={"name": "st-1", "role": "station", "station_id": "S-1"}, headers=admin)
    ).json()
    second = (await client.post(f"{KEYS}/{first['id']}/rotate", headers=admin)).json()
    assert second["id"] == first["id"]
    assert second["key"] != first["key"]
    assert second["station_id"] == "S-1"
    assert second["rotated_at"]
    assert (await client.get("/api/v1/cases", headers=bearer(first["key"]))).status_code == 401
    assert (await client.get("/api/v1/cases", headers=bearer(second["key"]))).status_code == 200

    third = (await client.post(f"{KEYS}/{first['id']}/rotate", json={"grace_seconds": 600}, headers=admin)).json()
    assert (await client.get("/api/v1/cases", headers=bearer(second["key"]))).status_code == 200
    assert (await client.get("/api/v1/cases", headers=bearer(third["key"]))).status_code == 200
    clock.advance(timedelta(seconds=601))
    assert (await client.get("/api/v1/cases", headers=bearer(second["key"]))).status_code == 401
    assert (await client.get("/api/v1/cases", headers=bearer(third["key"]))).status_code == 200

    too_long = await client.post(f"{KEYS}/{first['id']}/rotate", json={"grace_seconds": 10**9}, headers=admin)
    assert too_long.status_code == 422


async def test_last_used_is_recorded(client: httpx.AsyncClient, make_key: KeyMaker, clock: ManualClock) -> None:
    admin = await make_key("admin")
    issued = (await client.post(KEYS, json={"name": "op-3", "role": "operator"}, headers=admin)).json()
    assert issued["last_used_at"] is None
    await client.get("/api/v1/cases", headers=bearer(issued["key"]))
    seen = (await client.get(f"{KEYS}/{issued['id']}", headers=admin)).json()["last_used_at"]
    assert seen is not None
    assert seen.startswith("2026-11-23T09:30")


async def test_list_filters_and_pages(client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    admin = await make_key("admin")
    for i in range(5):
        await client.post(KEYS, json={"name": f"op-{i:02d}", "role": "operator"}, headers=admin)
    names = []
    cursor = None
    while True:
        params = {"role": "operator", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(KEYS, params=params, headers=admin)).json()
        names += [k["name"] for k in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert names == [f"op-{i:02d}" for i in range(5)]
    r = await client.get(KEYS, params={"cursor": "garbage"}, headers=admin)
    assert r.status_code == 422


async def test_unknown_key_id_is_404(client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    admin = await make_key("admin")
    for path in (f"{KEYS}/nope", f"{KEYS}/nope/revoke", f"{KEYS}/nope/rotate"):
        method = client.get if path.endswith("nope") else client.post
        r = await method(path, headers=admin)
        assert r.status_code == 404, path


async def test_regression_the_last_active_admin_key_cannot_be_revoked(
    client: httpx.AsyncClient, make_key: KeyMaker
) -> None:
    """Issue 19: an admin could revoke the last admin key and lock administration out."""
    admin = await make_key("admin", name="only-admin")
    listed = (await client.get(KEYS, params={"role": "admin"}, headers=admin)).json()["items"]
    (only,) = [k for k in listed if k["status"] == "active"]
    refused = await client.post(f"{KEYS}/{only['id']}/revoke", headers=admin)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "last active admin key" in refused.json()["detail"]
    assert (await client.get(KEYS, headers=admin)).status_code == 200  # still works
    # With a second admin key the first may go, and then the second is the last again.
    second = (await client.post(KEYS, json={"name": "admin-2", "role": "admin"}, headers=admin)).json()
    assert (await client.post(f"{KEYS}/{only['id']}/revoke", headers=bearer(second["key"]))).status_code == 200
    again = await client.post(f"{KEYS}/{second['id']}/revoke", headers=bearer(second["key"]))
    assert again.status_code == 409
